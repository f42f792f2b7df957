#!/usr/bin/env bash
# examples/bench/bench.sh: Tandem beside HAProxy, in one run, on this machine.
#
#   wrk --> proxy --> two single-worker Nginx backends, all on 127.0.0.1, nothing pinned.
#
# Starts two Nginx backends, HAProxy with nbthread 1 and with nbthread 2 (each with an http and
# a tcp frontend) and Tandem (./tandem run, http and tcp frontends, access log off), waits until
# each answers through every frontend, warms them up (not recorded), then runs wrk for every
# scenario against every target, interleaved (run 1 of every target, then run 2, ...), so that a
# disturbance of the machine hits all of them alike. Then the memory probe: idle keep-alive
# client connections held open against Tandem and HAProxy, RSS (and Tandem's heap after a full
# GC) before and after. Finally the Markdown table and the bar chart.
#
# Results go to examples/bench/results/<date>/ (table results.md, results.json, chart.png, the
# raw wrk outputs and CPU counters under raw/, versions and settings in env.txt).
#
# Usage: examples/bench/bench.sh [options]
#   --duration S      seconds per wrk run (default 10)
#   --runs N          runs per scenario and target; the median is reported (default 3)
#   --warmup S        seconds of unrecorded warm-up load per proxy and mode (default 20)
#   --scenarios LIST  comma-separated subset of: ka64-3b,ka64-4k,ka1000-3b,ka1000-4k,close64-3b
#   --targets LIST    comma-separated subset of: direct,haproxy1-http,haproxy2-http,tandem-http,
#                     haproxy1-tcp,haproxy2-tcp,tandem-tcp
#   --no-memory       skip the idle-connection memory probe
#   --out DIR         write the results to DIR instead of examples/bench/results/<date>
#   --label TEXT      a note recorded in env.txt and the table's heading
# Environment:
#   TANDEM_CMD        how to run tandem (default: the ./tandem script at the repository root;
#                     e.g. TANDEM_CMD=/opt/tandem/bin/tandem for an installed tarball)
#   TANDEM_JAVA_OPTS  passed on to tandem (JVM options; default: the launcher's own)
#   BENCH_PORT_BASE   ports used are BASE+81 .. BASE+290 on 127.0.0.1 (default 18000)
#   KEEP_WORK=1       keep the scratch directory (configs, logs) after the run
#
# Every process this script starts is stopped by its PID on exit (normal end, error or Ctrl-C);
# every load run is bounded (wrk -d, itself under timeout). It is not part of the test suite.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/../.." && pwd)"

DURATION=10
RUNS=3
WARMUP=20
SCENARIOS="ka64-3b,ka64-4k,ka1000-3b,ka1000-4k,close64-3b"
TARGETS="direct,haproxy1-http,haproxy2-http,tandem-http,haproxy1-tcp,haproxy2-tcp,tandem-tcp"
MEMORY=1
OUT=""
LABEL=""

die() {
  echo "bench: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
}

while (($#)); do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --no-memory) MEMORY=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --label) LABEL="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench: unknown option $1" >&2; usage ;;
  esac
done
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 ]] || die "--duration must be a whole number of seconds"
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]] || die "--runs must be at least 1"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup must be a whole number of seconds"

# ---- scenarios: name -> connections, path, extra wrk arguments -------------------------------
declare -A CONNS=([ka64-3b]=64 [ka64-4k]=64 [ka1000-3b]=1000 [ka1000-4k]=1000 [close64-3b]=64)
declare -A PATHS=([ka64-3b]=/3b [ka64-4k]=/4k [ka1000-3b]=/3b [ka1000-4k]=/4k [close64-3b]=/3b)
declare -A CLOSE=([close64-3b]=1)
IFS=, read -r -a scenario_list <<<"$SCENARIOS"
IFS=, read -r -a target_list <<<"$TARGETS"
for s in "${scenario_list[@]}"; do [[ -n "${CONNS[$s]:-}" ]] || die "unknown scenario $s"; done
for t in "${target_list[@]}"; do
  case "$t" in direct|haproxy[12]-http|haproxy[12]-tcp|tandem-http|tandem-tcp) ;; *) die "unknown target $t" ;; esac
done

# ---- prerequisites: installed when missing (Debian packages) ---------------------------------
missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v wrk >/dev/null || missing+=(wrk)
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
command -v jcmd >/dev/null && command -v jstat >/dev/null || missing+=(openjdk-17-jdk-headless)
if ((${#missing[@]})); then
  echo "bench: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root or sudo to install ${missing[*]}"
    sudo="sudo"
  fi
  command -v apt-get >/dev/null || die "install ${missing[*]} (no apt-get here)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 \
    || { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; } \
    || die "could not install ${missing[*]}"
fi

TANDEM_CMD="${TANDEM_CMD:-$root/tandem}"
# Builds tandem on first use (./tandem does), so that no build time counts against its start.
tandem_version="$($TANDEM_CMD version 2>/dev/null | tail -1)" || die "'$TANDEM_CMD version' failed: cannot build or run tandem"

# ---- ports, fixed and checked ------------------------------------------------------------------
base="${BENCH_PORT_BASE:-18000}"
NGINX1=$((base + 81)); NGINX2=$((base + 82))
HAP1_HTTP=$((base + 181)); HAP2_HTTP=$((base + 182)); HAP1_TCP=$((base + 191)); HAP2_TCP=$((base + 192))
T_HTTP=$((base + 281)); T_TCP=$((base + 282)); T_ADMIN=$((base + 290))
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $NGINX1 $NGINX2 $HAP1_HTTP $HAP2_HTTP $HAP1_TCP $HAP2_TCP $T_HTTP $T_TCP $T_ADMIN; do
  if in_use "$p"; then
    die "port $p on 127.0.0.1 is in use: stop what listens there or set BENCH_PORT_BASE (ports BASE+81 to BASE+290)"
  fi
done

# ---- file descriptors: the idle probe needs two per connection in HAProxy ----------------------
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
[[ "$nofile" == unlimited ]] && nofile=1048576
# HAProxy reserves 2 descriptors per maxconn (client and server side) and refuses to start
# beyond the limit, so the probe holds 10000 connections where the limit allows it, fewer otherwise.
IDLE=$(( ((nofile - 100) / 2 - 50) / 100 * 100 ))
((IDLE > 10000)) && IDLE=10000
((IDLE >= 1000)) || die "the open-files limit ($nofile) is too low; raise it (ulimit -n) to 20300 or more"
HAP_MAXCONN=$((IDLE + 50))
NGINX_NOFILE=$(( nofile < 30000 ? nofile : 30000 ))

# ---- scratch directory, results directory ------------------------------------------------------
work="$(mktemp -d /tmp/tandem-bench.XXXXXX)"
mkdir -p "$work/logs" "$work/www" "$work/nginx1" "$work/nginx2"
printf 'ok\n' | head -c 3 >"$work/www/3b"
head -c 4096 /dev/zero | tr '\0' 'x' >"$work/www/4k"
if [[ -z "$OUT" ]]; then
  OUT="$here/results/$(date +%F)"
  n=2
  while [[ -e "$OUT" ]]; do OUT="$here/results/$(date +%F)-$n"; n=$((n + 1)); done
fi
mkdir -p "$OUT/raw"
OUT="$(cd "$OUT" && pwd)"

# ---- processes: started in the background, recorded, stopped by PID ---------------------------
declare -a PIDS=()
declare -A PID_OF=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then
    echo "bench: scratch directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# start NAME COMMAND...: runs COMMAND in the background with its output in logs/NAME.log.
start() {
  local name="$1"
  shift
  "$@" >"$work/logs/$name.log" 2>&1 &
  PIDS+=("$!")
  PID_OF[$name]=$!
}

forget() { # forget PID: stop one process started by start and remove it from the list
  local pid="$1" keep=() p
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# wait_ready NAME URL: until URL answers 200 twenty times in a row (both servers behind a
# round-robin proxy), within 60 s; fails if NAME's process has exited.
wait_ready() {
  local name="$1" url="$2" ok=0 deadline=$((SECONDS + 60))
  while ((ok < 20)); do
    kill -0 "${PID_OF[$name]}" 2>/dev/null || die "$name exited at start; its log: $(tail -5 "$work/logs/$name.log")"
    ((SECONDS < deadline)) || die "$name did not answer $url within 60 s; its log: $(tail -5 "$work/logs/$name.log")"
    if curl -sf -m 2 -o /dev/null "$url"; then ok=$((ok + 1)); else ok=0; sleep 0.2; fi
  done
}

subst() { # subst TEMPLATE OUTPUT KEY=VALUE...
  local in="$1" out="$2" expr=() kv
  shift 2
  for kv in "$@" "WORK=$work"; do expr+=(-e "s#@${kv%%=*}@#${kv#*=}#g"); done
  sed "${expr[@]}" "$in" >"$out"
}

for n in 1 2; do
  port_var="NGINX$n"
  subst "$here/conf/nginx.conf.in" "$work/nginx$n.conf" N=$n PORT=${!port_var} NOFILE=$NGINX_NOFILE
  start "nginx$n" nginx -p "$work" -c "$work/nginx$n.conf"
done
wait_ready nginx1 "http://127.0.0.1:$NGINX1/3b"
wait_ready nginx2 "http://127.0.0.1:$NGINX2/3b"

for n in 1 2; do
  http_var="HAP${n}_HTTP"; tcp_var="HAP${n}_TCP"
  subst "$here/conf/haproxy.cfg.in" "$work/haproxy$n.cfg" THREADS=$n MAXCONN=$HAP_MAXCONN \
    HTTP_PORT=${!http_var} TCP_PORT=${!tcp_var} NGINX1=$NGINX1 NGINX2=$NGINX2
  start "haproxy$n" haproxy -db -f "$work/haproxy$n.cfg"
done

subst "$here/conf/tandem.yaml.in" "$work/tandem.yaml" HTTP_PORT=$T_HTTP TCP_PORT=$T_TCP ADMIN_PORT=$T_ADMIN \
  MAXCONN=20000 NGINX1=$NGINX1 NGINX2=$NGINX2
# TANDEM_CMD is split into words on purpose (it may carry arguments).
# shellcheck disable=SC2086
start tandem $TANDEM_CMD run -c "$work/tandem.yaml"

for n in 1 2; do
  http_var="HAP${n}_HTTP"; tcp_var="HAP${n}_TCP"
  wait_ready "haproxy$n" "http://127.0.0.1:${!http_var}/3b"
  wait_ready "haproxy$n" "http://127.0.0.1:${!tcp_var}/3b"
done
wait_ready tandem "http://127.0.0.1:$T_HTTP/3b"
wait_ready tandem "http://127.0.0.1:$T_TCP/3b"
echo "bench: all up (nginx $NGINX1 $NGINX2, haproxy nbthread 1 $HAP1_HTTP/$HAP1_TCP, nbthread 2 $HAP2_HTTP/$HAP2_TCP, tandem $T_HTTP/$T_TCP)" >&2

# ---- the record of versions and settings ----------------------------------------------------------
tpid="${PID_OF[tandem]}"
{
  echo "date: $(date -Is)"
  [[ -n "$LABEL" ]] && echo "label: $LABEL"
  echo "host: $(uname -srm), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "tandem: $tandem_version ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- lb-core lb-admin 2>/dev/null || echo ', with uncommitted changes'))"
  echo "tandem command: $TANDEM_CMD; TANDEM_JAVA_OPTS=${TANDEM_JAVA_OPTS:-}"
  echo "tandem JVM options: $(jcmd "$tpid" VM.command_line 2>/dev/null | sed -n 's/^jvm_args: //p')"
  echo "tandem JVM flags: $(jcmd "$tpid" VM.flags 2>/dev/null | tail -1)"
  echo "tandem event loops: $(grep -o '([0-9]* event loops)' "$work/logs/tandem.log" | head -1 | tr -d '()')"
  echo "java: $(java -version 2>&1 | sed -n 2p)"
  echo "nginx: $(nginx -v 2>&1 | sed 's/.*: //'), 1 worker each"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), 2 threads"
  echo "duration: ${DURATION}s x $RUNS runs, warm-up ${WARMUP}s; idle probe: $IDLE connections"
} >"$OUT/env.txt"

# ---- load ----------------------------------------------------------------------------------------
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }   # utime+stime, all threads
clk_tck=$(getconf CLK_TCK)

port_of() {
  case "$1" in
    direct) echo "$NGINX1" ;;
    haproxy1-http) echo "$HAP1_HTTP" ;; haproxy2-http) echo "$HAP2_HTTP" ;;
    haproxy1-tcp) echo "$HAP1_TCP" ;; haproxy2-tcp) echo "$HAP2_TCP" ;;
    tandem-http) echo "$T_HTTP" ;; tandem-tcp) echo "$T_TCP" ;;
  esac
}
pid_of() {
  case "$1" in
    direct) echo "" ;;
    haproxy1-*) echo "${PID_OF[haproxy1]}" ;; haproxy2-*) echo "${PID_OF[haproxy2]}" ;;
    tandem-*) echo "$tpid" ;;
  esac
}

# wrk_run SECONDS CONNS PATH CLOSE PORT OUTFILE: one bounded wrk run; its CPU time into OUTFILE.time
wrk_run() {
  local secs="$1" conns="$2" path="$3" close="$4" port="$5" out="$6" hdr=()
  [[ "$close" == 1 ]] && hdr=(-H "Connection: close")
  local TIMEFORMAT='%U %S'
  { time timeout $((secs + 30)) wrk -t2 -c"$conns" -d"${secs}s" --latency "${hdr[@]}" \
      "http://127.0.0.1:$port$path" >"$out" 2>&1 || echo "wrk exit status $?" >>"$out"; } 2>"$out.time"
}

warm() { # warm TARGET SECONDS: unrecorded load over both bodies and both connection counts
  local port secs="$2"
  port=$(port_of "$1")
  ((secs > 0)) || return 0
  wrk_run "$secs" 64 /3b 0 "$port" "$work/warm.out"
  wrk_run $(((secs + 3) / 4)) 1000 /4k 0 "$port" "$work/warm.out"
  wrk_run $(((secs + 3) / 4)) 64 /3b 1 "$port" "$work/warm.out"
}
# The JVM compiles its hot paths during the first seconds of load: Tandem gets the whole warm-up,
# the others (nothing to compile) a short one that fills their caches and connection pools.
echo "bench: warming up (not recorded)" >&2
for t in "${target_list[@]}"; do
  if [[ "$t" == tandem-* ]]; then warm "$t" "$WARMUP"; else warm "$t" $((WARMUP < 3 ? WARMUP : 3)); fi
done

total=$(( ${#scenario_list[@]} * RUNS * ${#target_list[@]} ))
i=0
for s in "${scenario_list[@]}"; do
  mkdir -p "$OUT/raw/$s"
  for r in $(seq "$RUNS"); do
    for t in "${target_list[@]}"; do
      i=$((i + 1))
      port=$(port_of "$t")
      pid=$(pid_of "$t")
      base_out="$OUT/raw/$s/$t.$r"
      p0=0; [[ -n "$pid" ]] && p0=$(ticks "$pid")
      n0=$(( $(ticks "${PID_OF[nginx1]}") + $(ticks "${PID_OF[nginx2]}") ))
      wrk_run "$DURATION" "${CONNS[$s]}" "${PATHS[$s]}" "${CLOSE[$s]:-0}" "$port" "$base_out.wrk"
      p1=0; [[ -n "$pid" ]] && p1=$(ticks "$pid")
      n1=$(( $(ticks "${PID_OF[nginx1]}") + $(ticks "${PID_OF[nginx2]}") ))
      read -r wu ws <"$base_out.wrk.time" || { wu=0; ws=0; }
      rm -f "$base_out.wrk.time"
      echo "duration=$DURATION clk_tck=$clk_tck proxy_ticks=$((p1 - p0)) nginx_ticks=$((n1 - n0)) wrk_user=$wu wrk_sys=$ws" >"$base_out.cpu"
      printf 'bench: [%3d/%d] %-10s %-14s run %d: %10s req/s, p99 %s\n' "$i" "$total" "$s" "$t" "$r" \
        "$(awk '/^Requests\/sec/{print $2}' "$base_out.wrk")" "$(awk '$1=="99%"{print $2}' "$base_out.wrk")" >&2
      sleep 1
    done
  done
done

# ---- memory: idle keep-alive client connections ----------------------------------------------------
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
heap_kb() { # used heap (all generations) in KiB, from jstat's *U columns
  jstat -gc "$1" | awk 'NR==1{for(i=1;i<=NF;i++)h[i]=$i} NR==2{s=0; for(i=1;i<=NF;i++) if(h[i] ~ /^(S0U|S1U|EU|OU)$/) s+=$i; printf "%d\n", s}'
}
full_gc() { jcmd "$1" GC.run >/dev/null; sleep 2; }

probe() { # probe NAME PID PORT
  local name="$1" pid="$2" port="$3" rss0 rss1 heap0="" heap1="" ready="$work/idle.ready"
  [[ "$name" == tandem ]] && { full_gc "$pid"; heap0=$(heap_kb "$pid"); }
  rss0=$(rss_kb "$pid")
  rm -f "$ready"
  start "idle-$name" python3 "$here/idle_clients.py" --port "$port" --count "$IDLE" --ready-file "$ready" --hold 300
  local cpid="${PID_OF[idle-$name]}" deadline=$((SECONDS + 180))
  until [[ -s "$ready" ]]; do
    kill -0 "$cpid" 2>/dev/null || die "idle client against $name failed: $(tail -3 "$work/logs/idle-$name.log")"
    ((SECONDS < deadline)) || die "idle client against $name did not get its $IDLE connections in 180 s"
    sleep 0.5
  done
  sleep 3
  [[ "$name" == tandem ]] && { full_gc "$pid"; heap1=$(heap_kb "$pid"); }
  rss1=$(rss_kb "$pid")
  echo "$name $IDLE $rss0 $rss1 $heap0 $heap1" >>"$OUT/raw/memory.txt"
  forget "$cpid"
  sleep 2
}
if [[ "$MEMORY" == 1 ]]; then
  echo "bench: memory probe: $IDLE idle keep-alive connections" >&2
  echo "# name connections rss_before_kib rss_after_kib heap_before_kib heap_after_kib" >"$OUT/raw/memory.txt"
  probe tandem "$tpid" "$T_HTTP"
  probe haproxy1 "${PID_OF[haproxy1]}" "$HAP1_HTTP"
  probe haproxy2 "${PID_OF[haproxy2]}" "$HAP2_HTTP"
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/env.txt"
cp "$work/tandem.yaml" "$work/haproxy1.cfg" "$work/haproxy2.cfg" "$work/nginx1.conf" "$OUT/raw/"
python3 "$here/report.py" "$OUT"
echo "bench: results in $OUT" >&2
