#!/usr/bin/env python3
"""Opens COUNT keep-alive HTTP connections to 127.0.0.1:PORT, sends one GET on each and reads
its response, then holds them all idle (a browser's idle keep-alive connections) until killed,
or for --hold seconds at most. Writes READY_FILE once every connection has had its answer.

Part of examples/bench (the memory probe of bench.sh); no dependencies beyond Python 3.
"""
import argparse
import resource
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--path", default="/3b")
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--hold", type=float, default=180.0, help="seconds to hold the connections at most")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.count + 64), hard))
    request = ("GET %s HTTP/1.1\r\nHost: bench\r\n\r\n" % args.path).encode()
    socks = []
    deadline = time.monotonic() + 120
    for i in range(args.count):
        s = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        s.sendall(request)
        data = b""
        # The bench bodies are tiny: the whole response arrives in one or two reads.
        while b"\r\n\r\n" not in data or not complete(data):
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("connection %d closed by the proxy before its response ended" % i)
            data += chunk
        if not data.startswith(b"HTTP/1.1 200"):
            sys.exit("connection %d: unexpected answer %r" % (i, data[:40]))
        socks.append(s)
        if time.monotonic() > deadline:
            sys.exit("opened only %d connections in 120 s" % i)
    with open(args.ready_file, "w") as f:
        f.write("%d\n" % len(socks))
    end = time.monotonic() + args.hold
    while time.monotonic() < end:
        time.sleep(0.5)


def complete(data):
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


if __name__ == "__main__":
    main()
