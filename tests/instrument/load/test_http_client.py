"""The closed loop's light client: every framing of an HTTP/1.1 answer, and a loop of its own
where an event loop already runs."""

import asyncio
import http.server
import threading

import pytest

from bench.instrument.load import http_client


class Answers(http.server.BaseHTTPRequestHandler):
    """Each path answers in one of the ways HTTP/1.1 allows a body to be framed."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hel", b"lo"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/close"):
            self.send_response(404)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"gone")
            self.close_connection = True
        elif self.path.startswith("/badlength"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n")
            self.close_connection = True
        elif self.path.startswith("/garbage"):
            self.wfile.write(b"SMTP ready\r\n\r\n")
            self.close_connection = True
        else:
            body = self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def answers():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, name="answers")
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=5)


def test_the_light_client_reads_every_framing_of_an_answer(answers):
    def one(path: str, params=None):
        sent = http_client.closed_loop(
            answers + path, params, clients=1, max_requests=3, duration_s=10, timeout_s=5, stop=threading.Event()
        )
        assert len(sent) == 3
        return [(status, error) for _, _, _, _, status, error in sent]

    assert one("/length", {"a": 1}) == [(200, "")] * 3
    assert one("/chunked") == [(200, "")] * 3
    assert one("/close") == [(404, "gone")] * 3, "a closed connection is opened again"
    garbage = one("/garbage")
    assert all(
        status == 0 and error.startswith("ProtocolError: not an HTTP/1.x status line") for status, error in garbage
    )
    assert all(status == 0 and error.startswith("ValueError") for status, error in one("/badlength"))
    assert http_client.target_of("http://h:81/run?x=1", {"n": 2}) == ("h", 81, "/run?x=1&n=2")
    with pytest.raises(ValueError, match="plain http"):
        http_client.target_of("https://h/run", None)


def test_the_light_client_runs_where_an_event_loop_already_runs(answers):
    async def in_a_notebook() -> list[http_client.Sent]:  # a kernel's cell runs with its loop running
        return http_client.closed_loop(
            answers + "/x", None, clients=2, max_requests=4, duration_s=10, timeout_s=5, stop=threading.Event()
        )

    sent = asyncio.run(in_a_notebook())
    assert sorted(seq for _, seq, *_ in sent) == [0, 1, 2, 3] and {s[4] for s in sent} == {200}
