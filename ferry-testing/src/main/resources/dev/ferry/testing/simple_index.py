"""A PEP 503 / PEP 691 simple index for tests: serves a directory made by SimpleIndexServer.java.

GET /simple/<project>/ answers index.json (application/vnd.pypi.simple.v1+json) when the client's Accept
header asks for it and json is enabled, else index.html. Optional HTTP Basic auth (user:password). Every request's
path is appended to ROOT/requests.log, so tests can count what a client asked for.
Usage: simple_index.py ROOT PORT [--auth USER:PASSWORD] [--no-json]
"""
import base64
import http.server
import os
import sys
import threading

root, port = sys.argv[1], int(sys.argv[2])
auth = None
json_enabled = "--no-json" not in sys.argv
if "--auth" in sys.argv:
    auth = "Basic " + base64.b64encode(sys.argv[sys.argv.index("--auth") + 1].encode()).decode()


log_lock = threading.Lock()


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=root, **kw)

    def log_message(self, *a):
        pass

    def do_GET(self):
        with log_lock, open(os.path.join(root, "requests.log"), "a") as log:
            log.write(self.path + "\n")
        if auth is not None and self.headers.get("Authorization") != auth:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="index"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = self.path.split("?", 1)[0]
        if path.startswith("/simple/") and path.endswith("/"):
            local = os.path.join(root, path.lstrip("/"))
            accept = self.headers.get("Accept", "")
            if json_enabled and "application/vnd.pypi.simple.v1+json" in accept and os.path.isfile(local + "index.json"):
                return self.send_file(local + "index.json", "application/vnd.pypi.simple.v1+json")
            if os.path.isfile(local + "index.html"):
                return self.send_file(local + "index.html", "text/html")
            self.send_error(404)
            return
        return super().do_GET()

    def send_file(self, f, ctype):
        with open(f, "rb") as fh:
            body = fh.read()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
