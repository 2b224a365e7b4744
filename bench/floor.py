"""The physical floor of the server: a WSGI hello world with no framework, under the same gunicorn as the API.

`make bench` serves this beside the API and reports every endpoint as a share of its rate: what is left between the
two is the work the API does per request (docs/performance.md).
"""

BODY = b'{"status":"ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
    start_response("200 OK", HEADERS)
    return [BODY]
