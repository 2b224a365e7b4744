"""A webhook receiver for the tests: a local HTTP server that records each request and answers as told."""

import http.server
import threading
from collections.abc import Callable


class Receiver:
    """receiver.url; receiver.requests: [(path, headers, body)]; `answer(n)` gives the status of the n-th request
    (from 1), or a callable that may block; default 200."""

    def __init__(self, answer: Callable[[int], int] | None = None) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.answer = answer or (lambda n: 200)
        self.arrived = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.path, dict(self.headers.items()), body))
                receiver.arrived.set()
                status = receiver.answer(len(receiver.requests))
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
