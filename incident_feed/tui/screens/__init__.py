"""Screens: incidents list, one incident, sources and vendors, help."""
