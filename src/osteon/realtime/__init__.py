"""Real-time: the ``/ws`` WebSocket hub (topics with sequence numbers, snapshots and resume)."""
