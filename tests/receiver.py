"""A real webhook receiver on loopback: checks each signature the way a push gateway would,
keeps what it accepted, and answers with the statuses a test lines up."""

import hashlib
import hmac
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.hits: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.statuses: deque[int] = deque()  # answered in order; 200 once empty
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/push"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def verify(self, timestamp: str, body: bytes, signature: str) -> bool:
        expected = hmac.new(
            self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(f"sha256={expected}", signature)

    def _receive(self, timestamp: str, signature: str, body: bytes) -> int:
        with self._lock:
            if not self.verify(timestamp, body, signature):
                self.bad_signatures += 1
                return 401
            status = self.statuses.popleft() if self.statuses else 200
            self.hits.append(json.loads(body) | {"_status": status})
            return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver._receive(
                    self.headers.get("Attune-Timestamp", ""),
                    self.headers.get("Attune-Signature", ""),
                    body,
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output clean

        return Handler
