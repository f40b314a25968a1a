# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted HTTP server on 127.0.0.1, so that requests and urllib3's Retry really run.

The collection is made importable by tests/conftest.py."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Script:
    """Responses served in order, and the requests received."""

    def __init__(self, port):
        self.port = port
        self.responses = []
        self.requests = []

    def reply(self, status=200, body=None, headers=None, drop=False, times=1):
        """Queue a response: body is JSON-encoded unless bytes; drop=True closes the connection unanswered."""
        self.responses.extend([(status, body, headers or {}, drop)] * times)
        return self

    def calls(self):
        return [(r["method"], r["path"]) for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        script = self.server.script
        script.requests.append({
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": json.loads(raw) if raw else None,
        })
        if not script.responses:
            status, body, headers, drop = 599, {"id": "unscripted", "message": "no response scripted"}, {}, False
        else:
            status, body, headers, drop = script.responses.pop(0)
        if drop:
            self.close_connection = True
            return
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        headers = dict(headers)
        if data:
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.script = Script(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd.script
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def heroku_env(monkeypatch, tmp_path):
    """A clean Heroku environment: no HEROKU_* variables, an empty HOME (so no ~/.netrc)."""
    for name in list(os.environ):
        if name.startswith("HEROKU_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def sleeps(monkeypatch):
    """Record urllib3's retry pauses instead of sleeping (urllib3 calls time.sleep)."""
    recorded = []
    monkeypatch.setattr("urllib3.util.retry.time.sleep", recorded.append)
    return recorded
