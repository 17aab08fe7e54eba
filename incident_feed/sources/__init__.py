"""Collectors: the only package that does network I/O. One module per source kind."""
