"""A body over the limit sent to real gunicorn workers always gets its 413, never a connection reset with no answer
(mechanic_shop/api/middleware.py)."""

import http.client
import json
import socket
import time
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

BODY_SIZE = 3 * 1024 * 1024  # over the 2.5 MB limit


def _post_oversized(url: str, *, chunk: int, pause: float) -> tuple[int, dict | str]:
    """POST a too-large JSON body on a raw socket (`chunk` bytes at a time, `pause` between): (status, JSON body), or
    (0, the error) when the connection broke before an answer could be read."""
    parts = urlsplit(url)
    head = (
        f"POST /customers HTTP/1.1\r\nHost: {parts.hostname}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {BODY_SIZE}\r\nConnection: close\r\n\r\n"
    ).encode()
    body = b'{"name": "' + b"x" * (BODY_SIZE - 12) + b'"}'
    assert len(body) == BODY_SIZE
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        try:
            sock.sendall(head)
            for start in range(0, BODY_SIZE, chunk):
                sock.sendall(body[start : start + chunk])
                if pause:
                    time.sleep(pause)
            response = http.client.HTTPResponse(sock)
            response.begin()
            return response.status, json.loads(response.read())
        except OSError as error:  # reset, broken pipe: what a client saw before the fix
            return 0, repr(error)


def test_every_oversized_body_gets_its_413(live_server_workers):
    url = live_server_workers(workers=2)
    # Half send as fast as the socket takes it, half trickle in (a slow uplink).
    answers = [
        _post_oversized(url, chunk=1024 * 1024, pause=0)
        if i % 2 == 0
        else _post_oversized(url, chunk=64 * 1024, pause=0.01)
        for i in range(20)
    ]
    assert answers == [(413, {"detail": "The request body is larger than the limit of 2.5 MB."})] * 20
