"""Decisions between normalized drafts and the store: rows to write, social threads, links between
channels, figures derived from threads."""
