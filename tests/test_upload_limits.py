"""What a request to the plugin's routes may send, over real HTTP (the demo host served by
Werkzeug in a thread, with its app-wide CSRFProtect that reads every form first):

* a request over the limit is refused with 413 while it arrives: with a Content-Length over it
  before a byte of the body is read, without one (chunked) as soon as the body passes it; the
  server never reads (so never spools to its temporary folder) more than about the limit. The
  host's own routes keep the host's limit.
* a malformed body (broken chunked encoding, broken multipart) gets 400 with a clear message,
  signed in or not, and nothing in the error log.

These checks run before any query, so the host runs on SQLite only here.

Every byte the app reads of a request body is counted by a WSGI middleware around it, so the
tests see how much of a body the server took in.
"""

import http.client
import io
import json
import logging
import re
import select
import socket
import threading

import pytest
from flask import request
from werkzeug.serving import make_server

from contact_segments.blueprints.request_limits import UPLOAD_OVERHEAD_BYTES, request_limit

MIB = 1024 * 1024
FILE_LIMIT = MIB
API_UPLOAD = "/api/segments/imports"
PAGE_UPLOAD = "/segments/imports"
NEW_SEGMENT = "/segments/new"
BOUNDARY = "limitsboundary"
CSV = b"Country Code,First Name,Last Name,Email\r\nUS,Ann,Lee,ann@example.com\r\n"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
#: How far past the limit the server may read: Werkzeug parses a form in 64 KiB pieces.
READ_SLACK = 256 * 1024


@pytest.fixture
def database_url(tmp_path):
    """SQLite only: what is checked here happens before any query."""
    return f"sqlite:///{tmp_path / 'limits.sqlite'}"


@pytest.fixture
def app_config():
    return {"SEGMENTS_IMPORT_MAX_FILE_BYTES": FILE_LIMIT}


class _CountingInput(io.RawIOBase):
    """The request body as the app reads it, adding each byte it takes to ``counter``."""

    def __init__(self, stream, counter):
        super().__init__()
        self._stream, self._counter = stream, counter

    def readable(self):
        return True

    def readinto(self, buffer):
        size = self._stream.readinto(buffer)
        self._counter["read"] += size or 0
        return size


class Live:
    """The app served over HTTP; ``read`` is how many body bytes the app read of the last request."""

    def __init__(self, app):
        self.app = app
        self.counter = {"read": 0}
        wsgi_app = app.wsgi_app

        def counting(environ, start_response):
            self.counter["read"] = 0
            environ["wsgi.input"] = _CountingInput(environ["wsgi.input"], self.counter)
            return wsgi_app(environ, start_response)

        app.wsgi_app = counting
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def read(self):
        return self.counter["read"]

    def send(self, method, path, headers, body=(), cookie=None):
        """Send a request over a socket, its body in pieces, stopping as soon as the server
        answers; return ``(status, headers, body text, bytes of body sent)``."""
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sent = 0
        for piece in body:
            if select.select([connection], [], [], 0)[0]:
                break  # the server has answered (or closed): stop sending
            try:
                connection.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        # Read the answer by its Content-Length: Werkzeug's development server keeps reading
        # (and discarding) what the client still sends after its answer, so it does not close.
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        content = answer.read()
        connection.close()
        return answer.status, dict(answer.getheaders()), content.decode("utf-8", "replace"), sent

    def stop(self):
        self.server.shutdown()
        self.thread.join(10)


@pytest.fixture
def live(app):
    server = Live(app)
    yield server
    server.stop()


def chunked(pieces):
    """``pieces`` of bytes in HTTP/1.1 chunked transfer encoding (with the closing chunk)."""
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def multipart_head(name="contacts.csv"):
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode()


def multipart_tail():
    return f"\r\n--{BOUNDARY}--\r\n".encode()


def endless_csv(size):
    """A multipart upload of a CSV file of about ``size`` bytes, in 64 KiB pieces."""
    yield multipart_head() + CSV
    row = b"US,Bob,Ray,bob@example.com\r\n"
    piece = row * (64 * 1024 // len(row))
    for _ in range(size // len(piece)):
        yield piece
    yield multipart_tail()


UPLOAD_HEADERS = [f"Content-Type: multipart/form-data; boundary={BOUNDARY}"]


def session_cookie(app, user_id):
    """The demo host's session cookie of ``user_id`` (signed as the host signs it)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps({'user_id': user_id})}"


def signed_in(live, user_id):
    """``(cookie, CSRF token)`` of a signed-in browser, from the Create Contact page."""
    cookie = session_cookie(live.app, user_id)
    status, headers, page, _ = live.send("GET", "/segments/contacts/new", [], cookie=cookie)
    assert status == 200
    cookie = headers.get("Set-Cookie", cookie).split(";", 1)[0]
    return cookie, TOKEN.search(page).group(1)


# ---------------------------------------------------------------- over the limit


@pytest.mark.parametrize("path", [API_UPLOAD, PAGE_UPLOAD])
def test_a_chunked_upload_over_the_limit_is_cut_off_while_it_arrives(live, path):
    limit = FILE_LIMIT + UPLOAD_OVERHEAD_BYTES
    status, headers, body, sent = live.send(
        "POST", path, UPLOAD_HEADERS + ["Transfer-Encoding: chunked"], chunked(endless_csv(64 * MIB)))
    assert status == 413
    assert live.read <= limit + READ_SLACK, f"the server read {live.read:,} bytes"
    assert sent < 32 * MIB, f"the client could send {sent:,} bytes"
    if path == API_UPLOAD:
        answer = json.loads(body)
        assert answer["code"] == "file_too_large"
        assert "larger than the limit of 2 MB" in answer["message"]
        assert "at most 1 MB" in answer["message"]
    else:
        assert "text/html" in headers["Content-Type"]
        assert "The file is larger than the limit of 1 MB" in body


@pytest.mark.parametrize("path", [API_UPLOAD, PAGE_UPLOAD, NEW_SEGMENT])
def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(live, path):
    status, _, body, _ = live.send(
        "POST", path, UPLOAD_HEADERS + [f"Content-Length: {1024 * MIB}"], endless_csv(8 * MIB))
    assert status == 413
    assert live.read == 0
    assert "larger than the limit" in body


def test_a_json_body_over_the_limit_is_a_request_too_large(live):
    body = (b'{"name": "' + b"n" * (4 * MIB) + b'"}',)
    status, _, answer, _ = live.send("POST", "/api/segments", [
        "Content-Type: application/json", "Transfer-Encoding: chunked"], chunked(body))
    assert status == 413
    assert json.loads(answer)["code"] == "request_too_large"
    assert live.read <= FILE_LIMIT + UPLOAD_OVERHEAD_BYTES + READ_SLACK


def test_a_signed_in_upload_over_the_limit_is_cut_off_too(live, account):
    cookie, token = signed_in(live, account[1]["consultant"])
    status, _, body, _ = live.send(
        "POST", API_UPLOAD, UPLOAD_HEADERS + ["Transfer-Encoding: chunked", f"X-CSRFToken: {token}"],
        chunked(endless_csv(64 * MIB)), cookie=cookie)
    assert status == 413 and json.loads(body)["code"] == "file_too_large"
    assert live.read <= FILE_LIMIT + UPLOAD_OVERHEAD_BYTES + READ_SLACK


def test_a_chunked_upload_within_the_limit_is_imported(live, account):
    cookie, token = signed_in(live, account[1]["consultant"])
    status, _, body, _ = live.send(
        "POST", API_UPLOAD, UPLOAD_HEADERS + ["Transfer-Encoding: chunked", f"X-CSRFToken: {token}"],
        chunked([multipart_head(), CSV, multipart_tail()]), cookie=cookie)
    assert status == 201, body
    answer = json.loads(body)
    assert (answer["status"], answer["rows_total"]) == ("uploaded", 1)


def test_a_file_a_little_over_the_file_limit_is_still_refused_with_the_form(live, account):
    """Within the request limit, the upload is read and refused by the import check (422)."""
    cookie, token = signed_in(live, account[1]["consultant"])
    body = b"".join(endless_csv(FILE_LIMIT + 200 * 1024))  # over the file limit, within the request limit
    status, _, answer, _ = live.send(
        "POST", API_UPLOAD, UPLOAD_HEADERS + [f"Content-Length: {len(body)}", f"X-CSRFToken: {token}"],
        [body], cookie=cookie)
    assert status == 422 and json.loads(answer)["code"] == "file_too_large"


def test_the_hosts_own_routes_keep_the_hosts_limit(app, account):
    @app.post("/host-echo")
    def host_echo():
        return {"bytes": len(request.get_data())}

    app.extensions["csrf"].exempt(host_echo)

    live = Live(app)
    try:
        body = b"x" * (3 * MIB)
        status, _, answer, _ = live.send("POST", "/host-echo", [
            "Content-Type: application/octet-stream", f"Content-Length: {len(body)}"], [body])
    finally:
        live.stop()
    assert (status, json.loads(answer)) == (200, {"bytes": 3 * MIB})


def test_the_request_limit_follows_the_settings():
    config = {"SEGMENTS_IMPORT_MAX_FILE_BYTES": 10 * MIB}
    assert request_limit(config) == 10 * MIB + UPLOAD_OVERHEAD_BYTES
    assert request_limit({**config, "MAX_CONTENT_LENGTH": 4 * MIB}) == 4 * MIB
    assert request_limit({**config, "MAX_CONTENT_LENGTH": 4 * MIB, "SEGMENTS_MAX_REQUEST_BYTES": 20 * MIB}) == 20 * MIB


def test_a_host_may_set_the_request_limit_itself(app, live):
    app.config["SEGMENTS_MAX_REQUEST_BYTES"] = 64 * 1024
    status, _, body, _ = live.send("POST", API_UPLOAD, UPLOAD_HEADERS + ["Transfer-Encoding: chunked"],
                                   chunked(endless_csv(4 * MIB)))
    assert status == 413 and "larger than the limit of 64 KB" in json.loads(body)["message"]
    assert live.read <= 64 * 1024 + READ_SLACK


# ---------------------------------------------------------------- malformed requests


BAD_CHUNKS = [b"zz\r\nnot a chunk size\r\n0\r\n\r\n"]
CUT_MULTIPART = list(chunked([multipart_head() + b"US,Ann,Lee"]))  # the form never ends
NO_BOUNDARY = list(chunked([b"--x\r\n\r\nanything"]))


@pytest.mark.parametrize("path", [API_UPLOAD, PAGE_UPLOAD, NEW_SEGMENT])
@pytest.mark.parametrize("body, content_type", [
    (BAD_CHUNKS, f"multipart/form-data; boundary={BOUNDARY}"),
    (CUT_MULTIPART, f"multipart/form-data; boundary={BOUNDARY}"),
    (NO_BOUNDARY, "multipart/form-data"),
    (BAD_CHUNKS, "application/x-www-form-urlencoded"),
    (BAD_CHUNKS, "application/json"),
], ids=["bad-chunk-size", "cut-multipart", "no-boundary", "bad-chunked-form", "bad-chunked-json"])
@pytest.mark.parametrize("who", ["anonymous", "signed-in"])
def test_a_malformed_request_gets_400_and_no_traceback(live, account, caplog, path, body,
                                                         content_type, who):
    headers = [f"Content-Type: {content_type}", "Transfer-Encoding: chunked"]
    cookie = None
    if who == "signed-in":
        cookie, token = signed_in(live, account[1]["consultant"])
        headers.append(f"X-CSRFToken: {token}")
    with caplog.at_level(logging.ERROR):
        status, answer_headers, answer, _ = live.send("POST", path, headers, body, cookie=cookie)
    assert status == 400, answer[:500]
    if path == API_UPLOAD:
        assert json.loads(answer)["code"] == "malformed_request"
    else:
        assert "The request could not be read" in answer
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", [PAGE_UPLOAD, NEW_SEGMENT])
def test_an_anonymous_form_without_its_token_gets_400_not_500(live, caplog, path):
    form = b"name=North"
    with caplog.at_level(logging.ERROR):
        status, _, answer, _ = live.send("POST", path, [
            "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(form)}"], [form])
    assert status == 400 and "This form had expired" in answer
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
