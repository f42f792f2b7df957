#!/usr/bin/env bash
# examples/bench/curves.sh: how Tandem's cost grows with the work, beside HAProxy (nbthread 2), in
# one run on this machine. Every point of a curve runs against both proxies, interleaved (run 1
# of every target at a point, then run 2, ...), and the curves are reported as Tandem/HAProxy ratios.
#
#   connections   wrk -c 16 .. 10000, keep-alive, 3-byte body, http: requests/s and p99
#   size          body 0 B .. 1 MiB, keep-alive, 64 connections, http and tcp: requests/s, Gbit/s
#   servers       a backend of 2 .. 1000 servers (roundrobin, no health checks), 64 connections,
#                 http: requests/s (the servers: two Nginx listening on 500 ports each)
#   frontends     a file of 1 .. 1000 frontends, each with its own backend of the two Nginx: start
#                 time (process start -> every port accepts), reload time (SIGHUP for Tandem,
#                 SIGUSR2 to HAProxy's master -> a frontend the new file adds answers), RSS; Tandem
#                 also without its warm-up at start (TANDEM_WARMUP=off), to show its share
#   jvm           (only when named) Tandem with each of the JVM option sets of --jvm-sets, side by
#                 side: ka64-3b and ka1000-3b requests/s, RSS at start and with idle connections
#
# wrk -> proxy -> two single-worker Nginx, all on 127.0.0.1 (as bench.sh). The processes, the
# wrk runs and the CPU counters are bench.sh's (lib.sh); the configs come from examples/bench/conf.
# Results: examples/bench/results/curves-<date>/: results.md (tables), one PNG per curve,
# results.json, env.txt (versions, load average), raw/ (every wrk output, times, configs).
#
# Usage: examples/bench/curves.sh [options]
#   --curves LIST     comma-separated: connections,size,servers,frontends (default: those four), jvm
#   --duration S      seconds per wrk run (default 5)
#   --runs N          runs per point and target, the median is reported (default 3)
#   --warmup S        seconds of unrecorded load per Tandem listener (default 20; HAProxy 3)
#   --frontends LIST  the frontends curve's points (default 1,10,100,1000)
#   --jvm-sets LIST   for the jvm curve: NAME=OPTIONS entries separated by ';', each a Tandem
#                     started with TANDEM_JAVA_OPTS=OPTIONS (default: the launcher's defaults, the
#                     old ones and two serial sets, see JVM_SETS below)
#   --out DIR         write the results to DIR
#   --label TEXT      a note recorded in env.txt and the table's heading
# Environment: TANDEM_CMD, TANDEM_JAVA_OPTS, BENCH_PORT_BASE (ports BASE+81 .. BASE+4001 on
# 127.0.0.1, default 18000), KEEP_WORK=1, as for bench.sh.
#
# Every process this script starts is stopped by its PID on exit; every wrk run is bounded.
# It is not part of the test suite.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PROG=curves
# shellcheck source=examples/bench/lib.sh
source "$here/lib.sh"

CURVES="connections,size,servers,frontends"
DURATION=5
RUNS=3
WARMUP=20
OUT=""
LABEL=""
FRONTEND_POINTS=(1 10 100 1000)
# The jvm curve's default sets: the launcher's defaults, the defaults before the footprint study
# in docs/performance.md ("Memory"), and the two serial sets it measured.
JVM_SETS="launcher=;old=-XX:+UseParallelGC -Xms256m -Xmx512m -XX:TrimNativeHeapInterval=0"
JVM_SETS+=";serial=-XX:+UseSerialGC -Xms32m -Xmx512m -Xmn16m -XX:TrimNativeHeapInterval=5000"
JVM_SETS+=";serial-1m-chunks=-XX:+UseSerialGC -Xms32m -Xmx512m -Xmn16m -XX:TrimNativeHeapInterval=5000 -Dio.netty.allocator.maxOrder=7"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
}
while (($#)); do
  case "$1" in
    --curves) CURVES="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --frontends) IFS=, read -r -a FRONTEND_POINTS <<<"$2"; shift 2 ;;
    --jvm-sets) JVM_SETS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --label) LABEL="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "curves: unknown option $1" >&2; usage ;;
  esac
done
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 ]] || die "--duration must be a whole number of seconds"
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]] || die "--runs must be at least 1"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup must be a whole number of seconds"
IFS=, read -r -a curve_list <<<"$CURVES"
for c in "${curve_list[@]}"; do
  case "$c" in connections|size|servers|frontends|jvm) ;; *) die "unknown curve $c" ;; esac
done
wants() { [[ " ${curve_list[*]} " == *" $1 "* ]]; }
for n in "${FRONTEND_POINTS[@]}"; do [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 1000 ]] || die "--frontends: $n is not a number from 1 to 1000"; done

# The points of each curve.
CONN_POINTS=(16 64 256 1000 4000 10000)
SIZE_POINTS=(0b 1k 16k 128k 1m)
declare -A SIZE_BYTES=([0b]=0 [1k]=1024 [16k]=16384 [128k]=131072 [1m]=1048576)
SERVER_POINTS=(2 10 100 1000)

missing=()
for tool in nginx haproxy wrk gnuplot python3 curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
command -v jcmd >/dev/null && command -v jstat >/dev/null || missing+=(openjdk-17-jdk-headless)
if ((${#missing[@]})); then
  pkgs=("${missing[@]/gnuplot/gnuplot-nox}")
  pkgs=("${pkgs[@]/nginx/nginx-light}")
  echo "curves: installing ${pkgs[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >&2 || die "could not install ${pkgs[*]}"
fi
TANDEM_CMD="${TANDEM_CMD:-$root/tandem}"
tandem_version="$($TANDEM_CMD version 2>/dev/null | tail -1)" || die "'$TANDEM_CMD version' failed: cannot build or run tandem"

# 10 000 client connections need 10 000 descriptors in wrk and in Tandem, and 20 000 or more in
# HAProxy (it reserves two per maxconn): raise the limit for the processes started here.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
[[ "$nofile" == unlimited ]] && nofile=1048576
MAXCONN=$(((nofile - 1200) / 2))
((MAXCONN > 20000)) && MAXCONN=20000
# Where the limit is lower (HAProxy refuses to start when it cannot have 2 per maxconn), the last
# point is the largest whole thousand it allows.
conn_points=()
for c in "${CONN_POINTS[@]}"; do
  if ((c + 100 <= MAXCONN)); then conn_points+=("$c"); else conn_points+=($(((MAXCONN - 100) / 1000 * 1000))); break; fi
done
if wants connections && ((conn_points[-1] < CONN_POINTS[-1])); then
  echo "curves: open-files limit $nofile: the connections curve stops at ${conn_points[-1]}" >&2
fi

# ---- ports -------------------------------------------------------------------------------------
base="${BENCH_PORT_BASE:-18000}"
NGINX1=$((base + 81)); NGINX2=$((base + 82))
HAP_HTTP=$((base + 182)); HAP_TCP=$((base + 192))
T_HTTP=$((base + 281)); T_TCP=$((base + 282)); T_ADMIN=$((base + 290))
SRV_HAP=$((base + 300)); SRV_T=$((base + 310))    # + point index: the servers curve's frontends
JVM_HTTP=$((base + 400)); JVM_TCP=$((base + 420)); JVM_ADMIN=$((base + 440)); JVM_HAP=$((base + 460))
MANY=$((base + 1000))                               # .. +1999: the Nginx ports of the servers curve
FE_T=$((base + 2000)); FE_HAP=$((base + 3001))      # .. +1000 each: the frontends curve (+ the reload's)
FE_ADMIN=$((base + 291))
busy=$(ss -Htln | awk '{n = split($4, a, ":"); print a[n]}' | sort -un)
for p in $busy; do
  ((p >= base + 81 && p <= base + 4001)) && die "port $p (in BENCH_PORT_BASE+81 .. +4001) is in use; set BENCH_PORT_BASE"
done

# ---- scratch and results directories ----------------------------------------------------------------
work="$(mktemp -d /tmp/tandem-curves.XXXXXX)"
mkdir -p "$work/logs" "$work/www" "$work/nginx1/conf.d" "$work/nginx2/conf.d"
printf 'ok\n' | head -c 3 >"$work/www/3b"
for s in "${SIZE_POINTS[@]}"; do head -c "${SIZE_BYTES[$s]}" /dev/zero | tr '\0' 'x' >"$work/www/$s"; done
if [[ -z "$OUT" ]]; then
  OUT="$here/results/curves-$(date +%F)"
  n=2
  while [[ -e "$OUT" ]]; do OUT="$here/results/curves-$(date +%F)-$n"; n=$((n + 1)); done
fi
mkdir -p "$OUT/raw"
OUT="$(cd "$OUT" && pwd)"
cleanup() {
  stop_all
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "curves: scratch directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'echo "curves: interrupted" >&2; exit 130' INT TERM

# ---- the backends: two Nginx, each also on 500 ports of its own for the servers curve -------------
nginx_port() { # nginx_port I: the port of server I (0-based) of the servers curve, alternating Nginx
  echo $((MANY + $1 % 2 * 500 + $1 / 2))
}
for n in 1 2; do
  port_var="NGINX$n"
  subst "$here/conf/nginx.conf.in" "$work/nginx$n.conf" N=$n PORT=${!port_var} NOFILE=$((nofile < 65536 ? nofile : 65536))
  if wants servers; then
    {
      echo "# the servers curve: the same files on 500 more ports"
      echo "server {"
      for i in $(seq 0 499); do echo "  listen 127.0.0.1:$((MANY + (n - 1) * 500 + i));"; done
      echo "  root $work/www;"
      echo "}"
    } >"$work/nginx$n/conf.d/many.conf"
  fi
  start "nginx$n" nginx -p "$work" -c "$work/nginx$n.conf"
done
wait_ready nginx1 "http://127.0.0.1:$NGINX1/3b"
wait_ready nginx2 "http://127.0.0.1:$NGINX2/3b"

# ---- configs --------------------------------------------------------------------------------------
# tandem_servers_yaml N NAME PORT INDEX: a backend of N servers and an http frontend on PORT
tandem_servers_yaml() {
  local n="$1" i
  echo "  - name: s$n"
  echo "    mode: http"
  echo "    balance: roundrobin"
  echo "    servers:"
  for i in $(seq 0 $((n - 1))); do echo "      - { name: n$i, address: \"127.0.0.1:$(nginx_port "$i")\" }"; done
}
haproxy_servers_cfg() { # haproxy_servers_cfg N PORT
  local n="$1" i
  printf 'frontend s%s\n  mode http\n  bind 127.0.0.1:%s\n  option forwardfor\n  default_backend s%s\n' "$n" "$2" "$n"
  printf 'backend s%s\n  mode http\n  balance roundrobin\n  http-reuse always\n' "$n"
  for i in $(seq 0 $((n - 1))); do echo "  server n$i 127.0.0.1:$(nginx_port "$i")"; done
}

# The long-running pair for the connections, size and servers curves: bench.sh's configs (http
# and tcp frontends, health checks on the two Nginx), plus a frontend per servers-curve point.
LONG=0
{ wants connections || wants size || wants servers; } && LONG=1
if ((LONG)); then
  subst "$here/conf/haproxy.cfg.in" "$work/haproxy.cfg" THREADS=2 MAXCONN=$MAXCONN \
    HTTP_PORT=$HAP_HTTP TCP_PORT=$HAP_TCP NGINX1=$NGINX1 NGINX2=$NGINX2
  subst "$here/conf/tandem.yaml.in" "$work/tandem.yaml" HTTP_PORT=$T_HTTP TCP_PORT=$T_TCP ADMIN_PORT=$T_ADMIN \
    MAXCONN=$MAXCONN NGINX1=$NGINX1 NGINX2=$NGINX2
  if wants servers; then
    for k in "${!SERVER_POINTS[@]}"; do
      haproxy_servers_cfg "${SERVER_POINTS[$k]}" $((SRV_HAP + k)) >>"$work/haproxy.cfg"
      tandem_servers_yaml "${SERVER_POINTS[$k]}" >>"$work/tandem-servers-backends.yaml"
      printf '  - { name: s%s, mode: http, bind: ["127.0.0.1:%s"], default_backend: s%s, access_log: { target: off } }\n' \
        "${SERVER_POINTS[$k]}" $((SRV_T + k)) "${SERVER_POINTS[$k]}" >>"$work/tandem-servers-frontends.yaml"
    done
    sed -i -e "/@POLICY_BACKEND@/{r $work/tandem-servers-backends.yaml" -e "d}" "$work/tandem.yaml"
    cat "$work/tandem-servers-frontends.yaml" >>"$work/tandem.yaml"
  else
    sed -i "/@POLICY_BACKEND@/d" "$work/tandem.yaml"
  fi
  start haproxy haproxy -db -f "$work/haproxy.cfg"
  # TANDEM_CMD is split into words on purpose (it may carry arguments).
  # shellcheck disable=SC2086
  start tandem $TANDEM_CMD run -c "$work/tandem.yaml"
  for t in haproxy tandem; do
    if [[ $t == haproxy ]]; then h=$HAP_HTTP; c=$HAP_TCP; s=$SRV_HAP; else h=$T_HTTP; c=$T_TCP; s=$SRV_T; fi
    wait_ready "$t" "http://127.0.0.1:$h/3b"
    wait_ready "$t" "http://127.0.0.1:$c/3b"
    if wants servers; then
      for k in "${!SERVER_POINTS[@]}"; do wait_ready "$t" "http://127.0.0.1:$((s + k))/3b"; done
    fi
  done
  cp "$work/haproxy.cfg" "$work/tandem.yaml" "$OUT/raw/"
fi

tpid="${PID_OF[tandem]:-}"
{
  echo "date: $(date -Is)"
  [[ -n "$LABEL" ]] && echo "label: $LABEL"
  echo "host: $(uname -srm), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "curves: ${curve_list[*]}; duration ${DURATION}s x $RUNS runs, warm-up ${WARMUP}s; open files $nofile"
  echo "tandem: $tandem_version ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- lb-core lb-admin 2>/dev/null || echo ', with uncommitted changes'))"
  echo "tandem command: $TANDEM_CMD; TANDEM_JAVA_OPTS=${TANDEM_JAVA_OPTS:-}"
  [[ -z "$tpid" ]] || echo "tandem JVM options: $(jcmd "$tpid" VM.command_line 2>/dev/null | sed -n 's/^jvm_args: //p')"
  ! wants jvm || echo "jvm sets: $JVM_SETS"
  echo "java: $(java -version 2>&1 | sed -n 2p)"
  echo "nginx: $(nginx -v 2>&1 | sed 's/.*: //'), 1 worker each"
  echo "haproxy: $(haproxy -v | head -1), nbthread 2, maxconn $MAXCONN"
  echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), 2 threads"
} >"$OUT/env.txt"

# ---- load ---------------------------------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
# measure CURVE POINT TARGET RUN CONNS URL PID: one wrk run against the proxy PID, its output and
# the CPU split under raw/CURVE/POINT/
measure() {
  local dir="$OUT/raw/$1/$2" pid="$7" p0 p1 n0 n1 wu ws
  mkdir -p "$dir"
  p0=$(ticks "$pid"); n0=$(($(ticks "${PID_OF[nginx1]}") + $(ticks "${PID_OF[nginx2]}")))
  wrk_run "$DURATION" "$5" "$6" 0 "$dir/$3.$4.wrk"
  p1=$(ticks "$pid"); n1=$(($(ticks "${PID_OF[nginx1]}") + $(ticks "${PID_OF[nginx2]}")))
  read -r wu ws <"$dir/$3.$4.wrk.time" || { wu=0; ws=0; }
  rm -f "$dir/$3.$4.wrk.time"
  echo "duration=$DURATION clk_tck=$clk_tck proxy_ticks=$((p1 - p0)) nginx_ticks=$((n1 - n0)) wrk_user=$wu wrk_sys=$ws" >"$dir/$3.$4.cpu"
  printf 'curves: %-11s %-6s %-12s run %d: %10s req/s, p99 %s\n' "$1" "$2" "$3" "$4" \
    "$(awk '/^Requests\/sec/{print $2}' "$dir/$3.$4.wrk")" "$(awk '$1=="99%"{print $2}' "$dir/$3.$4.wrk")" >&2
  sleep 1
}
port_of() { # port_of TARGET: tandem-http, tandem-tcp, haproxy-http, haproxy-tcp
  case "$1" in
    tandem-http) echo "$T_HTTP" ;; tandem-tcp) echo "$T_TCP" ;; haproxy-http) echo "$HAP_HTTP" ;; haproxy-tcp) echo "$HAP_TCP" ;;
  esac
}
warm() { # warm TARGET URL CONNS: unrecorded load, the whole warm-up for Tandem, 3 s for HAProxy
  local secs=$WARMUP
  [[ "$1" == tandem* ]] || secs=$((WARMUP < 3 ? WARMUP : 3))
  ((secs > 0)) || return 0
  wrk_run "$secs" "$3" "$2" 0 "$work/warm.out"
}

if ((LONG)); then
  echo "curves: warming up (not recorded)" >&2
  for t in tandem-http tandem-tcp haproxy-http haproxy-tcp; do
    warm "$t" "http://127.0.0.1:$(port_of "$t")/3b" 64
    if wants size; then warm "$t" "http://127.0.0.1:$(port_of "$t")/16k" 64; fi
  done
  if wants connections; then
    for t in tandem-http haproxy-http; do warm "$t" "http://127.0.0.1:$(port_of "$t")/3b" "${conn_points[-1]}"; done
  fi
  if wants servers; then
    for k in "${!SERVER_POINTS[@]}"; do
      warm tandem "http://127.0.0.1:$((SRV_T + k))/3b" 64
      warm haproxy "http://127.0.0.1:$((SRV_HAP + k))/3b" 64
    done
  fi
fi

if wants connections; then
  for c in "${conn_points[@]}"; do
    for r in $(seq "$RUNS"); do
      for t in tandem-http haproxy-http; do measure connections "$c" "$t" "$r" "$c" "http://127.0.0.1:$(port_of "$t")/3b" "${PID_OF[${t%-*}]}"; done
    done
  done
fi
if wants size; then
  for s in "${SIZE_POINTS[@]}"; do
    for r in $(seq "$RUNS"); do
      for t in tandem-http haproxy-http tandem-tcp haproxy-tcp; do
        measure size "$s" "$t" "$r" 64 "http://127.0.0.1:$(port_of "$t")/$s" "${PID_OF[${t%-*}]}"
      done
    done
  done
fi
if wants servers; then
  for k in "${!SERVER_POINTS[@]}"; do
    for r in $(seq "$RUNS"); do
      measure servers "${SERVER_POINTS[$k]}" tandem-http "$r" 64 "http://127.0.0.1:$((SRV_T + k))/3b" "${PID_OF[tandem]}"
      measure servers "${SERVER_POINTS[$k]}" haproxy-http "$r" 64 "http://127.0.0.1:$((SRV_HAP + k))/3b" "${PID_OF[haproxy]}"
    done
  done
fi
if ((LONG)); then
  forget "${PID_OF[tandem]}"
  forget "${PID_OF[haproxy]}"
fi

# ---- frontends and backends in one file: start, reload, memory ----------------------------------------
# fe_configs N: tandem-N.yaml, haproxy-N.cfg with N frontends, each with its own backend of the two
# Nginx (no health checks), and their reloaded forms (-reload): one more frontend, on the port
# after the last, to the first backend.
fe_configs() {
  local n="$1" i
  {
    printf 'node: curves\nadmin:\n  listen: 127.0.0.1:%s\nbackends:\n' "$FE_ADMIN"
    for i in $(seq 0 $((n - 1))); do
      printf '  - { name: b%s, mode: http, servers: [{ name: n1, address: "127.0.0.1:%s" }, { name: n2, address: "127.0.0.1:%s" }] }\n' "$i" "$NGINX1" "$NGINX2"
    done
    echo "frontends:"
    for i in $(seq 0 $((n - 1))); do
      printf '  - { name: f%s, mode: http, bind: ["127.0.0.1:%s"], default_backend: b%s, access_log: { target: off } }\n' "$i" $((FE_T + i)) "$i"
    done
  } >"$work/tandem-$n.yaml"
  cp "$work/tandem-$n.yaml" "$work/tandem-$n-reload.yaml"
  printf '  - { name: f%s, mode: http, bind: ["127.0.0.1:%s"], default_backend: b0, access_log: { target: off } }\n' "$n" $((FE_T + n)) >>"$work/tandem-$n-reload.yaml"
  {
    printf 'global\n  maxconn 1000\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n'
    for i in $(seq 0 $((n - 1))); do
      printf 'frontend f%s\n  bind 127.0.0.1:%s\n  default_backend b%s\n' "$i" $((FE_HAP + i)) "$i"
      printf 'backend b%s\n  server n1 127.0.0.1:%s\n  server n2 127.0.0.1:%s\n' "$i" "$NGINX1" "$NGINX2"
    done
  } >"$work/haproxy-$n.cfg"
  cp "$work/haproxy-$n.cfg" "$work/haproxy-$n-reload.cfg"
  printf 'frontend f%s\n  bind 127.0.0.1:%s\n  default_backend b0\n' "$n" $((FE_HAP + n)) >>"$work/haproxy-$n-reload.cfg"
}
now_ms() { local t="${EPOCHREALTIME/./}"; echo $((t / 1000)); }
# fe_run PROXY N RUN: start with N frontends, time until every port accepts, RSS; reload into the
# file with one frontend more, time until it answers, RSS; stop. One line of raw/frontends/times.txt.
# The port poller (wait_ports.py) is up before the proxy starts, so its own start does not count.
fe_run() {
  local proxy="$1" n="$2" r="$3" first cfg t0 t1 t2 t3 rss0 rss1 pid wpid
  if [[ $proxy == tandem* ]]; then first=$FE_T; cfg="$work/fe.yaml"; cp "$work/tandem-$n.yaml" "$cfg"
  else first=$FE_HAP; cfg="$work/fe.cfg"; cp "$work/haproxy-$n.cfg" "$cfg"; fi
  rm -f "$work/poll.started"
  start poll python3 "$here/wait_ports.py" --first "$first" --count "$n" --timeout 120 --started-file "$work/poll.started"
  wpid="${PID_OF[poll]}"
  until [[ -e "$work/poll.started" ]]; do kill -0 "$wpid" 2>/dev/null || die "wait_ports.py failed"; sleep 0.05; done
  t0=$(now_ms)
  if [[ $proxy == tandem-nowarmup ]]; then
    # shellcheck disable=SC2086
    TANDEM_WARMUP=off start fe $TANDEM_CMD run -c "$cfg"
  elif [[ $proxy == tandem ]]; then
    # shellcheck disable=SC2086
    start fe $TANDEM_CMD run -c "$cfg"
  else
    # Master-worker (-W): SIGUSR2 makes the master read the file again and start a new worker.
    start fe haproxy -W -db -f "$cfg"
  fi
  pid="${PID_OF[fe]}"
  while kill -0 "$wpid" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || die "$proxy with $n frontends exited at start: $(tail -3 "$work/logs/fe.log")"
    sleep 0.05
  done
  wait "$wpid" || die "$proxy with $n frontends did not accept on every port: $(tail -3 "$work/logs/poll.log")"
  forget "$wpid"
  t1=$(tail -1 "$work/logs/poll.log")
  sleep 2
  rss0=$(rss_kb "$pid")
  if [[ $proxy == tandem* ]]; then cp "$work/tandem-$n-reload.yaml" "$cfg"; else cp "$work/haproxy-$n-reload.cfg" "$cfg"; fi
  t2=$(now_ms)
  if [[ $proxy == tandem* ]]; then kill -HUP "$pid"; else kill -USR2 "$pid"; fi
  local deadline=$((SECONDS + 120))
  until curl -sf -m 2 -o /dev/null "http://127.0.0.1:$((first + n))/3b"; do
    ((SECONDS < deadline)) || die "$proxy with $n frontends: the reloaded file's frontend did not answer in 120 s"
    sleep 0.01
  done
  t3=$(now_ms)
  sleep 2
  rss1=$(rss_kb "$pid")
  forget "$pid"
  echo "$proxy $n $r $((t1 - t0)) $((t3 - t2)) $rss0 $rss1" >>"$OUT/raw/frontends/times.txt"
  printf 'curves: frontends %-5s %-15s run %d: start %5d ms, reload %5d ms, RSS %d -> %d KiB\n' "$n" "$proxy" "$r" \
    $((t1 - t0)) $((t3 - t2)) "$rss0" "$rss1" >&2
}
if wants frontends; then
  mkdir -p "$OUT/raw/frontends"
  echo "# proxy frontends run start_ms reload_ms rss_start_kib rss_after_reload_kib" >"$OUT/raw/frontends/times.txt"
  for n in "${FRONTEND_POINTS[@]}"; do fe_configs "$n"; done
  cp "$work/tandem-${FRONTEND_POINTS[0]}.yaml" "$work/haproxy-${FRONTEND_POINTS[0]}.cfg" "$OUT/raw/frontends/"
  for n in "${FRONTEND_POINTS[@]}"; do
    for r in $(seq "$RUNS"); do
      fe_run tandem "$n" "$r"
      fe_run tandem-nowarmup "$n" "$r"
      fe_run haproxy "$n" "$r"
    done
  done
fi

# ---- JVM option sets side by side (the footprint study) -----------------------------------------------
if wants jvm; then
  IFS=';' read -r -a sets <<<"$JVM_SETS"
  names=()
  subst "$here/conf/haproxy.cfg.in" "$work/haproxy-jvm.cfg" THREADS=2 MAXCONN=$MAXCONN \
    HTTP_PORT=$JVM_HAP TCP_PORT=$((JVM_HAP + 1)) NGINX1=$NGINX1 NGINX2=$NGINX2
  start haproxy haproxy -db -f "$work/haproxy-jvm.cfg"
  for k in "${!sets[@]}"; do
    name="${sets[$k]%%=*}"; opts="${sets[$k]#*=}"
    names+=("$name")
    subst "$here/conf/tandem.yaml.in" "$work/tandem-$name.yaml" HTTP_PORT=$((JVM_HTTP + k)) TCP_PORT=$((JVM_TCP + k)) \
      ADMIN_PORT=$((JVM_ADMIN + k)) MAXCONN=$MAXCONN NGINX1=$NGINX1 NGINX2=$NGINX2
    sed -i "/@POLICY_BACKEND@/d" "$work/tandem-$name.yaml"
    # shellcheck disable=SC2086
    TANDEM_JAVA_OPTS="$opts" start "tandem$name" $TANDEM_CMD run -c "$work/tandem-$name.yaml"
    echo "jvm set $name: $(jcmd "${PID_OF[tandem$name]}" VM.command_line 2>/dev/null | sed -n 's/^jvm_args: //p')" >>"$OUT/env.txt"
  done
  wait_ready haproxy "http://127.0.0.1:$JVM_HAP/3b"
  mkdir -p "$OUT/raw/jvm"
  echo "# name rss_at_start_kib" >"$OUT/raw/jvm/start.txt"
  for k in "${!names[@]}"; do
    wait_ready "tandem${names[$k]}" "http://127.0.0.1:$((JVM_HTTP + k))/3b"
    sleep 2
    echo "tandem-${names[$k]} $(rss_kb "${PID_OF[tandem${names[$k]}]}")" >>"$OUT/raw/jvm/start.txt"
  done
  echo "haproxy $(rss_kb "${PID_OF[haproxy]}")" >>"$OUT/raw/jvm/start.txt"
  for k in "${!names[@]}"; do warm tandem "http://127.0.0.1:$((JVM_HTTP + k))/3b" 64; done
  warm haproxy "http://127.0.0.1:$JVM_HAP/3b" 64
  for c in 64 1000; do
    for r in $(seq "$RUNS"); do
      for k in "${!names[@]}"; do
        measure jvm "ka$c-3b" "tandem-${names[$k]}" "$r" "$c" "http://127.0.0.1:$((JVM_HTTP + k))/3b" \
          "${PID_OF[tandem${names[$k]}]}"
      done
      measure jvm "ka$c-3b" haproxy-http "$r" "$c" "http://127.0.0.1:$JVM_HAP/3b" "${PID_OF[haproxy]}"
    done
  done
  idle=$((MAXCONN - 100 < 10000 ? MAXCONN - 100 : 10000))
  echo "# name connections rss_before_kib rss_after_kib heap_before_kib heap_after_kib" >"$OUT/raw/jvm/memory.txt"
  for k in "${!names[@]}"; do
    probe "tandem-${names[$k]}" "${PID_OF[tandem${names[$k]}]}" $((JVM_HTTP + k)) "$idle" "$OUT/raw/jvm/memory.txt"
  done
  probe haproxy "${PID_OF[haproxy]}" "$JVM_HAP" "$idle" "$OUT/raw/jvm/memory.txt"
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/env.txt"
python3 "$here/curves.py" "$OUT"
echo "curves: results in $OUT" >&2
