"""A real S3-compatible server (moto in server mode) for the destination tests.

Usage: .venv/bin/python s3_server.py STORAGE_DIR   (STORAGE_DIR is unused:
moto keeps objects in memory; tests read them back over the S3 API.)
Listens on 127.0.0.1 on a free port and prints "listening PORT" once ready.

Faults are injected only when a test asks for them, through
POST /__fail?method=PUT&status=503&count=2[&retryAfter=1]: the next `count`
requests with that method answer `status` without reaching moto.
GET /__faults tells how many are still to come: {"pending": n}.

GET /__stats tells {"parts": n, "resent": bytes, "stored": {path: n},
"received": {path: bytes}}: multipart parts received; body bytes of
UploadPart requests for a part the server had already confirmed (answered
200) — bytes a client sent twice; how many times each object was stored (a
whole PUT or a completed multipart upload answered 200); and the body bytes
of PUTs (whole objects and parts) that reached moto for each object path, as
moto read them (injected faults left out).
"""

import json
import logging
import sys
import threading
from urllib.parse import parse_qs

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

faults = []
lock = threading.Lock()
confirmed = set()
stats = {"parts": 0, "resent": 0, "stored": {}, "received": {}}


class CountingInput:
    """The request body, counting into stats["received"][path] what is read."""

    def __init__(self, stream, path):
        self.stream = stream
        self.path = path

    def _count(self, data):
        with lock:
            stats["received"][self.path] = stats["received"].get(self.path, 0) + len(data)
        return data

    def read(self, *args):
        return self._count(self.stream.read(*args))

    def readinto(self, buffer):
        size = self.stream.readinto(buffer)
        with lock:
            stats["received"][self.path] = stats["received"].get(self.path, 0) + (size or 0)
        return size

    def readline(self, *args):
        return self._count(self.stream.readline(*args))

    def readlines(self, *args):
        return [self._count(line) for line in self.stream.readlines(*args)]

    def __iter__(self):
        return (self._count(line) for line in self.stream)


def answer_json(start_response, value):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(value).encode()]


def with_faults(app):
    def middleware(environ, start_response):
        if environ.get("PATH_INFO") == "/__stats":
            with lock:
                return answer_json(start_response, stats)
        if environ.get("PATH_INFO") == "/__faults":
            with lock:
                return answer_json(start_response, {"pending": sum(f["count"] for f in faults)})
        query = parse_qs(environ.get("QUERY_STRING", ""))
        part = None
        if environ["REQUEST_METHOD"] == "PUT" and "uploadId" in query and "partNumber" in query:
            part = (query["uploadId"][0], query["partNumber"][0])
            with lock:
                stats["parts"] += 1
                if part in confirmed:
                    stats["resent"] += int(environ.get("CONTENT_LENGTH") or 0)
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        stores = (
            path.strip("/").count("/") >= 1
            and not path.startswith("/__")
            and ((method == "PUT" and part is None) or (method == "POST" and "uploadId" in query))
        )
        if path == "/__fail":
            with lock:
                faults.append(
                    {
                        "method": query["method"][0],
                        "status": int(query["status"][0]),
                        "count": int(query.get("count", ["1"])[0]),
                        "retry_after": query.get("retryAfter", [None])[0],
                    }
                )
            start_response("204 No Content", [])
            return [b""]
        with lock:
            fault = next(
                (f for f in faults if f["method"] == environ["REQUEST_METHOD"] and f["count"] > 0),
                None,
            )
            if fault:
                fault["count"] -= 1
        if fault:
            # Read the body so the client sees the status, not a reset.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            stream = environ["wsgi.input"]
            while length > 0:
                chunk = stream.read(min(length, 1 << 16))
                if not chunk:
                    break
                length -= len(chunk)
            headers = [("Content-Type", "application/xml")]
            if fault["retry_after"]:
                headers.append(("Retry-After", fault["retry_after"]))
            start_response(f"{fault['status']} Injected", headers)
            body = f"<Error><Code>Injected</Code><Message>injected {fault['status']}</Message></Error>"
            return [body.encode()]
        if method == "PUT" and (part is not None or stores):
            environ["wsgi.input"] = CountingInput(environ["wsgi.input"], path)
        if part is None and not stores:
            return app(environ, start_response)

        def confirming(status, headers, exc_info=None):
            if status.startswith("200"):
                with lock:
                    if part is not None:
                        confirmed.add(part)
                    else:
                        stats["stored"][path] = stats["stored"].get(path, 0) + 1
            return start_response(status, headers, exc_info)

        return app(environ, confirming)

    return middleware


def main():
    # One line per request would drown the test output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = with_faults(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
