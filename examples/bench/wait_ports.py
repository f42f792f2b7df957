#!/usr/bin/env python3
"""Wait until every port of a range accepts a TCP connection on 127.0.0.1 (curves.sh: a proxy's
start time with many frontends). Started before the proxy, it writes --started-file once it polls,
and prints the time (Unix epoch, ms) at which the last port accepted. Exits 1 at the timeout."""
import argparse
import socket
import sys
import time


def accepts(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(1)
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--first", type=int, required=True, help="the first port")
    ap.add_argument("--count", type=int, required=True, help="how many ports from the first")
    ap.add_argument("--timeout", type=float, default=60, help="seconds")
    ap.add_argument("--started-file", help="written when the polling starts")
    a = ap.parse_args()
    ports = range(a.first, a.first + a.count)
    deadline = time.monotonic() + a.timeout
    i = 0
    if a.started_file:
        with open(a.started_file, "w") as f:
            f.write("polling\n")
    # Each port once, in order, waiting at the first that does not accept yet (proxies open their
    # listeners in the file's order, and a scan of every port each time would take the CPU the
    # starting proxy needs).
    while i < len(ports):
        if accepts(ports[i]):
            i += 1
            continue
        if time.monotonic() > deadline:
            print(f"{len(ports) - i} ports not accepting, first {ports[i]}", file=sys.stderr)
            return 1
        time.sleep(0.005)
    print(time.time_ns() // 1_000_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
