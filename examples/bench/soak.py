#!/usr/bin/env python3
"""The soak's traffic, events and samples (started by examples/bench/soak.sh; standard library only).

  soak.py ws-echo PORT
      An RFC 6455 echo server on 127.0.0.1:PORT (text and binary messages, ping, close), the
      soak's WebSocket backend.
  soak.py drive --config FILE
      Runs the mixed traffic against the pair's VIP for the soak's duration, with the events
      (a reload every minute, health flaps, one failover), samples each node every interval and
      writes the samples (samples.tsv) and the events (events.tsv). FILE is JSON written by soak.sh.

Every loop is bounded by the soak's deadline; every socket has a timeout.
"""
import base64
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B85"


# ---- the WebSocket echo server ---------------------------------------------------------------


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def read_frame(sock):
    """One frame: (fin, opcode, payload), unmasked."""
    b0, b1 = recv_exact(sock, 2)
    length = b1 & 0x7F
    if length == 126:
        length = int.from_bytes(recv_exact(sock, 2), "big")
    elif length == 127:
        length = int.from_bytes(recv_exact(sock, 8), "big")
    mask = recv_exact(sock, 4) if b1 & 0x80 else None
    payload = recv_exact(sock, length)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return b0 & 0x80, b0 & 0x0F, payload


def frame(opcode, payload, masked):
    head = bytes([0x80 | opcode])
    n = len(payload)
    bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([bit | 127]) + n.to_bytes(8, "big")
    if masked:
        mask = os.urandom(4)
        head += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return head + payload


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed in the head")
        data += chunk
        if len(data) > 65536:
            raise ConnectionError("head too large")
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def ws_echo_connection(conn):
    try:
        conn.settimeout(600)
        head, _ = read_head(conn)
        if head.startswith("GET /health"):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
            return
        key = ""
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-key":
                key = value.strip()
        accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
        conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").encode())
        while True:
            _, opcode, payload = read_frame(conn)
            if opcode == 8:
                conn.sendall(frame(8, payload[:2], False))
                return
            if opcode == 9:
                conn.sendall(frame(10, payload, False))
            elif opcode in (1, 2):
                conn.sendall(frame(opcode, payload, False))
    except (OSError, ConnectionError, ValueError):
        pass
    finally:
        conn.close()


def ws_echo(port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(512)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=ws_echo_connection, args=(conn,), daemon=True).start()


# ---- the traffic -----------------------------------------------------------------------------


class Counters:
    """Outcomes per kind since the last sample (ok, error), and the probe's latencies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ok = {}
        self.errors = {}
        self.latencies = []

    def count(self, kind, ok):
        with self.lock:
            target = self.ok if ok else self.errors
            target[kind] = target.get(kind, 0) + 1

    def latency(self, ms):
        with self.lock:
            self.latencies.append(ms)

    def take(self):
        with self.lock:
            ok, errors, lat = self.ok, self.errors, self.latencies
            self.ok, self.errors, self.latencies = {}, {}, []
        return ok, errors, lat


def status_of(sock):
    """Reads one response: its status, having read its body (Content-Length or to the close)."""
    head, rest = read_head(sock)
    status = int(head.split(" ", 2)[1])
    length = None
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is not None:
        if len(rest) < length:
            recv_exact(sock, length - len(rest))
    return status


def connect(cfg):
    s = socket.create_connection((cfg["vip"], cfg["port"]), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def one_close_request(cfg, c):
    with connect(cfg) as s:
        s.sendall(b"GET /3b HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
        c.count("close", status_of(s) == 200)


def one_upload(cfg, c):
    size = random.choice([1024, 65536, 1 << 20])
    body = os.urandom(size)
    with connect(cfg) as s:
        try:
            if random.random() < 0.5:
                s.sendall(b"POST /upload HTTP/1.1\r\nHost: soak\r\nContent-Length: %d\r\n\r\n" % size + body)
            else:
                s.sendall(b"POST /upload HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n")
                for i in range(0, size, 16384):
                    part = body[i:i + 16384]
                    s.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
                s.sendall(b"0\r\n\r\n")
        except BrokenPipeError:
            # An early answer (Nginx answers /upload before reading the body) and the connection
            # closed: as a browser or curl does, the client reads the answer it was sent (lost to
            # a reset, it is an error below).
            pass
        c.count("upload", status_of(s) == 200)


def one_websocket(cfg, c):
    with connect(cfg) as s:
        key = base64.b64encode(os.urandom(16))
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: soak\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
        head, rest = read_head(s)
        if not head.startswith("HTTP/1.1 101") or rest:
            c.count("websocket", False)
            return
        ok = True
        for _ in range(random.randint(5, 50)):
            msg = os.urandom(random.randint(1, 20000))
            s.sendall(frame(2, msg, True))
            _, opcode, payload = read_frame(s)
            ok = ok and opcode == 2 and payload == msg
        s.sendall(frame(8, b"\x03\xe8", True))
        _, opcode, _ = read_frame(s)
        c.count("websocket", ok and opcode == 8)


def one_slow_client(cfg, c, deadline):
    """A slowloris: a head a few bytes at a time; Tandem must answer 408 or close, not wait forever."""
    with connect(cfg) as s:
        s.settimeout(30)
        head = b"GET /3b HTTP/1.1\r\nHost: soak\r\nX-Slow: " + b"a" * 200
        try:
            for i in range(0, len(head), 4):
                if time.time() > deadline:
                    return
                s.sendall(head[i:i + 4])
                time.sleep(1)
            # Never finished: the head deadline (http_request) must have cut it off by now.
            c.count("slow", False)
        except (ConnectionError, OSError):
            c.count("slow", True)


def one_garbage_client(cfg, c):
    """Bytes that are not HTTP, or HTTP that is ambiguous: refused (4xx/5xx) or closed, never 200."""
    garbage = random.choice([
        os.urandom(random.randint(1, 2000)),
        b"GET / HTTP/1.1\r\nHost: soak\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\nHost: soak\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: soak\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),
    ])
    with connect(cfg) as s:
        s.sendall(garbage)
        try:
            status = status_of(s)
            c.count("garbage", 400 <= status < 600)
        except (ConnectionError, OSError, ValueError, IndexError):
            c.count("garbage", True)  # closed without an answer: refused too


def loop(cfg, c, deadline, stop, body, pause):
    while time.time() < deadline and not stop.is_set():
        kind = body.__name__.replace("one_", "")
        try:
            if body is one_slow_client:
                body(cfg, c, deadline)
            else:
                body(cfg, c)
        except (OSError, ConnectionError, ValueError, IndexError):
            c.count({"one_close_request": "close", "one_upload": "upload", "one_websocket": "websocket",
                     "one_slow_client": "slow", "one_garbage_client": "garbage"}.get(body.__name__, kind), False)
        stop.wait(pause)


def probe(cfg, c, deadline, stop):
    """The latency probe: one keep-alive GET every 100 ms, reconnecting after an error."""
    s = None
    while time.time() < deadline and not stop.is_set():
        try:
            if s is None:
                s = connect(cfg)
            t0 = time.perf_counter()
            s.sendall(b"GET /3b HTTP/1.1\r\nHost: soak\r\n\r\n")
            ok = status_of(s) == 200
            c.latency((time.perf_counter() - t0) * 1000)
            c.count("probe", ok)
        except (OSError, ConnectionError, ValueError, IndexError):
            c.count("probe", False)
            if s:
                s.close()
            s = None
        stop.wait(0.1)
    if s:
        s.close()


def wrk_loop(cfg, c, deadline, stop):
    """Keep-alive load with wrk, in runs as long as a sample interval, so that its counts land in about their interval."""
    while time.time() < deadline - 2 and not stop.is_set():
        secs = int(min(cfg["interval"], deadline - time.time()))
        if secs < 2:
            break
        out = subprocess.run(
            ["timeout", str(secs + 30), "wrk", "-t1", "-c%d" % cfg["wrk_connections"], "-d%ds" % secs,
             "http://%s:%d/3b" % (cfg["vip"], cfg["port"])],
            capture_output=True, text=True).stdout
        requests = errors = 0
        for line in out.splitlines():
            words = line.split()
            if "requests in" in line:
                requests = int(words[0])
            elif line.strip().startswith("Non-2xx"):
                errors += int(words[-1])
            elif line.strip().startswith("Socket errors"):
                errors += sum(int(w.strip(",")) for w in words[3::2])
        with c.lock:
            c.ok["keepalive"] = c.ok.get("keepalive", 0) + max(0, requests - errors)
            if errors:
                c.errors["keepalive"] = c.errors.get("keepalive", 0) + errors


# ---- samples and events ----------------------------------------------------------------------


def jcmd(pid, *args):
    return subprocess.run(["jcmd", str(pid), *args], capture_output=True, text=True, timeout=60).stdout


def node_sample(pid):
    """(RSS KiB, heap used after a full GC KiB, open fds) of a live node, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
        fds = len(os.listdir("/proc/%d/fd" % pid))
        jcmd(pid, "GC.run")
        # The heap's generations (Parallel: PSYoungGen and ParOldGen; G1: one line), each
        # "total NK, used NK"; Metaspace lines have no "total".
        heap = None
        for line in jcmd(pid, "GC.heap_info").splitlines():
            if "total" in line and " used " in line:
                heap = (heap or 0) + int(line.split(" used ")[1].split("K")[0])
        return rss, heap, fds
    except (OSError, StopIteration, subprocess.SubprocessError, ValueError, IndexError):
        return None


def flip_weight(path):
    """n1's weight 1 <-> 2 in a node's file: the reload that follows changes a server."""
    with open(path) as f:
        text = f.read()
    text = text.replace("weight: 1 }", "weight: @@ }").replace("weight: 2 }", "weight: 1 }").replace("weight: @@ }", "weight: 2 }")
    with open(path, "w") as f:
        f.write(text)


def role(admin_port):
    """A node's cluster role (active, standby, joining), or None when it does not answer."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/status" % admin_port, timeout=10) as r:
            return json.load(r)["cluster"]["role"]
    except (OSError, ValueError, KeyError):
        return None


def admin_post(port, path):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def drive(cfg_file):
    with open(cfg_file) as f:
        cfg = json.load(f)
    out = cfg["out"]
    duration = cfg["duration"]
    interval = cfg["interval"]
    start = time.time()
    deadline = start + duration
    c = Counters()
    stop = threading.Event()
    events = open(os.path.join(out, "events.tsv"), "w")
    events.write("t_s\tevent\n")

    def event(what):
        events.write("%.0f\t%s\n" % (time.time() - start, what))
        events.flush()
        print("soak: %4.0fs %s" % (time.time() - start, what), file=sys.stderr, flush=True)

    threads = [threading.Thread(target=probe, args=(cfg, c, deadline, stop), daemon=True),
               threading.Thread(target=wrk_loop, args=(cfg, c, deadline, stop), daemon=True)]
    for body, n, pause in [(one_close_request, 2, 0.05), (one_upload, 1, 0.2), (one_websocket, 2, 0.5),
                           (one_slow_client, cfg["slow_clients"], 0), (one_garbage_client, 1, 0.2)]:
        for _ in range(n):
            threads.append(threading.Thread(target=loop, args=(cfg, c, deadline, stop, body, pause), daemon=True))
    nodes = dict(cfg["nodes"])  # name -> {pid, admin}
    samples = open(os.path.join(out, "samples.tsv"), "w")
    samples.write("t_s\tnode\trss_kib\theap_after_gc_kib\tfds\tok\terrors\terrors_by_kind\tp50_ms\tp99_ms\tmax_ms\n")

    def sample(t):
        ok, errors, lat = c.take()
        lat.sort()
        pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
        for name, node in nodes.items():
            s = node_sample(node["pid"]) if node.get("alive", True) else None
            rss, heap, fds = s if s else ("", "", "")
            samples.write("%.0f\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%.2f\t%.2f\t%.2f\n" % (
                t, name, rss, "" if heap is None else heap, fds, sum(ok.values()), sum(errors.values()),
                ",".join("%s=%d" % kv for kv in sorted(errors.items())) or "-", pct(0.5), pct(0.99),
                lat[-1] if lat else float("nan")))
        samples.flush()

    sample(0)
    event("traffic starts")
    for t in threads:
        t.start()
    next_sample = start + interval
    next_reload = start + 60
    flap_every = max(60, duration // 6)
    next_flap = start + flap_every / 2
    flap_until = None
    failover_at = start + duration / 2
    failed_over = False
    while time.time() < deadline:
        now = time.time()
        if now >= next_sample:
            sample(now - start)
            next_sample += interval
        if now >= next_reload:
            for name, node in nodes.items():
                if node.get("alive", True):
                    flip_weight(node["config"])
                    try:
                        event("reload %s: %d" % (name, admin_post(node["admin"], "/api/v1/reload")))
                    except OSError as e:
                        event("reload %s failed: %s" % (name, e))
            next_reload += 60
        if flap_until is None and now >= next_flap:
            os.kill(cfg["flap_pid"], signal.SIGSTOP)
            event("health flap: backend n2 frozen (SIGSTOP)")
            flap_until = now + 20
        if flap_until is not None and now >= flap_until:
            os.kill(cfg["flap_pid"], signal.SIGCONT)
            event("health flap: backend n2 back (SIGCONT)")
            flap_until = None
            next_flap = now + flap_every
        if not failed_over and now >= failover_at:
            # The active node (whichever won the election at start) is killed: its peer takes the VIP.
            victim = next((n for n in nodes if role(nodes[n]["admin"]) == "active"), None)
            if victim is None:
                event("failover: no active node found, none killed")
            else:
                os.kill(nodes[victim]["pid"], signal.SIGKILL)
                nodes[victim]["alive"] = False
                event("failover: active node %s killed (SIGKILL)" % victim)
            failed_over = True
        time.sleep(0.2)
    if flap_until is not None:
        os.kill(cfg["flap_pid"], signal.SIGCONT)
    stop.set()
    event("traffic ends")
    for t in threads:
        t.join(timeout=60)
    # Idle: keep-alive connections (client and pooled) time out; then the final sample.
    time.sleep(cfg["settle"])
    sample(time.time() - start)
    event("end (after %ds idle)" % cfg["settle"])
    samples.close()
    events.close()


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "ws-echo":
        ws_echo(int(sys.argv[2]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "drive" and sys.argv[2] == "--config":
        drive(sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
