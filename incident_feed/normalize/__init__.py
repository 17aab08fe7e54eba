"""Payload -> incident drafts. Pure: no I/O, ``now`` and the source passed in.

Modules: ``text`` (HTML to plain text, control characters out), ``times`` (strict UTC parsing),
``phases`` (labels and free text -> phases, with evidence), ``drafts`` (the output types), and one
module per payload family (``statuspage``, ``feed``, ...).
"""
