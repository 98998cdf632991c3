"""An agency's HTTP risk service, from docs/agency-http-contract.md and the standard library only.

Run as ``python http_agency.py``: it binds a free loopback port, prints
``READY <port>`` and serves until terminated. The path picks the behaviour a
test needs: ``/assess`` follows the contract (one yellow finding per goods
item, answered again from memory for a request id seen before); ``/slow``
answers after one second; ``/fail`` answers 500 with an error body;
``/purple`` sends a finding with a channel the contract does not have;
``/html`` answers 200 with an HTML page.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWERS: dict[str, bytes] = {}
ASSESSED: dict[str, int] = {}
LOCK = threading.Lock()


def assess(request: dict[str, Any]) -> dict[str, Any]:
    """One yellow finding per routed goods item: the agency's own, on its own items."""
    findings = [
        {
            "agency": request["agency"],
            "profile_id": "TEST-DOC-001",
            "profile_version": 1,
            "title": "documents to check",
            "item_sequences": [item["sequence"]],
            "indicators": [f"commodity {item.get('commodity_code', 'unknown')}"],
            "score": 40,
            "channel": "yellow",
        }
        for item in request["declaration"].get("goods_items", [])
    ]
    return {
        "contract": "1.0",
        "request_id": request["request_id"],
        "agency": request["agency"],
        "findings": findings,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def send(self, status: int, body: bytes, media: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # fails when the hub stopped waiting: its deadline passed

    def error(self, status: int, code: str, message: str, rid: str | None = None) -> None:
        body = {"contract": "1.0", "request_id": rid, "error": {"code": code, "message": message}}
        self.send(status, json.dumps(body).encode())

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not self.headers.get("X-Hub-Contract", "").startswith("1."):
            return self.error(400, "unsupported-contract", "this service speaks contract 1.x")
        try:
            request = json.loads(raw)
        except ValueError:
            return self.error(400, "bad-request", "the body is not JSON")
        rid = request["request_id"]
        if self.headers.get("Idempotency-Key") != rid:
            return self.error(400, "bad-request", "Idempotency-Key differs from request_id", rid)
        deadline = datetime.fromisoformat(request["deadline"].replace("Z", "+00:00"))
        if datetime.now(UTC) > deadline:
            return self.error(408, "deadline-passed", "received after the deadline", rid)
        if self.path == "/slow":
            time.sleep(1.0)
        if self.path == "/fail":
            return self.error(500, "unavailable", "the risk engine is down", rid)
        if self.path == "/html":
            return self.send(200, b"<html>maintenance</html>", "text/html")
        key = f"{self.path} {rid}"  # one service per path here; a real one keys by rid alone
        with LOCK:
            if key not in ANSWERS:
                answer = assess(request)
                if self.path == "/purple":
                    answer["findings"][0]["channel"] = "purple"
                ANSWERS[key] = json.dumps(answer).encode()
                ASSESSED[key] = ASSESSED.get(key, 0) + 1
            body = ANSWERS[key]
        self.send(200, body)

    def do_GET(self) -> None:
        # Not part of the contract: how often each "<path> <request id>" was assessed.
        with LOCK:
            self.send(200, json.dumps(ASSESSED).encode())


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
