"""The terminal UI (Textual). The only package that imports textual.

``app.py`` holds the app factory; ``screens/`` one screen per module; ``widgets/`` one widget per
module; ``app.tcss`` all the CSS. The modules without Textual (``formatting``, ``filtering``,
``timeline``, ``window``) are pure and tested on their own.
"""
