#!/usr/bin/env python3
"""Turns the raw output of bench.sh (RESULTS/raw) into RESULTS/results.md (the table, printed
too), RESULTS/results.json and RESULTS/chart.png (through gnuplot).

Usage: report.py RESULTS_DIR

Every figure is the median of the runs of a scenario and target; the spread is the range of the
runs' requests/s over that median (in results.json; the table shows half of it, as ±%). Ratios
compare each target with the best peer of the row: of HAProxy (nbthread 1 and 2), Nginx as a load
balancer and Caddy (http only), the one with the highest median requests/s in the same mode (in
the handshake rows only a peer that did not resume TLS sessions counts); p99 is compared with
that same peer's. In the constant-rate latency rows (paced64-3b) the best peer is the one with the
lowest p99.9 among those that kept up with the rate. The TLS and HTTP/2 rows (issue #12) run
against the http targets only; in the handshake rows every request is a new connection, so
requests/s are handshakes/s and CPU per request is CPU per handshake. h2load gives no latency
percentiles (its mean is in results.json).
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

SCENARIOS = {
    "ka64-3b": "keep-alive, 64 conns, 3 B",
    "ka64-4k": "keep-alive, 64 conns, 4 KiB",
    "ka1000-3b": "keep-alive, 1000 conns, 3 B",
    "ka1000-4k": "keep-alive, 1000 conns, 4 KiB",
    "close64-3b": "Connection: close, 64 conns, 3 B",
    "tls-hs-ecdsa": "new TLS handshakes, ECDSA P-256, Connection: close, 64 conns",
    "tls-hs-rsa": "new TLS handshakes, RSA 2048, Connection: close, 64 conns",
    "tls-ka64-3b": "HTTPS keep-alive, 64 conns, 3 B (ECDSA)",
    "h2-c16m32": "HTTP/2 over TLS (ALPN h2), h2load -c 16 -m 32, 3 B",
    "h2c-c16m32": "h2c (prior knowledge), h2load -c 16 -m 32, 3 B",
    "paced64-3b": "constant request rate below saturation, 64 conns, 3 B",
    "policy-ka64-3b": "cookie persistence + 2 header rules + request id, keep-alive, 64 conns, 3 B (sticky clients)",
}
# The constant-rate rows: latency percentiles at a fixed offered rate, not requests/s.
PACED_SCENARIOS = {"paced64-3b"}
# The goals: at least this fraction of the best peer's requests/s (None: no goal): issue #18 for
# the cleartext rows, issue #12 for the TLS and HTTP/2 rows. The cleartext rows also have a p99 at
# most P99_GOAL times the best peer's, their keep-alive rows a CPU time per request at most
# CPU_GOAL times the best HAProxy's, and the constant-rate rows a p99.9 at most P999_GOAL times
# the best peer's.
GOAL = {"ka64-3b": 1.05, "ka64-4k": 1.05, "ka1000-3b": 1.05, "ka1000-4k": 1.05, "close64-3b": 1.05,
        "tls-hs-ecdsa": 1.5, "tls-hs-rsa": 1.0, "tls-ka64-3b": 1.0, "h2-c16m32": 1.0, "h2c-c16m32": None,
        "policy-ka64-3b": None}
P99_GOAL = 1.0
P99_GOAL_SCENARIOS = {"ka64-3b", "ka64-4k", "ka1000-3b", "ka1000-4k", "close64-3b"}
CPU_GOAL = 0.9
CPU_GOAL_SCENARIOS = {"ka64-3b", "ka64-4k", "ka1000-3b", "ka1000-4k"}
P999_GOAL = 1.0
# The peers, in the order of the tables; Caddy has http targets only.
PEERS = ("haproxy1", "haproxy2", "nginxlb", "caddy")
# The mode shown for the TLS and HTTP/2 rows (they run against the http targets).
MODE_LABEL = {"tls-hs-ecdsa": "https", "tls-hs-rsa": "https", "tls-ka64-3b": "https", "h2-c16m32": "h2",
              "h2c-c16m32": "h2c", "policy-ka64-3b": "http policy"}
# Which TLS listener a scenario uses (raw/tls.txt tells whether it resumed sessions).
LISTENER = {"tls-hs-ecdsa": "ecdsa", "tls-hs-rsa": "rsa", "tls-ka64-3b": "ecdsa", "h2-c16m32": "ecdsa"}
HANDSHAKE_SCENARIOS = {"tls-hs-ecdsa", "tls-hs-rsa"}
TARGET_NAMES = {
    "direct": "Nginx direct",
    "haproxy1": "HAProxy nbthread 1",
    "haproxy2": "HAProxy nbthread 2",
    "nginxlb": "Nginx (load balancer)",
    "caddy": "Caddy",
    "tandem": "Tandem",
}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return None
    v = float(m.group(1))
    return v * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def parse_wrk(path):
    out = {"rps": None, "p50": None, "p99": None, "errors": 0, "requests": 0}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if line.startswith("Requests/sec:"):
                out["rps"] = float(parts[1])
            elif len(parts) == 2 and parts[0] == "50%":
                out["p50"] = to_ms(parts[1])
            elif len(parts) == 2 and parts[0] == "99%":
                out["p99"] = to_ms(parts[1])
            elif "requests in" in line:
                out["requests"] = int(parts[0])
            elif line.strip().startswith("Socket errors:"):
                out["errors"] += sum(int(x) for x in re.findall(r"\d+", line))
            elif line.strip().startswith("Non-2xx or 3xx responses:"):
                out["errors"] += int(parts[-1])
            elif line.startswith("wrk exit status"):
                out["errors"] += 1
    return out


def parse_h2load(path):
    out = {"rps": None, "p50": None, "p99": None, "mean": None, "errors": 0, "requests": 0}
    protocol = None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if line.startswith("finished in"):
                out["rps"] = float(parts[3])
            elif line.startswith("requests:"):
                counts = dict((k, int(v)) for v, k in re.findall(r"(\d+) (\w+)", line))
                out["requests"] = counts.get("succeeded", 0)
                out["errors"] += counts.get("failed", 0) + counts.get("errored", 0) + counts.get("timeout", 0)
            elif line.startswith("status codes:"):
                counts = dict((k, int(v)) for v, k in re.findall(r"(\d+) (\dxx)", line))
                out["errors"] += counts.get("4xx", 0) + counts.get("5xx", 0)
            elif line.startswith("time for request:"):
                out["mean"] = to_ms(parts[5])
            elif line.startswith("Application protocol:"):
                protocol = parts[2]
            elif line.startswith("h2load exit status"):
                out["errors"] += 1
    # A server that answered over HTTP/1.1 instead would not measure HTTP/2: count it as failed.
    if protocol not in ("h2", "h2c"):
        out["errors"] += 1
        out["rps"] = None
    return out


def parse_paced(path):
    """paced.c's output: "key value" lines; unanswered requests count as errors."""
    out = {"rps": None, "p50": None, "p99": None, "errors": 0, "requests": 0}
    kv = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if line.startswith("paced exit status"):
                out["errors"] += 1
            elif len(parts) == 2:
                try:
                    kv[parts[0]] = float(parts[1])
                except ValueError:
                    pass
    if "achieved" not in kv:
        out["errors"] += 1
        return out
    out.update({"rps": kv["achieved"], "rate": kv["rate"], "p50": kv["p50_ms"], "p90": kv["p90_ms"],
                "p99": kv["p99_ms"], "p999": kv["p99.9_ms"], "max": kv["max_ms"],
                "requests": int(kv["requests"]), "unanswered": int(kv["unanswered"])})
    out["errors"] += int(kv["errors"]) + int(kv["unanswered"])
    return out


def parse_cpu(path):
    if not os.path.exists(path):
        return {}
    kv = dict(item.split("=", 1) for item in open(path).read().split())
    d = float(kv["duration"])
    tck = float(kv["clk_tck"])
    return {
        "proxy_pct": 100 * float(kv["proxy_ticks"]) / tck / d,
        "nginx_pct": 100 * float(kv["nginx_ticks"]) / tck / d,
        "wrk_pct": 100 * (float(kv["wrk_user"]) + float(kv["wrk_sys"])) / d,
        "proxy_cpu_s": float(kv["proxy_ticks"]) / tck,
        "nginx_cpu_s": float(kv["nginx_ticks"]) / tck,
        "wrk_cpu_s": float(kv["wrk_user"]) + float(kv["wrk_sys"]),
    }


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def collect(raw):
    results = {}
    for scenario in SCENARIOS:
        sdir = os.path.join(raw, scenario)
        if not os.path.isdir(sdir):
            continue
        runs = {}
        for name in sorted(os.listdir(sdir)):
            m = re.fullmatch(r"(.+)\.(\d+)\.(wrk|h2load|paced)", name)
            if not m:
                continue
            target = m.group(1)
            parse = {"wrk": parse_wrk, "h2load": parse_h2load, "paced": parse_paced}[m.group(3)]
            run = parse(os.path.join(sdir, name))
            run.update(parse_cpu(os.path.join(sdir, "%s.%s.cpu" % (target, m.group(2)))))
            for party in ("proxy", "nginx", "wrk"):
                if run.get("rps") and run.get(party + "_cpu_s") and run["requests"]:
                    run[party + "_us_per_req"] = 1e6 * run[party + "_cpu_s"] / run["requests"]
            runs.setdefault(target, []).append(run)
        results[scenario] = {}
        for target, rs in runs.items():
            rps = [r["rps"] for r in rs if r["rps"]]
            results[scenario][target] = {
                "runs": rs,
                "rps": median(rps),
                "spread": (max(rps) - min(rps)) / statistics.median(rps) if rps else None,
                "mean": median([r.get("mean") for r in rs]),
                "p50": median([r["p50"] for r in rs]),
                "p99": median([r["p99"] for r in rs]),
                "rate": median([r.get("rate") for r in rs]),
                "p90": median([r.get("p90") for r in rs]),
                "p999": median([r.get("p999") for r in rs]),
                "max": median([r.get("max") for r in rs]),
                "errors": sum(r["errors"] for r in rs),
                "proxy_pct": median([r.get("proxy_pct") for r in rs]),
                "nginx_pct": median([r.get("nginx_pct") for r in rs]),
                "wrk_pct": median([r.get("wrk_pct") for r in rs]),
                "proxy_us_per_req": median([r.get("proxy_us_per_req") for r in rs]),
                "nginx_us_per_req": median([r.get("nginx_us_per_req") for r in rs]),
                "wrk_us_per_req": median([r.get("wrk_us_per_req") for r in rs]),
            }
    return results


def best_haproxy(res, mode):
    cands = [(res[t]["rps"], t) for t in ("haproxy1-" + mode, "haproxy2-" + mode) if t in res and res[t]["rps"]]
    return max(cands)[1] if cands else None


def kept_up(r):
    """Whether a constant-rate run sustained its rate: it served at least 95 % of it (a stall at the
    end of the run leaves a backlog that a target which keeps up clears after the end) and left
    nothing unanswered."""
    return bool(r["rps"] and r["rate"] and r["rps"] >= 0.95 * r["rate"] and r["errors"] == 0)


def best_peer(res, mode, scenario, tls):
    """The best peer of a row: the highest median requests/s (the lowest p99.9 among those that
    kept up, in a constant-rate row); in a handshake row only a peer that did not resume."""
    names = ["%s-%s" % (p, mode) for p in PEERS if "%s-%s" % (p, mode) in res]
    if scenario in HANDSHAKE_SCENARIOS:
        names = [n for n in names if tls.get((n, LISTENER[scenario]), {}).get("resumed") == "no"]
    if scenario in PACED_SCENARIOS:
        cands = [(res[n]["p999"], n) for n in names if res[n]["p999"] is not None and kept_up(res[n])]
        return min(cands)[1] if cands else None
    cands = [(res[n]["rps"], n) for n in names if res[n]["rps"]]
    return max(cands)[1] if cands else None


def target_name(target):
    return TARGET_NAMES[target.split("-")[0]]


def fmt(v, spec):
    return "–" if v is None else format(v, spec)


def mode_of(scenario, target):
    if scenario in MODE_LABEL:
        return MODE_LABEL[scenario]
    return "–" if target == "direct" else target.split("-")[1]


def rows_of(res):
    """(mode, target) in table order: direct, then per mode the peers and Tandem."""
    rows = [(None, "direct")] if "direct" in res else []
    for mode in ("http", "tcp"):
        for t in PEERS + ("tandem",):
            if "%s-%s" % (t, mode) in res:
                rows.append((mode, "%s-%s" % (t, mode)))
    return rows


def cpu_cells(r, target):
    cpu = "%s · %s · %s" % (fmt(r["proxy_pct"], ".0f") if target != "direct" else "–",
                             fmt(r["nginx_pct"], ".0f"), fmt(r["wrk_pct"], ".0f"))
    return cpu, fmt(r["proxy_us_per_req"], ".1f") if target != "direct" else "–"


def table(results, tls):
    lines = ["| scenario | mode | target | req/s | spread | p50 ms | p99 ms | × best peer | × direct "
             "| p99 × best peer | CPU % proxy · nginx · client (of 200) | proxy µs/req | nginx · client µs/req "
             "| errors |",
             "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|"]
    for scenario, res in results.items():
        if scenario in PACED_SCENARIOS:
            continue
        direct = res.get("direct", {}).get("rps")
        for mode, target in rows_of(res):
            r = res[target]
            best = best_peer(res, mode, scenario, tls) if mode else None
            ratio = p99r = None
            if best and r["rps"]:
                ratio = r["rps"] / res[best]["rps"]
                if r["p99"] and res[best]["p99"]:
                    p99r = r["p99"] / res[best]["p99"]
            name = target_name(target)
            if target.startswith("tandem"):
                name = "**%s**" % name
            cpu, proxy_us = cpu_cells(r, target)
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s · %s | %d |" % (
                scenario, mode_of(scenario, target), name, fmt(r["rps"], ",.0f"),
                "±%s %%" % fmt(50 * r["spread"], ".0f") if r["spread"] is not None and len(r["runs"]) > 1 else "–",
                fmt(r["p50"], ".2f"), fmt(r["p99"], ".2f"),
                fmt(ratio, ".2f") if target != best else "1.00 (best peer)",
                fmt(r["rps"] / direct if direct and r["rps"] else None, ".2f"),
                fmt(p99r, ".2f") if target != best else "1.00" if r["p99"] else "–", cpu, proxy_us,
                fmt(r["nginx_us_per_req"], ".1f"), fmt(r["wrk_us_per_req"], ".1f"), r["errors"]))
    return lines


def paced_table(results, tls):
    """The constant-rate rows: the offered rate, what was served, the latency percentiles."""
    lines = ["| scenario | mode | target | rate offered | served req/s | p50 ms | p90 ms | p99 ms | p99.9 ms "
             "| max ms | p99.9 × best peer | CPU % proxy · nginx · client (of 200) | proxy µs/req | errors |",
             "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|"]
    for scenario, res in results.items():
        if scenario not in PACED_SCENARIOS:
            continue
        for mode, target in rows_of(res):
            r = res[target]
            best = best_peer(res, mode, scenario, tls) if mode else None
            ratio = r["p999"] / res[best]["p999"] if best and r["p999"] and res[best]["p999"] else None
            name = target_name(target)
            if target.startswith("tandem"):
                name = "**%s**" % name
            if r["rate"] and not kept_up(r):
                name += " (did not keep up)"
            cpu, proxy_us = cpu_cells(r, target)
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
                scenario, mode_of(scenario, target), name, fmt(r["rate"], ",.0f"), fmt(r["rps"], ",.0f"),
                fmt(r["p50"], ".2f"), fmt(r["p90"], ".2f"), fmt(r["p99"], ".2f"), fmt(r["p999"], ".2f"),
                fmt(r["max"], ".2f"), fmt(ratio, ".2f") if target != best else "1.00 (best peer)",
                cpu, proxy_us, r["errors"]))
    return lines


def tls_info(raw):
    """raw/tls.txt: per target and TLS listener, what was negotiated and whether it resumed."""
    path = os.path.join(raw, "tls.txt")
    if not os.path.exists(path):
        return {}
    info = {}
    for line in open(path):
        p = line.split()
        if line.startswith("#") or len(p) < 8:
            continue
        info[(p[0], p[1])] = {"protocol": p[2], "cipher": p[3], "group": p[4], "signature": p[5],
                              "alpn": p[6], "resumed": p[7]}
    return info


def tls_lines(info):
    if not info:
        return []
    lines = ["| target | certificate | protocol | cipher | group | signature | ALPN (h2,http/1.1 offered) "
             "| session resumed |", "|---|---|---|---|---|---|---|---|"]
    for (target, listener), i in info.items():
        resumed = {"yes": "**yes**", "no": "no"}.get(i["resumed"], "probe failed")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            TARGET_NAMES[target.split("-")[0]], listener.upper(), i["protocol"], i["cipher"], i["group"],
            i["signature"], i["alpn"], resumed))
    return lines


def goals(results, tls):
    lines = ["| scenario | mode | Tandem | best peer | ratio | goal | p99 ratio | CPU/req × HAProxy best | met |",
             "|---|---|--:|--:|--:|--:|--:|--:|---|"]
    summary = []
    for scenario, res in results.items():
        for mode in ("http", "tcp"):
            t = res.get("tandem-" + mode)
            best = best_peer(res, mode, scenario, tls)
            if not t:
                continue
            if scenario in PACED_SCENARIOS:
                # Latency at a constant rate: p99.9 against the best peer's; Tandem must keep up.
                if not best or not t["p999"]:
                    continue
                p999r = t["p999"] / res[best]["p999"]
                ok = kept_up(t) and p999r <= P999_GOAL
                summary.append({"scenario": scenario, "mode": mode, "p999_ratio": p999r, "goal": P999_GOAL,
                                "met": ok, "best_peer": best, "rate": t["rate"]})
                lines.append("| %s | %s | p99.9 %s ms at %s req/s | %s: %s ms | **%.2f** | ≤ %.1f (p99.9) | %s | – | %s |" % (
                    scenario, mode, fmt(t["p999"], ".2f"), fmt(t["rate"], ",.0f"), target_name(best),
                    fmt(res[best]["p999"], ".2f"), p999r, P999_GOAL,
                    fmt(t["p99"] / res[best]["p99"] if t["p99"] and res[best]["p99"] else None, ".2f"),
                    "yes" if ok else "**no**" + ("" if kept_up(t) else ": did not keep up")))
                continue
            if not best:
                # In a handshake row: no peer that did not resume (or none probed) to compare with.
                if scenario in HANDSHAKE_SCENARIOS and t["rps"]:
                    lines.append("| %s | %s | %s | – | – | %s | – | – | not comparable: no peer with resumption "
                                 "off (raw/tls.txt) |" % (scenario, mode_of(scenario, "tandem-" + mode),
                                                          fmt(t["rps"], ",.0f"), fmt(GOAL[scenario], ".2f")))
                continue
            if not t["rps"]:
                continue
            ratio = t["rps"] / res[best]["rps"]
            p99r = t["p99"] / res[best]["p99"] if t["p99"] and res[best]["p99"] else None
            hap = best_haproxy(res, mode)
            cpur = None
            if scenario in CPU_GOAL_SCENARIOS and hap and t["proxy_us_per_req"] and res[hap]["proxy_us_per_req"]:
                cpur = t["proxy_us_per_req"] / res[hap]["proxy_us_per_req"]
            goal = GOAL[scenario]
            p99_goal = P99_GOAL if scenario in P99_GOAL_SCENARIOS else None
            ok = (goal is not None and ratio >= goal and (p99_goal is None or p99r is None or p99r <= p99_goal)
                  and (cpur is None or cpur <= CPU_GOAL))
            met = "–" if goal is None else "yes" if ok else "**no**"
            if scenario in HANDSHAKE_SCENARIOS and tls.get(("tandem-" + mode, LISTENER[scenario]), {}).get("resumed") != "no":
                ok = False
                met = "not comparable: Tandem resumed TLS sessions or was not probed (raw/tls.txt)"
            summary.append({"scenario": scenario, "mode": mode_of(scenario, "tandem-" + mode), "ratio": ratio,
                            "p99_ratio": p99r, "cpu_ratio": cpur, "goal": goal, "met": ok, "best_peer": best})
            lines.append("| %s | %s | %s req/s | %s: %s | **%.2f** | %s | %s | %s | %s |" % (
                scenario, mode_of(scenario, "tandem-" + mode), fmt(t["rps"], ",.0f"), target_name(best),
                fmt(res[best]["rps"], ",.0f"), ratio, fmt(goal, ".2f"),
                fmt(p99r, ".2f") + (" (≤ %.1f)" % p99_goal if p99_goal else ""),
                fmt(cpur, ".2f") + (" (≤ %.1f)" % CPU_GOAL if cpur is not None else ""), met))
    return lines, summary


def memory(raw):
    path = os.path.join(raw, "memory.txt")
    if not os.path.exists(path):
        return [], []
    rows = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        p = line.split()
        name, n, rss0, rss1 = p[0], int(p[1]), int(p[2]), int(p[3])
        heap0 = int(p[4]) if len(p) > 4 else None
        heap1 = int(p[5]) if len(p) > 5 else None
        rows.append({"name": name, "connections": n, "rss_before_kib": rss0, "rss_after_kib": rss1,
                     "heap_before_kib": heap0, "heap_after_kib": heap1})
    lines = ["| process | idle connections | RSS before | RSS with them | RSS per connection | heap after GC, before "
             "| heap after GC, with them | heap per connection |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        n = r["connections"]
        per_rss = (r["rss_after_kib"] - r["rss_before_kib"]) * 1024 / n
        heap = ("–", "–", "–")
        if r["heap_after_kib"] is not None:
            heap = ("%.1f MiB" % (r["heap_before_kib"] / 1024), "%.1f MiB" % (r["heap_after_kib"] / 1024),
                    "%.2f KiB" % ((r["heap_after_kib"] - r["heap_before_kib"]) / n))
        name = {"tandem": "**Tandem** (http)", "haproxy1": "HAProxy nbthread 1 (http)",
                "haproxy2": "HAProxy nbthread 2 (http)", "nginxlb": "Nginx load balancer (http, master and workers)",
                "caddy": "Caddy (http)"}.get(r["name"], r["name"])
        lines.append("| %s | %d | %.1f MiB | %.1f MiB | %.2f KiB | %s | %s | %s |" % (
            name, n, r["rss_before_kib"] / 1024, r["rss_after_kib"] / 1024, per_rss / 1024, *heap))
    return lines, rows


def chart(results, out_dir):
    if not shutil.which("gnuplot"):
        return False
    dat = os.path.join(out_dir, "chart.dat")
    with open(dat, "w") as f:
        f.write("# label direct %s tandem (median req/s)\n" % " ".join(PEERS))
        for scenario, res in results.items():
            if scenario in PACED_SCENARIOS:
                continue
            for mode in ("http", "tcp"):
                vals = [res.get(t, {}).get("rps") for t in
                        ["direct"] + ["%s-%s" % (p, mode) for p in PEERS + ("tandem",)]]
                if not any(vals[1:]):
                    continue
                f.write('"%s\\n%s" %s\n' % (scenario, MODE_LABEL.get(scenario, mode),
                                             " ".join("%.0f" % v if v else "0" for v in vals)))
    groups = sum(1 for line in open(dat) if not line.startswith("#"))
    if not groups:  # only constant-rate rows: no requests/s to chart
        return False
    gp = os.path.join(out_dir, "chart.gp")
    with open(gp, "w") as f:
        f.write("""set terminal pngcairo size 1400,560 font "sans,10"
set output "%s"
set title "wrk or h2load -> proxy -> 2 single-worker Nginx, loopback, 2 cores: median requests/s (higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside top center horizontal
set grid ytics
set yrange [0:*]
set xrange [-0.6:%d - 0.4]
set bmargin 4
set format y "%%.0s%%c"
plot "%s" using 2:xtic(1) title "Nginx direct" lc rgb "#bbbbbb", \\
     "" using 3 title "HAProxy nbthread 1" lc rgb "#7fa7d8", \\
     "" using 4 title "HAProxy nbthread 2" lc rgb "#2c5f9e", \\
     "" using 5 title "Nginx load balancer" lc rgb "#5aa469", \\
     "" using 6 title "Caddy" lc rgb "#9b72b0", \\
     "" using 7 title "Tandem" lc rgb "#e07b24"
""" % (os.path.join(out_dir, "chart.png"), groups, dat))
    return subprocess.run(["gnuplot", gp]).returncode == 0


def main():
    out_dir = sys.argv[1]
    raw = os.path.join(out_dir, "raw")
    results = collect(raw)
    env = open(os.path.join(out_dir, "env.txt")).read() if os.path.exists(os.path.join(out_dir, "env.txt")) else ""
    tls = tls_info(raw)
    goal_lines, summary = goals(results, tls)
    mem_lines, mem_rows = memory(raw)
    md = ["# Tandem beside its peers: %s" % os.path.basename(out_dir.rstrip("/")), "",
          "```", env.strip(), "```", "",
          "Medians of the runs; spread: half the range of the runs' requests/s, over the median. "
          "`× best peer`: requests/s over the best peer's in the same mode (of HAProxy nbthread 1 and 2, "
          "Nginx as a load balancer and Caddy, the highest median requests/s; in the handshake rows only "
          "one that did not resume TLS sessions); `p99 × best peer`: p99 latency over that same peer's. "
          "CPU: the share of the machine's 2 cores each party used during the run (percent of one core). "
          "`µs/req`: each party's CPU time per request (client: wrk or h2load); in the handshake rows "
          "(tls-hs-*) every request is a new TLS connection, so req/s are handshakes/s and µs/req is CPU per "
          "handshake. The TLS and HTTP/2 rows run against the http targets (mode https, h2 or h2c); h2load "
          "reports no latency percentiles.", "",
          "## Goals (issue #18: cleartext and constant-rate rows; issue #12: TLS and HTTP/2 rows)", "",
          "CPU/req × HAProxy best: Tandem's CPU time per request over that of the HAProxy setting with the "
          "higher requests/s (keep-alive rows).", ""]
    md += goal_lines + ["", "## All results", ""] + table(results, tls)
    paced = paced_table(results, tls)
    if len(paced) > 2:
        md += ["", "## Latency at a constant request rate", "",
               "paced.c sends the offered rate evenly spaced over 64 keep-alive connections and counts each "
               "request's latency from when it was due (no coordinated omission, as wrk2); the first second "
               "is not recorded. Every target of a mode gets the same rate. A target that served less than 95 % "
               "of it, or left requests unanswered, did not keep up: its latencies are those of an overload. "
               "The best peer here is the one with the lowest p99.9 among those that kept up.", ""] + paced
    if tls:
        md += ["", "## TLS as each target negotiated it (openssl s_client, before the load)", "",
               "A handshake row measures full handshakes only where the session is not resumed: wrk offers "
               "the session of its previous connection when it reconnects.", ""] + tls_lines(tls)
    if mem_lines:
        md += ["", "## Memory with idle keep-alive client connections", ""] + mem_lines
    if chart(results, out_dir):
        md += ["", "![requests per second](chart.png)"]
    text = "\n".join(md) + "\n"
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"results": results, "goals": summary, "memory": mem_rows,
                   "tls": [dict(target=k[0], listener=k[1], **v) for k, v in tls.items()]}, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
