"""Ferry GlobalFunc worker runtime.

Started by Ferry as: python3 worker.py SOCKET_PATH [MEMORY_LIMIT_BYTES]
In a worker image:    python3 worker.py --serve ROOT --listen HOST:PORT [--memory BYTES]

Connects to the Unix domain socket SOCKET_PATH that Ferry listens on, and answers frames: a 4-byte
big-endian length followed by that many bytes of UTF-8 JSON. The socket, not stdout, carries the
protocol, so whatever a function prints cannot corrupt it: output written while a function runs
is captured and returned in the "stdout" field of the answer.

Requests ("op"):
  load     {"package", "name", "code", "key", "path"?}  compile and keep one function (once)
  call     {"args": [...], "kwargs": {...}}              call the loaded function -> "result_json", "stdout"
  inspect  {"sources": [{"name", "code"}...]}            signature and docstring, read with ast
  ping     {}                                            round trip, for health and benchmarks
Answers: {"ok": true, ...} or {"ok": false, "error": {"type", "message", "traceback", "phase"}}.
"""

import ast
import inspect
import io
import json
import linecache
import os
import socket
import struct
import sys
import traceback
import types

_HEADER = struct.Struct(">I")
_MAX_FRAME = 1 << 30


def _limit_memory(limit):
    if limit > 0:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf.extend(chunk)
    return bytes(buf)


def _receive(sock):
    head = _read_exact(sock, 4)
    if head is None:
        return None
    (size,) = _HEADER.unpack(head)
    if size > _MAX_FRAME:
        raise ValueError("frame of %d bytes is too large" % size)
    body = _read_exact(sock, size)
    if body is None:
        return None
    return json.loads(body)


def _send(sock, message):
    body = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    sock.sendall(_HEADER.pack(len(body)) + body)


def _user_frames(tb):
    """The traceback without this runtime's own frames: the user's code starts where it is called."""
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


def _error(phase, exc, **extra):
    err = {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(type(exc), exc, _user_frames(exc.__traceback__))),
        "phase": phase,
    }
    err.update(extra)
    return {"ok": False, "error": err}


def _signature_of(node):
    text = "(" + ast.unparse(node.args) + ")"
    if node.returns is not None:
        text += " -> " + ast.unparse(node.returns)
    return text


def _params_of(node):
    args = node.args
    out = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for a, d in zip(positional, defaults):
        kind = "positional_only" if a in args.posonlyargs else "positional_or_keyword"
        out.append({"name": a.arg, "kind": kind, "default": None if d is None else ast.unparse(d),
                    "required": d is None})
    if args.vararg is not None:
        out.append({"name": args.vararg.arg, "kind": "var_positional", "default": None, "required": False})
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        out.append({"name": a.arg, "kind": "keyword_only", "default": None if d is None else ast.unparse(d),
                    "required": d is None})
    if args.kwarg is not None:
        out.append({"name": args.kwarg.arg, "kind": "var_keyword", "default": None, "required": False})
    return out


def inspect_source(name, code):
    """Signature, parameters and docstring of function NAME in CODE, read with ast (nothing is run)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        return {"name": name, "error": "%s: %s (line %s)" % (type(e).__name__, e.msg, e.lineno)}
    func = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            func = node
    if func is None:
        return {"name": name, "error": "no top-level function named %s in %s.py" % (name, name)}
    doc = ast.get_docstring(func)
    if doc is None:
        doc = ast.get_docstring(tree)
    # Notes kept as bare strings after the function (the seed's habit) are documentation too.
    notes = [n.value.value.strip() for n in tree.body
             if n is not tree.body[0] and isinstance(n, ast.Expr)
             and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)]
    parts = [p for p in [doc] + notes if p]
    return {"name": name, "signature": _signature_of(func), "params": _params_of(func),
            "docstring": "\n\n".join(parts), "async": isinstance(func, ast.AsyncFunctionDef)}


class Worker:
    def __init__(self):
        self.func = None
        self.sig = None
        self.signature = None
        self.out = io.StringIO()

    def _fits(self, args, kwargs):
        if self.sig is None:
            return True
        try:
            self.sig.bind(*args, **kwargs)
            return True
        except TypeError:
            return False

    def load(self, req):
        package = req["package"]
        name = req["name"]
        path = req.get("path")
        if path and path not in sys.path:
            sys.path.insert(0, path)
        if package not in sys.modules:
            pkg = types.ModuleType(package)
            pkg.__path__ = [os.path.join(path, package)] if path else []
            sys.modules[package] = pkg
        module_name = package + "." + name
        module = types.ModuleType(module_name)
        module.__package__ = package
        module.__file__ = "<%s>" % req.get("key", module_name)
        # Tracebacks show the function's source lines although no file holds them.
        linecache.cache[module.__file__] = (len(req["code"]), None, req["code"].splitlines(True), module.__file__)
        try:
            code = compile(req["code"], module.__file__, "exec")
            sys.modules[module_name] = module
            exec(code, module.__dict__)
            func = getattr(module, name)
            if not callable(func):
                raise TypeError("%s in %s.py is not a function" % (name, name))
        except BaseException as e:  # noqa: B036 - a load failure of any kind is reported, not fatal
            sys.modules.pop(module_name, None)
            return _error("load", e)
        self.func = func
        try:
            self.sig = inspect.signature(func)
            self.signature = str(self.sig)
        except (TypeError, ValueError):
            self.sig, self.signature = None, "(...)"
        return {"ok": True, "signature": self.signature}

    def call(self, req):
        if self.func is None:
            return {"ok": False, "error": {"type": "NotLoaded", "message": "no function loaded",
                                           "traceback": "", "phase": "load"}}
        args = req.get("args") or []
        kwargs = req.get("kwargs") or {}
        out = self.out
        out.seek(0)
        out.truncate()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        try:
            result = self.func(*args, **kwargs)
            if inspect.iscoroutine(result):
                import asyncio
                result = asyncio.run(result)
        except BaseException as e:  # noqa: B036 - SystemExit and KeyboardInterrupt in a function are its errors
            sys.stdout, sys.stderr = saved
            if isinstance(e, TypeError) and not self._fits(args, kwargs):
                # the arguments did not fit the signature (checked only on failure, to keep calls fast)
                answer = _error("run", e, signature=self.signature, bad_arguments=True)
                answer["error"]["traceback"] = ""
                return answer
            answer = _error("run", e)
            answer["stdout"] = out.getvalue()
            return answer
        finally:
            sys.stdout, sys.stderr = saved
        try:
            text = json.dumps(result, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as e:
            t = type(result)
            tname = t.__name__ if t.__module__ == "builtins" else t.__module__ + "." + t.__qualname__
            return {"ok": False, "stdout": out.getvalue(),
                    "error": {"type": "ResultNotJSON",
                              "message": "the result, of type %s, is not JSON-serialisable: %s" % (tname, e),
                              "traceback": "", "phase": "run", "result_type": tname}}
        # The result travels as JSON text, so the gateway forwards Python's own spelling of it untouched.
        return {"ok": True, "result_json": text, "stdout": out.getvalue()}

    def handle(self, req):
        op = req.get("op")
        if op == "call":
            return self.call(req)
        if op == "ping":
            return {"ok": True}
        if op == "load":
            return self.load(req)
        if op == "inspect":
            return {"ok": True, "functions": [inspect_source(s["name"], s["code"]) for s in req["sources"]]}
        return {"ok": False, "error": {"type": "BadRequest", "message": "unknown op %r" % (op,),
                                       "traceback": "", "phase": "load"}}


def serve(argv):
    """An instance in a worker image: the original design's server, POST /gfgo/ over the repository at ROOT.

    ROOT is imported as one package (import GlobalFunc as funcs) and functions are found by getattr, as the
    original GFGo did; answers and errors have the same shape as Ferry's gateway.
    """
    import argparse
    import importlib
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    ap = argparse.ArgumentParser(prog="worker.py --serve")
    ap.add_argument("root")
    ap.add_argument("--listen", default="127.0.0.1:8000")
    ap.add_argument("--memory", type=int, default=0)
    ap.add_argument("--max-body", type=int, default=16 << 20)
    opts = ap.parse_args(argv)
    _limit_memory(opts.memory)
    root = os.path.abspath(opts.root)
    sys.path.insert(0, os.path.dirname(root))
    funcs = importlib.import_module(os.path.basename(root))
    host, _, port = opts.listen.rpartition(":")
    # output capture swaps sys.stdout, which is per process: one call at a time, like the original single-process server
    calls = __import__("threading").Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status, body, content_type="application/json"):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _fail(self, status, etype, message, phase, tb="", **extra):
            err = {"type": etype, "message": message, "traceback": tb, "phase": phase}
            err.update(extra)
            self._answer(status, json.dumps({"ok": False, "error": err}, ensure_ascii=False))

        def do_GET(self):
            if self.path == "/":
                self._answer(200, "GlobalFunc instance of %s; POST /gfgo/ {\"pack_func\", \"kwargs\"}\n" % root, "text/plain; charset=utf-8")
            else:
                self._fail(404, "NotFound", "no route GET " + self.path, "load")

        def do_POST(self):
            if self.path not in ("/gfgo/", "/gfgo"):
                return self._fail(404, "NotFound", "no route POST " + self.path, "load")
            size = int(self.headers.get("Content-Length") or 0)
            if size > opts.max_body:
                return self._fail(413, "PayloadTooLarge", "the body is larger than %d bytes" % opts.max_body, "load")
            try:
                body = json.loads(self.rfile.read(size) or b"{}")
                pack, name = body["pack_func"].split(".")
            except (ValueError, KeyError, AttributeError) as e:
                return self._fail(400, "BadRequest", "the body needs \"pack_func\": \"Package.function\": %s" % e, "load")
            try:
                func = getattr(getattr(funcs, pack), name)
            except AttributeError as e:
                return self._fail(404, "NotFound", str(e), "load")
            worker = Worker()
            worker.func = func
            try:
                worker.sig = inspect.signature(func)
                worker.signature = str(worker.sig)
            except (TypeError, ValueError):
                worker.signature = "(...)"
            with calls:
                answer = worker.call({"args": body.get("args"), "kwargs": body.get("kwargs")})
            if answer["ok"]:
                return self._answer(200, answer["result_json"])
            err = answer["error"]
            status = 400 if err.get("bad_arguments") else 500
            self._answer(status, json.dumps({"ok": False, "error": err}, ensure_ascii=False))

        def log_message(self, fmt, *args):
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    sys.stderr.write("serving %s on http://%s/\n" % (root, opts.listen))
    sys.stderr.flush()
    server.serve_forever()
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        return serve(sys.argv[2:])
    if len(sys.argv) < 2:
        sys.stderr.write("usage: worker.py SOCKET_PATH [MEMORY_LIMIT_BYTES]\n")
        return 2
    _limit_memory(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sys.argv[1])
    worker = Worker()
    while True:
        try:
            req = _receive(sock)
        except ValueError as e:
            _send(sock, _error("load", e))
            return 1
        if req is None:
            return 0
        try:
            answer = worker.handle(req)
        except MemoryError as e:
            answer = _error("run", e)
        _send(sock, answer)


if __name__ == "__main__":
    sys.exit(main())
