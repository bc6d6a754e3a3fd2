"""A real S3-compatible server (moto in server mode) for the destination tests.

Usage: .venv/bin/python s3_server.py STORAGE_DIR   (STORAGE_DIR is unused:
moto keeps objects in memory; tests read them back over the S3 API.)
Listens on 127.0.0.1 on a free port and prints "listening PORT" once ready.

Faults are injected only when a test asks for them, through
POST /__fail?method=PUT&status=503&count=2[&retryAfter=1]: the next `count`
requests with that method answer `status` without reaching moto.
"""

import logging
import sys
import threading
from urllib.parse import parse_qs

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

faults = []
lock = threading.Lock()


def with_faults(app):
    def middleware(environ, start_response):
        if environ.get("PATH_INFO") == "/__fail":
            query = parse_qs(environ.get("QUERY_STRING", ""))
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
        return app(environ, start_response)

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
