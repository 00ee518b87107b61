"""Werkzeug's request handler, answering HTTP-level errors in the apps' JSON error shape.

A malformed request line, an over-long URL and the like are answered by the HTTP server
itself (Python's ``http.server``, under Werkzeug) before Flask sees a request, with an HTML
page. :class:`JsonErrorHandler` answers them with the body every other error has.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from werkzeug.serving import WSGIRequestHandler

from .params import RequestError

_NO_BODY = (HTTPStatus.NO_CONTENT, HTTPStatus.RESET_CONTENT, HTTPStatus.NOT_MODIFIED)


class JsonErrorHandler(WSGIRequestHandler):
    """Werkzeug's handler, with ``send_error`` writing ``{"error": {...}}`` as JSON."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        short, _ = self.responses.get(code, ("error", ""))
        text = message or short
        self.log_error("code %d, message %s", code, text)
        self.send_response(code, text)
        self.send_header("Connection", "close")
        self.close_connection = True
        if code < 200 or code in _NO_BODY:
            self.end_headers()
            return
        body = json.dumps(RequestError(code, "bad_http_request", f"{text}: {explain or short}").body()).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
