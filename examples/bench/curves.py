#!/usr/bin/env python3
"""curves.py RESULTS: the tables (results.md, results.json) and one chart per curve (PNG, gnuplot)
of a curves.sh run, from RESULTS/raw. Medians of the runs; Tandem over HAProxy (nbthread 2) at every
point; spread: half the range of the runs over their median."""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import median, parse_cpu, parse_wrk  # noqa: E402  (bench.sh's parsers)

UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}
SIZE_ORDER = ["0b", "1k", "16k", "128k", "1m"]
LABELS = {"tandem-http": "Tandem http", "haproxy-http": "HAProxy http", "tandem-tcp": "Tandem tcp",
          "haproxy-tcp": "HAProxy tcp"}
# The proxy's CPU time per request: far less sensitive to the machine's other load than requests/s.
CPU_PANEL = ("proxy CPU per request, us", True, "proxy_us_per_req", 1.0)
COLOURS = {"tandem-http": "#e07b24", "haproxy-http": "#2c5f9e", "tandem-tcp": "#f2b279", "haproxy-tcp": "#7fa7d8"}


def transfer_bps(path):
    """wrk's Transfer/sec (binary units) in bytes per second."""
    for line in open(path):
        m = re.match(r"Transfer/sec:\s+([\d.]+)(\w+)", line)
        if m:
            return float(m.group(1)) * UNITS[m.group(2)]
    return None


def spread(values):
    values = [v for v in values if v]
    return (max(values) - min(values)) / 2 / statistics.median(values) if values else None


def point_key(point):
    return SIZE_ORDER.index(point) if point in SIZE_ORDER else int(re.sub(r"\D", "", point) or 0)


def collect(curve_dir):
    """{point: {target: medians}} from CURVE/POINT/TARGET.RUN.wrk and .cpu"""
    out = {}
    for point in sorted(os.listdir(curve_dir), key=point_key):
        pdir = os.path.join(curve_dir, point)
        if not os.path.isdir(pdir):
            continue
        runs = {}
        for name in sorted(os.listdir(pdir)):
            m = re.fullmatch(r"(.+)\.(\d+)\.wrk", name)
            if not m:
                continue
            run = parse_wrk(os.path.join(pdir, name))
            run["bps"] = transfer_bps(os.path.join(pdir, name))
            run.update(parse_cpu(os.path.join(pdir, "%s.%s.cpu" % m.groups())))
            if run["requests"] and run.get("proxy_cpu_s"):
                run["proxy_us_per_req"] = 1e6 * run["proxy_cpu_s"] / run["requests"]
            runs.setdefault(m.group(1), []).append(run)
        out[point] = {}
        for target, rs in runs.items():
            bps = median([r["bps"] for r in rs])
            out[point][target] = {
                "rps": median([r["rps"] for r in rs]), "spread": spread([r["rps"] for r in rs]),
                "p99": median([r["p99"] for r in rs]), "gbps": bps * 8 / 1e9 if bps else None,
                "errors": sum(r["errors"] for r in rs), "runs": len(rs),
                "proxy_us_per_req": median([r.get("proxy_us_per_req") for r in rs]),
            }
    return out


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "–"


def fmt(v, spec):
    return spec % v if v is not None else "–"


def load_table(points, pairs, columns):
    """Markdown rows: for each point and (tandem, haproxy) pair, the columns given as (title, key, format)."""
    head = ["point", "mode"]
    for title, _, _ in columns:
        head += ["%s Tandem" % title, "%s HAProxy" % title, "×"]
    head += ["spread T / H", "errors T / H", "µs CPU/req T / H"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "--:|" * (len(head) - 2)]
    for point, res in points.items():
        for tandem, haproxy in pairs:
            t, h = res.get(tandem), res.get(haproxy)
            if not t or not h:
                continue
            cells = [point, tandem.split("-")[1]]
            for _, key, spec in columns:
                cells += [fmt(t[key], spec), fmt(h[key], spec), ratio(t[key], h[key])]
            cells += ["±%.0f %% / ±%.0f %%" % (100 * (t["spread"] or 0), 100 * (h["spread"] or 0)),
                      "%d / %d" % (t["errors"], h["errors"]),
                      "%s / %s" % (fmt(t["proxy_us_per_req"], "%.1f"), fmt(h["proxy_us_per_req"], "%.1f"))]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def frontends(raw):
    path = os.path.join(raw, "frontends", "times.txt")
    if not os.path.exists(path):
        return {}
    rows = {}
    for line in open(path):
        if line.startswith("#") or not line.split():
            continue
        proxy, n, _, start, reload, rss0, rss1 = line.split()
        rows.setdefault(int(n), {}).setdefault(proxy, []).append(
            (int(start), int(reload), int(rss0) / 1024, int(rss1) / 1024))
    out = {}
    for n in sorted(rows):
        out[n] = {}
        for proxy, rs in rows[n].items():
            out[n][proxy] = {k: median([r[i] for r in rs]) for i, k in
                             enumerate(("start_ms", "reload_ms", "rss_mib", "rss_reload_mib"))}
            out[n][proxy]["start_spread"] = spread([r[0] for r in rs])
            out[n][proxy]["runs"] = len(rs)
    return out


def frontends_table(fe):
    lines = ["| frontends + backends | start ms Tandem | start ms HAProxy | × | start ms Tandem without warm-up "
             "| reload ms Tandem | reload ms HAProxy | × | RSS MiB Tandem | RSS MiB HAProxy | × "
             "| RSS MiB without warm-up | RSS after reload T / H |",
             "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for n, res in fe.items():
        t, h, w = res.get("tandem"), res.get("haproxy"), res.get("tandem-nowarmup", {})
        if not t or not h:
            continue
        lines.append("| %d | %.0f (±%.0f %%) | %.0f | %s | %s | %.0f | %.0f | %s | %.1f | %.1f | %s | %s | %.1f / %.1f |" % (
            n, t["start_ms"], 100 * (t["start_spread"] or 0), h["start_ms"], ratio(t["start_ms"], h["start_ms"]),
            fmt(w.get("start_ms"), "%.0f"), t["reload_ms"], h["reload_ms"], ratio(t["reload_ms"], h["reload_ms"]),
            t["rss_mib"], h["rss_mib"], ratio(t["rss_mib"], h["rss_mib"]), fmt(w.get("rss_mib"), "%.1f"),
            t["rss_reload_mib"], h["rss_reload_mib"]))
    return lines


def jvm_memory(raw):
    out = {}
    for name, path in (("start", "start.txt"), ("idle", "memory.txt")):
        p = os.path.join(raw, "jvm", path)
        if not os.path.exists(p):
            continue
        for line in open(p):
            f = line.split()
            if line.startswith("#") or not f:
                continue
            row = out.setdefault(f[0], {})
            if name == "start":
                row["rss_start_mib"] = int(f[1]) / 1024
            else:
                row.update(idle=int(f[1]), rss_before_idle_mib=int(f[2]) / 1024, rss_idle_mib=int(f[3]) / 1024)
                if len(f) > 5:
                    row.update(heap_before_mib=int(f[4]) / 1024, heap_idle_mib=int(f[5]) / 1024)
    return out


def jvm_table(points, mem):
    hap = mem.get("haproxy", {})
    lines = ["| JVM set | ka64-3b req/s | × HAProxy | ka1000-3b req/s | × HAProxy | RSS at start MiB | × HAProxy "
             "| RSS with idle connections MiB | × HAProxy | heap after GC, with them MiB |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    targets = sorted({t for res in points.values() for t in res}, key=lambda t: (t.startswith("haproxy"), t))
    for t in targets:
        name = "haproxy" if t.startswith("haproxy") else t
        m = mem.get(name, {})
        cells = [t]
        for point in ("ka64-3b", "ka1000-3b"):
            r, h = points.get(point, {}).get(t), points.get(point, {}).get("haproxy-http")
            cells += ["%s (±%.0f %%)" % (fmt(r["rps"], "%.0f"), 100 * (r["spread"] or 0)) if r else "–",
                      ratio(r and r["rps"], h and h["rps"])]
        cells += [fmt(m.get("rss_start_mib"), "%.1f"), ratio(m.get("rss_start_mib"), hap.get("rss_start_mib")),
                  "%s (%s)" % (fmt(m.get("rss_idle_mib"), "%.1f"), m.get("idle", "–")),
                  ratio(m.get("rss_idle_mib"), hap.get("rss_idle_mib")), fmt(m.get("heap_idle_mib"), "%.1f")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def gnuplot(out_dir, name, title, panels):
    """panels: [(ylabel, logscale_y, [(series title, colour, [(x label, y)])])]: one PNG, panels side by side."""
    if not shutil.which("gnuplot"):
        return False
    gp = ['set terminal pngcairo size %d,460 font "sans,10"' % (520 * len(panels)),
          'set output "%s"' % os.path.join(out_dir, name + ".png"),
          'set multiplot layout 1,%d title "%s"' % (len(panels), title),
          "set termoption noenhanced", "set key top left", "set grid", "set format y \"%g\""]
    for i, (ylabel, logy, series) in enumerate(panels):
        dat = os.path.join(out_dir, "%s.%d.dat" % (name, i))
        labels = [x for x, _ in series[0][2]]
        with open(dat, "w") as f:
            for k, label in enumerate(labels):
                ys = []
                for _, _, pts in series:
                    y = dict(pts).get(label)
                    ys.append("%g" % y if y else "NaN")
                f.write('%d "%s" %s\n' % (k, label, " ".join(ys)))
        gp += ["set ylabel \"%s\"" % ylabel, "set logscale y" if logy else "unset logscale y",
               "set yrange [%s:*]" % ("*" if logy else "0"), "set xrange [-0.3:%f]" % (len(labels) - 0.7)]
        plots = ['"%s" using 1:%d:xtic(2) with linespoints lw 2 pt 7 lc rgb "%s" title "%s"' % (dat, j + 3, c, t)
                 for j, (t, c, _) in enumerate(series)]
        gp.append("plot " + ", ".join(plots))
    gp.append("unset multiplot")
    path = os.path.join(out_dir, name + ".gp")
    with open(path, "w") as f:
        f.write("\n".join(gp) + "\n")
    return subprocess.run(["gnuplot", path]).returncode == 0


def series(points, targets, key, scale=1.0):
    return [(LABELS[t], COLOURS[t], [(p, res[t][key] * scale if res.get(t) and res[t][key] else None)
                                     for p, res in points.items()]) for t in targets]


def main():
    out_dir = sys.argv[1]
    raw = os.path.join(out_dir, "raw")
    env = open(os.path.join(out_dir, "env.txt")).read() if os.path.exists(os.path.join(out_dir, "env.txt")) else ""
    md = ["# Cost curves, Tandem beside HAProxy (nbthread 2): %s" % os.path.basename(os.path.abspath(out_dir)), "",
          "```", env.strip(), "```", "",
          "Medians of the runs; `×`: Tandem over HAProxy; spread: half the range of the runs' requests/s over "
          "the median; `µs CPU/req`: the proxy's CPU time per request.", ""]
    data = {}
    http, both = [("tandem-http", "haproxy-http")], [("tandem-http", "haproxy-http"), ("tandem-tcp", "haproxy-tcp")]
    for curve, title, pairs, columns, panels in (
            ("connections", "Client connections (wrk -c), keep-alive, 3 B, http", http,
             [("req/s", "rps", "%.0f"), ("p99 ms", "p99", "%.2f")],
             [("requests/s", False, "rps", 1.0), ("p99 latency, ms", True, "p99", 1.0), CPU_PANEL]),
            ("size", "Response size, keep-alive, 64 connections, http and tcp", both,
             [("req/s", "rps", "%.0f"), ("Gbit/s", "gbps", "%.2f")],
             [("requests/s", True, "rps", 1.0), ("Gbit/s (wrk's transfer rate)", False, "gbps", 1.0), CPU_PANEL]),
            ("servers", "Servers per backend (roundrobin), keep-alive, 64 connections, 3 B, http", http,
             [("req/s", "rps", "%.0f"), ("p99 ms", "p99", "%.2f")],
             [("requests/s", False, "rps", 1.0), CPU_PANEL]),
            ("jvm", "Tandem's JVM option sets beside HAProxy", [], [], [])):
        cdir = os.path.join(raw, curve)
        if not os.path.isdir(cdir):
            continue
        points = collect(cdir)
        data[curve] = points
        if curve == "jvm":
            mem = jvm_memory(raw)
            data["jvm_memory"] = mem
            md += ["## %s" % title, ""] + jvm_table(points, mem) + [""]
            continue
        md += ["## %s" % title, ""] + load_table(points, pairs, columns) + [""]
        targets = [t for pair in pairs for t in pair]
        if gnuplot(out_dir, curve, title, [(yl, logy, series(points, targets, key, sc)) for yl, logy, key, sc in panels]):
            md += ["![%s](%s.png)" % (curve, curve), ""]
    fe = frontends(raw)
    if fe:
        data["frontends"] = fe
        md += ["## Frontends and backends in one file: start, reload, memory", "",
               "Start: process start until every frontend's port accepts. Reload: the signal (Tandem SIGHUP, "
               "HAProxy master-worker SIGUSR2) until a frontend the new file adds answers. RSS 2 s after each "
               "(HAProxy: master and worker summed).", ""] + frontends_table(fe) + [""]
        pts = list(fe)
        panels = []
        for ylabel, key, sc in (("start, ms", "start_ms", 1), ("reload, ms", "reload_ms", 1), ("RSS, MiB", "rss_mib", 1)):
            panels.append((ylabel, True, [(name, colour, [(str(n), fe[n].get(proxy, {}).get(key)) for n in pts])
                                          for proxy, name, colour in (
                                              ("tandem", "Tandem", COLOURS["tandem-http"]),
                                              ("tandem-nowarmup", "Tandem, TANDEM_WARMUP=off", COLOURS["tandem-tcp"]),
                                              ("haproxy", "HAProxy", COLOURS["haproxy-http"]))]))
        if gnuplot(out_dir, "frontends", "Frontends and backends in one file", panels):
            md += ["![frontends](frontends.png)", ""]
    text = "\n".join(md) + "\n"
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(data, f, indent=1, default=str)
    print(text)


if __name__ == "__main__":
    main()
