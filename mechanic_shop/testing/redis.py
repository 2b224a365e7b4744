"""Counting round trips to Redis, for the tests that hold a request to a number of them (decisions 0028 and 0030).

A round trip is one command (or pipeline) sent on a connection: counted by wrapping redis-py's
`AbstractConnection.send_packed_command` (send_command goes through it; a pipeline sends all its commands at once).
"""

import pytest


@pytest.fixture
def round_trips(monkeypatch):
    """A list that gets one entry per round trip to Redis (the first word of the first command sent)."""
    from redis.connection import AbstractConnection

    trips: list[str] = []
    send = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        first = command if isinstance(command, bytes) else b"".join(command[:1])
        trips.append(first.split(b"\r\n")[2].decode() if first.startswith(b"*") else "?")
        return send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return trips
