#!/usr/bin/env python3
"""Open-loop manifest GET latency against a registry.

    bench/manifest-latency.py URL RATE SECONDS [WARMUP]

Sends RATE requests per second for SECONDS, after WARMUP seconds (default 10) at the same rate, over one
keep-alive connection (what one client pulling does). Each request is timed from its *scheduled* send time, so a
server that stalls shows up as latency of every request queued behind the stall, not as a lower rate.
Prints "p50_ms p99_ms max_ms errors".

A light client on purpose: on a 2-core machine the load generator shares the cores with the server, and the
JDK HttpClient generator used before added its own JIT, GC and thread hand-offs to the tail of either server
(p99 3.6-5.0 ms against 1.1-1.4 ms from this client, same Ferry server, docs/benchmarks.md).
"""
import http.client
import sys
import time
import urllib.parse

ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    rate, seconds = int(sys.argv[2]), int(sys.argv[3])
    warmup = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    if url.scheme != "http" or rate <= 0 or seconds <= 0:
        sys.exit("usage: manifest-latency.py http://HOST:PORT/v2/NAME/manifests/REF RATE SECONDS [WARMUP]")
    conn = [http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)]

    def run(n):
        lat, errors = [], 0
        period = 1.0 / rate
        t0 = time.perf_counter()
        for i in range(n):
            due = t0 + i * period
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            try:
                conn[0].request("GET", url.path, headers={"Accept": ACCEPT})
                r = conn[0].getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                conn[0].close()
                conn[0] = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
                ok = False
            if ok:
                lat.append((time.perf_counter() - due) * 1000)
            else:
                errors += 1
        return lat, errors

    run(rate * warmup)
    lat, errors = run(rate * seconds)
    if not lat:
        sys.exit("no request succeeded (%d errors)" % errors)
    lat.sort()
    print("%.2f %.2f %.2f %d" % (lat[len(lat) // 2], lat[int(len(lat) * 0.99)], lat[-1], errors))


if __name__ == "__main__":
    main()
