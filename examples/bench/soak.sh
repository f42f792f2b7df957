#!/usr/bin/env bash
# examples/bench/soak.sh: a bounded soak of a two-node Tandem pair under mixed traffic.
#
#   clients --> VIP 127.0.0.100 (driver bind: the active node listens) --> two Nginx servers
#                                                                     \--> a WebSocket echo server
#
# Starts two single-worker Nginx servers, a WebSocket echo server (soak.py ws-echo) and two Tandem
# nodes (A priority 200, B priority 100) clustered on loopback, then for --duration runs, against
# the VIP: wrk keep-alive load, Connection: close requests, uploads (fixed-length and chunked, 1 KiB
# to 1 MiB), WebSocket sessions, slow clients (a head at 4 bytes a second: 408 and closed) and
# garbage clients (random bytes, ambiguous requests: refused or closed), plus a latency probe. With
# it: a reload of both nodes every minute (n1's weight flipped each time), a health flap every
# duration/6 (at least 60 s; Nginx n2 frozen with SIGSTOP for 20 s), and one failover at half time
# (the active node, A unless B won the race at start, killed with SIGKILL; the other takes the VIP). Every --interval it samples each node: RSS, heap
# used after a full GC (jcmd GC.run, GC.heap_info), open file descriptors, the errors of the
# interval by kind and the probe's latency. After the traffic it waits --settle seconds (idle
# keep-alive connections time out) and samples again.
#
# Results in examples/bench/results/soak-<date>/ (or --out): samples.tsv, events.tsv, results.md
# (the table and the check), soak.png (the plot, gnuplot) and the nodes' logs (tandem-*.log.gz).
# The check: on the node that is alive at the end, heap after GC and file descriptors are back to
# their level at the start (heap within 25 % or 8 MiB, whichever is more; fds within 16); the
# script exits 1 when they are not.
#
# Usage: examples/bench/soak.sh [options]
#   --duration D      how long the traffic runs: 30m (default), 3m, 90s
#   --interval S      seconds between samples (default 15)
#   --settle S        idle seconds after the traffic before the last sample (default 30)
#   --slow-clients N  concurrent slow clients (default 50)
#   --out DIR         write the results to DIR
# Environment:
#   TANDEM_CMD        how to run tandem (default: the ./tandem script at the repository root)
#   TANDEM_JAVA_OPTS  passed on to tandem (JVM options)
#   BENCH_PORT_BASE   ports used are BASE+81 .. BASE+392 on 127.0.0.1 and 127.0.0.100 (default 18000)
#   KEEP_WORK=1       keep the scratch directory (configs, logs) after the run
#
# Needs: nginx, wrk, curl, python3, gnuplot (gnuplot-nox), jcmd (a JDK); installed with apt-get
# when missing. Every process it starts is stopped by its PID on exit. Not part of the test suite.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/../.." && pwd)"

DURATION=30m
INTERVAL=15
SETTLE=30
SLOW=50
OUT=""

PROG=soak
# shellcheck source=examples/bench/lib.sh
source "$here/lib.sh" # die, start, stop_all, subst (shared with bench.sh and curves.sh)

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
}
while (($#)); do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --interval) INTERVAL="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --slow-clients) SLOW="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "soak: unknown option $1" >&2; usage ;;
  esac
done
case "$DURATION" in
  *m) SECS=$(( ${DURATION%m} * 60 )) ;;
  *s) SECS=${DURATION%s} ;;
  *) SECS=$DURATION ;;
esac
[[ "$SECS" =~ ^[0-9]+$ && "$SECS" -ge 60 ]] || die "--duration must be at least 60s (e.g. 30m, 3m, 90s)"
[[ "$INTERVAL" =~ ^[0-9]+$ && "$INTERVAL" -ge 5 ]] || die "--interval must be at least 5 seconds"
[[ "$SETTLE" =~ ^[0-9]+$ ]] || die "--settle must be a whole number of seconds"
[[ "$SLOW" =~ ^[0-9]+$ ]] || die "--slow-clients must be a whole number"

missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
command -v jcmd >/dev/null || missing+=(openjdk-17-jdk-headless)
if ((${#missing[@]})); then
  echo "soak: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root or sudo to install ${missing[*]}"
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 \
    || { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; } \
    || die "could not install ${missing[*]}"
fi

TANDEM_CMD="${TANDEM_CMD:-$root/tandem}"
$TANDEM_CMD version >/dev/null 2>&1 || die "'$TANDEM_CMD version' failed: cannot build or run tandem"

VIP=127.0.0.100
base="${BENCH_PORT_BASE:-18000}"
NGINX1=$((base + 81)); NGINX2=$((base + 82)); WS=$((base + 83)); HTTP=$((base + 381))
ADMIN_A=$((base + 391)); ADMIN_B=$((base + 392)); CLUSTER_A=$((base + 371)); CLUSTER_B=$((base + 372))
in_use() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
for p in $NGINX1 $NGINX2 $WS $ADMIN_A $ADMIN_B $CLUSTER_A $CLUSTER_B; do
  ! in_use 127.0.0.1 "$p" || die "port $p on 127.0.0.1 is in use: set BENCH_PORT_BASE"
done
! in_use $VIP $HTTP || die "port $HTTP on $VIP is in use: set BENCH_PORT_BASE"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work="$(mktemp -d /tmp/tandem-soak.XXXXXX)"
mkdir -p "$work/logs" "$work/www" "$work/nginx1" "$work/nginx2"
printf 'ok\n' | head -c 3 >"$work/www/3b"
if [[ -z "$OUT" ]]; then
  OUT="$here/results/soak-$(date +%F)"
  n=2
  while [[ -e "$OUT" ]]; do OUT="$here/results/soak-$(date +%F)-$n"; n=$((n + 1)); done
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

declare -a PIDS=()
declare -A PID_OF=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done # a frozen Nginx too
  stop_all
  # The nodes' own logs go with the results (compressed): an unplanned failover is explained there.
  for log in "$work"/logs/tandem-*.log; do
    [[ -f "$log" ]] && gzip -c "$log" >"$OUT/$(basename "$log").gz" || true
  done
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "soak: scratch directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'echo "soak: interrupted" >&2; exit 130' INT TERM

# wait_up NAME URL: until URL answers once, within 90 s (a JVM on a busy machine starts slowly);
# fails if NAME's process has exited.
wait_up() {
  local name="$1" url="$2" deadline=$((SECONDS + 90))
  until curl -sf -m 2 -o /dev/null "$url"; do
    kill -0 "${PID_OF[$name]}" 2>/dev/null || die "$name exited at start; its log: $(tail -5 "$work/logs/$name.log")"
    ((SECONDS < deadline)) || die "$name did not answer $url within 90 s; its log: $(tail -5 "$work/logs/$name.log")"
    sleep 0.5
  done
}

for n in 1 2; do
  port_var="NGINX$n"
  subst "$here/conf/nginx-soak.conf.in" "$work/nginx$n.conf" N=$n PORT=${!port_var}
  start "nginx$n" nginx -p "$work" -c "$work/nginx$n.conf"
done
start ws-echo python3 "$here/soak.py" ws-echo "$WS"
wait_up nginx1 "http://127.0.0.1:$NGINX1/3b"
wait_up nginx2 "http://127.0.0.1:$NGINX2/3b"
wait_up ws-echo "http://127.0.0.1:$WS/health"

export TANDEM_CLUSTER_SECRET="soak-$RANDOM$RANDOM"
for node in a b; do
  if [[ $node == a ]]; then admin=$ADMIN_A; cport=$CLUSTER_A; prio=200; else admin=$ADMIN_B; cport=$CLUSTER_B; prio=100; fi
  subst "$here/conf/tandem-soak.yaml.in" "$work/tandem-$node.yaml" NODE=$node ADMIN_PORT=$admin \
    NGINX1=$NGINX1 NGINX2=$NGINX2 WS_PORT=$WS VIP=$VIP HTTP_PORT=$HTTP CLUSTER_PORT=$cport \
    CLUSTER_A=$CLUSTER_A CLUSTER_B=$CLUSTER_B PRIORITY=$prio
  start "tandem-$node" $TANDEM_CMD run -c "$work/tandem-$node.yaml"
done
wait_up tandem-a "http://127.0.0.1:$ADMIN_A/api/v1/status"
wait_up tandem-b "http://127.0.0.1:$ADMIN_B/api/v1/status"
wait_up tandem-a "http://$VIP:$HTTP/3b"
echo "soak: all up (VIP $VIP:$HTTP; nginx $NGINX1 $NGINX2, ws echo $WS); ${SECS}s of traffic" >&2

{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm), $(nproc) CPUs, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "tandem: $($TANDEM_CMD version 2>/dev/null | tail -1) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "tandem JVM options (node a): $(jcmd "${PID_OF[tandem-a]}" VM.command_line 2>/dev/null | sed -n 's/^jvm_args: //p')"
  echo "duration ${SECS}s, samples every ${INTERVAL}s, settle ${SETTLE}s, $SLOW slow clients"
} >"$OUT/env.txt"

cat >"$work/drive.json" <<EOF
{"out": "$OUT", "duration": $SECS, "interval": $INTERVAL, "settle": $SETTLE, "slow_clients": $SLOW,
 "vip": "$VIP", "port": $HTTP, "wrk_connections": 16, "flap_pid": ${PID_OF[nginx2]},
 "nodes": {"a": {"pid": ${PID_OF[tandem-a]}, "admin": $ADMIN_A, "config": "$work/tandem-a.yaml"},
           "b": {"pid": ${PID_OF[tandem-b]}, "admin": $ADMIN_B, "config": "$work/tandem-b.yaml"}}}
EOF
python3 "$here/soak.py" drive --config "$work/drive.json"

# ---- the table, the check and the plot -------------------------------------------------------
verdict=0
python3 - "$OUT" <<'EOF' || verdict=$?
import csv, math, sys
out = sys.argv[1]
rows = list(csv.DictReader(open(out + "/samples.tsv"), delimiter="\t"))
events = list(csv.DictReader(open(out + "/events.tsv"), delimiter="\t"))
env = open(out + "/env.txt").read()
lines = ["# Soak", "", "```", env.strip(), "```", "",
         "| t (s) | node | RSS (MiB) | heap after GC (MiB) | fds | ok | errors | errors by kind | probe p50 (ms) | p99 (ms) | max (ms) |",
         "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
mib = lambda v: "%.1f" % (int(v) / 1024) if v else "-"
for r in rows:
    lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r["t_s"], r["node"], mib(r["rss_kib"]), mib(r["heap_after_gc_kib"]), r["fds"] or "-", r["ok"], r["errors"],
        r["errors_by_kind"], r["p50_ms"], r["p99_ms"], r["max_ms"]))
lines += ["", "Events:", ""] + ["- %s s: %s" % (e["t_s"], e["event"]) for e in events]
verdict = []
ok = True
for node in sorted({r["node"] for r in rows}):
    mine = [r for r in rows if r["node"] == node and r["heap_after_gc_kib"] and r["fds"]]
    last = [r for r in rows if r["node"] == node][-1]
    if not mine or not last["fds"]:
        verdict.append("- node %s: not running at the end (the failover's victim): not checked" % node)
        continue
    first = mine[0]
    h0, h1 = int(first["heap_after_gc_kib"]), int(last["heap_after_gc_kib"])
    f0, f1 = int(first["fds"]), int(last["fds"])
    heap_ok = h1 <= h0 + max(h0 // 4, 8192)
    fds_ok = f1 <= f0 + 16
    ok = ok and heap_ok and fds_ok
    verdict.append("- node %s: heap after GC %.1f -> %.1f MiB (%s), file descriptors %d -> %d (%s)" % (
        node, h0 / 1024, h1 / 1024, "back to its start level" if heap_ok else "NOT back: more than 25 % or 8 MiB above",
        f0, f1, "back" if fds_ok else "NOT back: more than 16 above"))
lines += ["", "Check (start of the soak -> after the traffic and %s):" % events[-1]["event"].split("(")[-1].rstrip(")"), ""] + verdict
lines += ["", "Result: **%s**" % ("PASS" if ok else "FAIL"), ""]
open(out + "/results.md", "w").write("\n".join(lines))
print("\n".join(verdict))
print("soak: %s; results in %s" % ("PASS" if ok else "FAIL", out))
sys.exit(0 if ok else 1)
EOF


# One panel each: RSS and heap after GC per node, fds per node, errors per interval, probe latency.
awk -F'\t' 'NR > 1 && $2 == "a"' "$OUT/samples.tsv" >"$work/a.dat"
awk -F'\t' 'NR > 1 && $2 == "b"' "$OUT/samples.tsv" >"$work/b.dat"
awk -F'\t' 'NR > 1 {print $1}' "$OUT/events.tsv" >"$work/events.dat"
gnuplot <<EOF
set terminal pngcairo size 1200,1000 noenhanced font ",10"
set output "$OUT/soak.png"
set datafile separator "\t"
set datafile missing ""
set multiplot layout 4,1 title "Tandem soak: two nodes, mixed traffic, ${SECS}s (vertical lines: events, see results.md)"
set key outside right
set grid
set xrange [0:*]
set style line 9 lc rgb "#bbbbbb" dt 2
set for [t in system("cat $work/events.dat")] arrow from t, graph 0 to t, graph 1 nohead ls 9
set ylabel "MiB"
plot "$work/a.dat" using 1:(\$3/1024) with linespoints title "RSS a", \
     "$work/b.dat" using 1:(\$3/1024) with linespoints title "RSS b", \
     "$work/a.dat" using 1:(\$4/1024) with linespoints title "heap after GC a", \
     "$work/b.dat" using 1:(\$4/1024) with linespoints title "heap after GC b"
set ylabel "open fds"
plot "$work/a.dat" using 1:5 with linespoints title "fds a", "$work/b.dat" using 1:5 with linespoints title "fds b"
set ylabel "per interval"
set logscale y
plot "$work/b.dat" using 1:(\$6+1) with linespoints title "ok + 1", "$work/b.dat" using 1:(\$7+1) with linespoints title "errors + 1"
unset logscale y
set ylabel "probe latency (ms)"
set xlabel "seconds since the start"
plot "$work/b.dat" using 1:9 with linespoints title "p50", "$work/b.dat" using 1:10 with linespoints title "p99"
unset multiplot
EOF
echo "soak: plot $OUT/soak.png" >&2
exit $verdict
