"""Real local servers for the channel tests: an SMTP server (aiosmtpd) and an HTTP server
that plays a 钉钉 / 企业微信 robot, checking the 钉钉 signature the way DingTalk does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1; ``messages`` holds each received e-mail (parsed)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
                msg = message_from_bytes(envelope.content, policy=policy.default)
                outer.messages.append((envelope.rcpt_tos, msg))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class RobotServer:
    """A group-chat robot endpoint. Paths:
    /dingtalk  checks timestamp + sign against ``secret`` (DingTalk's 加签), answers errcode 0
               or 310000 "sign not match";
    /wecom     answers errcode 0;
    /down      answers HTTP 500 every time.
    ``received`` is a list of (path, query, json body, verdict)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[tuple[str, dict, dict, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if parts.path == "/down":
                    outer.received.append((parts.path, query, body, "500"))
                    self.send_response(500)
                    self.end_headers()
                    return
                verdict = "ok"
                if parts.path == "/dingtalk":
                    verdict = outer.check_sign(query)
                outer.received.append((parts.path, query, body, verdict))
                answer = (
                    {"errcode": 0, "errmsg": "ok"}
                    if verdict == "ok"
                    else {"errcode": 310000, "errmsg": verdict}
                )
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.port = free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.url = f"http://127.0.0.1:{self.port}"

    def check_sign(self, query: dict) -> str:
        import time

        try:
            ts = int(query["timestamp"])
        except (KeyError, ValueError):
            return "missing timestamp"
        if abs(time.time() * 1000 - ts) > 3600 * 1000:
            return "timestamp expired"
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256).digest()
        ).decode()
        return "ok" if hmac.compare_digest(query.get("sign", ""), expected) else "sign not match"

    def __enter__(self) -> RobotServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
