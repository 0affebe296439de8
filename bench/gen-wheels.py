#!/usr/bin/env python3
"""Deterministic synthetic pure-Python wheels for bench/python.sh, with a PEP 503 tree and a hashed lock.

gen-wheels.py OUT COUNT MODULES MODULE_BYTES
  OUT/wheels/benchNNN-1.0-py3-none-any.whl   COUNT wheels, each a package of MODULES modules of ~MODULE_BYTES
                                             and one console script
  OUT/index/simple/<project>/index.html      PEP 503 pages linking ../../files/<wheel>#sha256=...
  OUT/index/files/                           the wheels again (hard links)
  OUT/requirements.txt                       benchNNN==1.0 --hash=sha256:... for every wheel
"""
import base64
import hashlib
import os
import random
import sys
import zipfile

out, count, modules, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(20261122)
words = ["value", "result", "item", "count", "data", "name", "index", "total", "buffer", "state"]
os.makedirs(os.path.join(out, "wheels"), exist_ok=True)
os.makedirs(os.path.join(out, "index", "files"), exist_ok=True)
req = []


def record_hash(b):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()


for i in range(count):
    name = "bench%03d" % i
    files = {}
    files[name + "/__init__.py"] = ("def main():\n    print('%s')\n    return 0\n" % name).encode()
    for m in range(modules):
        lines = []
        while sum(len(l) for l in lines) < size:
            w = rng.choice(words)
            lines.append("def %s_%d(%s):\n    return %s * %d + %d\n\n" % (w, len(lines), w, w, rng.randint(1, 99), rng.randint(0, 9)))
        files["%s/mod%03d.py" % (name, m)] = "".join(lines).encode()
    di = "%s-1.0.dist-info/" % name
    files[di + "WHEEL"] = b"Wheel-Version: 1.0\nGenerator: ferry-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[di + "METADATA"] = ("Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % name).encode()
    files[di + "entry_points.txt"] = ("[console_scripts]\n%s-cli = %s:main\n" % (name, name)).encode()
    record = "".join("%s,%s,%d\n" % (k, record_hash(v), len(v)) for k, v in files.items()) + di + "RECORD,,\n"
    files[di + "RECORD"] = record.encode()
    fn = "%s-1.0-py3-none-any.whl" % name
    path = os.path.join(out, "wheels", fn)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in files.items():
            zi = zipfile.ZipInfo(k, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, v)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    link = os.path.join(out, "index", "files", fn)
    if not os.path.exists(link):
        os.link(path, link)
    d = os.path.join(out, "index", "simple", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write('<!DOCTYPE html>\n<html><body>\n<a href="../../files/%s#sha256=%s">%s</a>\n</body></html>\n' % (fn, sha, fn))
    req.append("%s==1.0 \\\n    --hash=sha256:%s\n" % (name, sha))
with open(os.path.join(out, "requirements.txt"), "w") as f:
    f.write("".join(req))
