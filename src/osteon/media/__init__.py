"""Media for remote consultation: TURN credentials, Janus VideoRoom rooms and tokens, recordings.

A library used by the consultations domain (no tables, no routes). Entry points are in ``service``:
``ice_servers``, ``media_config`` and ``close_room``. See docs/consultation.md §3 and "Media (C) — as built".
"""
