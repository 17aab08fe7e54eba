"""Speed of the post classifier: 10,000 real texts read by ``classify_post``, against baselines.

The texts are every distinct real text the repo ships that a status account could post: the 26
vendor posts, the tweets of the tweepy cassettes, and the GitHub and Google Cloud update bodies,
each cut to 500 characters (Mastodon's limit; X allows 280), shuffled with a fixed seed and
repeated to 10,000; then the social posts alone, which are shorter. Baselines in the same run, because the machine is shared: ``str.lower`` of
every text, and one ``re.search`` per text of a single pattern naming the phase words. Goal: the
10,000 posts in under 1 s.
"""

from __future__ import annotations

import random
import re

from benchmarks.classifier_accuracy import non_update_posts, status_updates, vendor_posts
from benchmarks.common import best_of, machine
from incident_feed.normalize.phases import classify_post

POSTS = 10_000
LIMIT = 500
PHASE_WORDS = re.compile(
    r"investigat|identified|mitigat|rolling out|deploy|monitor|recover|resolved|operational",
    re.IGNORECASE,
)


def texts(social_only: bool = False) -> list[str]:
    """10,000 real texts (with ``social_only``, only the vendor posts and the tweets)."""
    social = [c.text for c in vendor_posts() + non_update_posts()]
    status = [] if social_only else [u.text for u in status_updates()]
    pool = [text[:LIMIT] for text in dict.fromkeys(social + status) if text.strip()]
    random.Random(20261125).shuffle(pool)
    return [pool[i % len(pool)] for i in range(POSTS)]


def main() -> None:
    posts = texts()
    pool = len(set(posts))
    lower = best_of(5, lambda: [p.lower() for p in posts])
    search = best_of(5, lambda: [PHASE_WORDS.search(p) for p in posts])
    ours = best_of(5, lambda: [classify_post(p) for p in posts])
    threaded = best_of(5, lambda: [classify_post(p, in_thread=True) for p in posts])
    print(f"classify_post speed ({machine()}): {POSTS:,} posts from {pool:,} distinct real texts")
    print(f"  str.lower over them:                {lower * 1000:7.1f} ms")
    print(f"  one re.search (phase words) each:   {search * 1000:7.1f} ms")
    print(f"  classify_post(in_thread=False):     {ours * 1000:7.1f} ms = {ours / search:.1f}x the re.search pass "
          f"(goal < 1000 ms)")  # fmt: skip
    print(f"  classify_post(in_thread=True):      {threaded * 1000:7.1f} ms")
    posts = texts(social_only=True)
    mean = sum(map(len, posts)) / len(posts)
    search = best_of(5, lambda: [PHASE_WORDS.search(p) for p in posts])
    ours = best_of(5, lambda: [classify_post(p) for p in posts])
    print(
        f"  only the {len(set(posts))} real social posts (mean {mean:.0f} characters), repeated to {POSTS:,}:"
    )
    print(f"    one re.search each {search * 1000:.1f} ms; classify_post {ours * 1000:.1f} ms")


if __name__ == "__main__":
    main()
