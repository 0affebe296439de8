"""Loader for source protected by `ferry python protect` (written by Ferry; do not edit).

The protected modules of this tree are stored as NAME.pye: AES-256-GCM ciphertext of the source under a
per-build data key. The data key is stored in _ferry_protected.json wrapped with RSA-OAEP (SHA-256) for the
customer's public key; the private key is supplied at run time by one of
  FERRY_PROTECT_KEY       the PEM text itself
  FERRY_PROTECT_KEY_FILE  a file holding the PEM
  /run/secrets/ferry-protect-key   a mounted secret
Decrypted source is compiled in memory: no plaintext and no .pyc of it is written anywhere. A sys.meta_path
finder serves `import x` and `python -m x`; plaintext stubs run the encrypted bodies of entry scripts and of
top-level modules and packages, so `python main.py` works too.
"""
import importlib.abc
import importlib.machinery
import json
import os
import sys

_ROOT = os.path.dirname(os.path.abspath(__file__))
_MAGIC = b"FERRYPE1"
_AAD = b"ferry-protect-v1:"
_SECRET = "/run/secrets/ferry-protect-key"
_state = {}


def _fail(message):
    raise SystemExit("ferry-protect: " + message)


def _key():
    if "key" in _state:
        return _state["key"]
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
    except ImportError:
        _fail("the Python package 'cryptography' is needed to run protected code"
              " (Debian: apt-get install python3-cryptography)")
    with open(os.path.join(_ROOT, "_ferry_protected.json"), "rb") as f:
        meta = json.load(f)
    pem = os.environ.get("FERRY_PROTECT_KEY")
    where = "FERRY_PROTECT_KEY"
    if not pem:
        path = os.environ.get("FERRY_PROTECT_KEY_FILE") or (_SECRET if os.path.exists(_SECRET) else None)
        if not path:
            _fail("no key: set FERRY_PROTECT_KEY_FILE to the private key file (or FERRY_PROTECT_KEY to its PEM,"
                  " or mount it at " + _SECRET + "); this build needs key " + meta["key_id"])
        where = path
        try:
            with open(path, "rb") as f:
                pem = f.read()
        except OSError as e:
            _fail("cannot read the key file " + path + ": " + e.strerror)
    if isinstance(pem, str):
        pem = pem.encode()
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        _fail("the key in " + where + " is not an unencrypted PEM private key")
    import base64
    try:
        data_key = private.decrypt(
            base64.b64decode(meta["wrapped_key"]),
            padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    except (ValueError, AttributeError, TypeError):
        _fail("the key in " + where + " does not open this build (it needs key " + meta["key_id"] + ")")
    _state["key"] = data_key
    return data_key


def _decrypt(path):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    with open(path, "rb") as f:
        blob = f.read()
    if not blob.startswith(_MAGIC):
        _fail(path + " is not a Ferry-protected file")
    rel = os.path.relpath(path, _ROOT).replace(os.sep, "/")
    nonce, sealed = blob[len(_MAGIC):len(_MAGIC) + 12], blob[len(_MAGIC) + 12:]
    try:
        return AESGCM(_key()).decrypt(nonce, sealed, _AAD + rel.encode())
    except Exception:
        _fail(rel + " does not decrypt: it was changed, moved, or belongs to another build")


def _code(path, origin):
    return compile(_decrypt(path), origin, "exec", dont_inherit=True)


class _Loader(importlib.abc.Loader):
    def __init__(self, path, is_package):
        self.path = path
        self.package = is_package

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)

    def get_code(self, fullname):
        return _code(self.path, self.path[:-1])

    def get_source(self, fullname):
        return None

    def is_package(self, fullname):
        return self.package


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        name = fullname.rpartition(".")[2]
        dirs = [_ROOT] if path is None else [p for p in path if isinstance(p, str)]
        for d in dirs:
            d = os.path.abspath(d)
            if d != _ROOT and not d.startswith(_ROOT + os.sep):
                continue
            pkg = os.path.join(d, name, "__init__.pye")
            if os.path.isfile(pkg):
                spec = importlib.machinery.ModuleSpec(fullname, _Loader(pkg, True), origin=pkg[:-1], is_package=True)
                spec.submodule_search_locations = [os.path.join(d, name)]
                spec.has_location = True
                return spec
            mod = os.path.join(d, name + ".pye")
            if os.path.isfile(mod):
                spec = importlib.machinery.ModuleSpec(fullname, _Loader(mod, False), origin=mod[:-1])
                spec.has_location = True
                return spec
        return None


def install():
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def exec_body(namespace):
    """Runs the encrypted body of the stub whose globals are `namespace` (a script, module or package)."""
    install()
    stub = os.path.abspath(namespace["__file__"])
    exec(_code(stub + "e", stub), namespace)
