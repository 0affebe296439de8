#!/usr/bin/env python3
"""Deterministic mixed directory tree for bench/layer-throughput.sh.

    gen-tree.py DIR SIZE_MIB

About 25% small text files (0.5-32 KiB, words from a fixed vocabulary, ~3x compressible), 40% large random files
(incompressible) and 35% large log-like text files (highly compressible), in 64 MiB files; fixed seed, fixed
mtimes, so the same SIZE_MIB gives the same bytes on every machine (Python 3.9+: random.randbytes).
"""
import os
import random
import sys

root, size_mib = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261122)
total = size_mib << 20
vocab = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randint(2, 10))) for _ in range(5000)]
levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR']
components = ['http', 'db', 'cache', 'auth', 'scheduler', 'worker', 'registry', 'store']


def text(n):
    out = []
    size = 0
    while size < n:
        line = ' '.join(rng.choices(vocab, k=rng.randint(3, 14))) + '\n'
        out.append(line)
        size += len(line)
    return ''.join(out).encode()[:n]


def log_lines(n, start):
    out = []
    size = 0
    t = start
    while size < n:
        t += rng.randint(1, 5000)
        words = ' '.join(rng.choices(vocab[:300], k=rng.randint(2, 8)))
        line = '2026-11-22T%02d:%02d:%02d.%03dZ %s [%s] %s id=%d\n' % (
            (t // 3600000) % 24, (t // 60000) % 60, (t // 1000) % 60, t % 1000,
            rng.choice(levels), rng.choice(components), words, rng.randint(1, 99999))
        out.append(line)
        size += len(line)
    return ''.join(out).encode()[:n], t


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
    os.utime(path, (1700000000, 1700000000))


big = 64 << 20
small_budget = total * 25 // 100
random_budget = total * 40 // 100
log_budget = total - small_budget - random_budget

done = 0
i = 0
while done < small_budget:
    n = min(small_budget - done, rng.choice([512, 1024, 2048, 4096, 8192, 16384, 32768]) + rng.randint(0, 511))
    write(os.path.join(root, 'src', 'd%03d' % (i // 500), 'f%05d.txt' % i), text(n))
    done += n
    i += 1

done = 0
i = 0
while done < random_budget:
    n = min(big, random_budget - done)
    write(os.path.join(root, 'blobs', 'r%02d.bin' % i), rng.randbytes(n))
    done += n
    i += 1

done = 0
i = 0
t = 0
while done < log_budget:
    n = min(big, log_budget - done)
    data, t = log_lines(n, t)
    write(os.path.join(root, 'logs', 'app-%02d.log' % i), data)
    done += n
    i += 1

for dirpath, dirnames, _ in os.walk(root, topdown=False):
    os.utime(dirpath, (1700000000, 1700000000))
