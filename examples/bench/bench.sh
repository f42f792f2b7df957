#!/usr/bin/env bash
# examples/bench/bench.sh: Tandem beside HAProxy, Nginx and Caddy, in one run, on this machine.
#
#   wrk --> proxy --> two single-worker Nginx backends, all on 127.0.0.1, nothing pinned.
#
# Starts two Nginx backends, the peers: HAProxy with nbthread 1 and with nbthread 2 (each with an
# http and a tcp frontend), Nginx as a load balancer (one worker per core, an http upstream with
# keep-alive and a tcp one through the stream module) and Caddy (reverse_proxy, http only), and
# Tandem (./tandem run, http and tcp frontends, access log off), waits until
# each answers through every frontend, warms them up (not recorded), then runs wrk for every
# scenario against every target, interleaved (run 1 of every target, then run 2, ...), so that a
# disturbance of the machine hits all of them alike. Then the memory probe: idle keep-alive
# client connections held open against Tandem and each peer, RSS (and Tandem's heap after a full
# GC) before and after. Finally the Markdown table and the bar chart.
#
# The TLS and HTTP/2 rows (--scenarios tls) add TLS frontends with an ECDSA P-256 and an RSA 2048
# certificate (self-signed, made with openssl in the scratch directory) to the http targets:
# wrk over https for new handshakes per second (Connection: close) and keep-alive, h2load for
# HTTP/2 by ALPN; h2c-c16m32 is HTTP/2 with prior knowledge on cleartext. The tcp targets have
# no such rows, and Caddy no TLS rows (its Caddyfile cannot turn session tickets off, so its
# handshakes would be resumptions). Only the processes the selected targets need are started.
#
# The latency row (paced64-3b) runs a constant request rate below saturation, the same for every
# target of a mode: --rate-fraction percent (default 50) of the best peer's median requests/s in
# ka64-3b of this run (which then runs first), or --rate N. Its client is paced.c (built here
# with cc), which counts each request's latency from when it was due, as wrk2 does.
#
# The policy row (--scenarios policy) is a typical traffic policy on both proxies, on a frontend
# of its own: cookie persistence (inserted cookie), two request headers set and a request id
# (HAProxy: cookie SERVERID insert, http-request set-header x2, unique-id-format and
# unique-id-header; conf/haproxy-policy.cfg.in, conf/tandem-policy*.yaml.in). wrk runs sticky.lua:
# each thread sends back the cookie it was given. The http targets only.
#
# Results go to examples/bench/results/<date>/ (table results.md, results.json, chart.png, the
# raw wrk and h2load outputs and CPU counters under raw/, versions and settings in env.txt).
#
# Usage: examples/bench/bench.sh [options]
#   --duration S      seconds per wrk or h2load run (default 10)
#   --runs N          runs per scenario and target; the median is reported (default 3)
#   --warmup S        seconds of unrecorded warm-up load per proxy and mode (default 20)
#   --scenarios LIST  comma-separated scenarios or groups (default: the group "default"):
#                     default = ka64-3b,ka64-4k,ka1000-3b,ka1000-4k,close64-3b,paced64-3b
#                     tls     = tls-hs-ecdsa,tls-hs-rsa,tls-ka64-3b,h2-c16m32
#                     policy  = policy-ka64-3b
#                     all     = default, tls, h2c-c16m32 and policy
#   --targets LIST    comma-separated subset of: direct,haproxy1-http,haproxy2-http,nginxlb-http,
#                     caddy-http,tandem-http,haproxy1-tcp,haproxy2-tcp,nginxlb-tcp,tandem-tcp
#   --rate-fraction P the latency row's request rate, in percent of the best peer's ka64-3b
#                     median requests/s in the same mode (default 50)
#   --rate N          the latency row's request rate in requests/s instead, for every target
#   --no-memory       skip the idle-connection memory probe
#   --out DIR         write the results to DIR instead of examples/bench/results/<date>
#   --label TEXT      a note recorded in env.txt and the table's heading
# Environment:
#   TANDEM_CMD        how to run tandem (default: the ./tandem script at the repository root;
#                     e.g. TANDEM_CMD=/opt/tandem/bin/tandem for an installed tarball)
#   TANDEM_JAVA_OPTS  passed on to tandem (JVM options; default: the launcher's own)
#   TANDEM_TLS        passed on to tandem (its TLS provider: openssl or jdk; default BoringSSL)
#   BENCH_TANDEM_TLS  extra keys for the tls block of Tandem's TLS frontends, in YAML flow style
#                     (e.g. a key that turns session resumption off, once Tandem has one)
#   BENCH_PORT_BASE   ports used are BASE+81 .. BASE+290 on 127.0.0.1 (default 18000)
#   KEEP_WORK=1       keep the scratch directory (configs, logs) after the run
#
# Every process this script starts is stopped by its PID on exit (normal end, error or Ctrl-C);
# every load run is bounded (wrk -d, h2load -D, each under timeout). It is not part of the test suite.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PROG=bench
# shellcheck source=examples/bench/lib.sh
source "$here/lib.sh"

DURATION=10
RUNS=3
WARMUP=20
SCENARIOS="default"
TARGETS="direct,haproxy1-http,haproxy2-http,nginxlb-http,caddy-http,tandem-http,haproxy1-tcp,haproxy2-tcp,nginxlb-tcp,tandem-tcp"
MEMORY=1
OUT=""
RATE_FRACTION=50
RATE=""
LABEL=""

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
    --rate-fraction) RATE_FRACTION="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
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
[[ "$RATE_FRACTION" =~ ^[0-9]+$ && "$RATE_FRACTION" -ge 1 ]] || die "--rate-fraction must be a whole percentage"
[[ -z "$RATE" || "$RATE" =~ ^[0-9]+$ && "$RATE" -ge 1 ]] || die "--rate must be a whole number of requests/s"

# ---- scenarios: name -> connections, path, Connection: close, listener, client ----------------
# LISTENER: which frontend of a target a scenario uses: plain (the http or tcp one), ecdsa or rsa
# (TLS with that certificate), h2c (HTTP/2 with prior knowledge) or policy (the policy frontend).
# CLIENT: wrk unless h2load or paced (the constant-rate client). SCRIPT: a wrk Lua script of
# examples/bench, or none.
declare -A CONNS=([ka64-3b]=64 [ka64-4k]=64 [ka1000-3b]=1000 [ka1000-4k]=1000 [close64-3b]=64
  [tls-hs-ecdsa]=64 [tls-hs-rsa]=64 [tls-ka64-3b]=64 [h2-c16m32]=16 [h2c-c16m32]=16 [paced64-3b]=64
  [policy-ka64-3b]=64)
declare -A PATHS=([ka64-3b]=/3b [ka64-4k]=/4k [ka1000-3b]=/3b [ka1000-4k]=/4k [close64-3b]=/3b
  [tls-hs-ecdsa]=/3b [tls-hs-rsa]=/3b [tls-ka64-3b]=/3b [h2-c16m32]=/3b [h2c-c16m32]=/3b [paced64-3b]=/3b
  [policy-ka64-3b]=/3b)
declare -A CLOSE=([close64-3b]=1 [tls-hs-ecdsa]=1 [tls-hs-rsa]=1)
declare -A LISTENER=([tls-hs-ecdsa]=ecdsa [tls-hs-rsa]=rsa [tls-ka64-3b]=ecdsa [h2-c16m32]=ecdsa [h2c-c16m32]=h2c
  [policy-ka64-3b]=policy)
declare -A CLIENT=([h2-c16m32]=h2load [h2c-c16m32]=h2load [paced64-3b]=paced)
declare -A SCRIPT=([policy-ka64-3b]=sticky.lua)
STREAMS=32   # h2load -m: concurrent streams per HTTP/2 connection
declare -A GROUP=([default]="ka64-3b,ka64-4k,ka1000-3b,ka1000-4k,close64-3b,paced64-3b"
  [tls]="tls-hs-ecdsa,tls-hs-rsa,tls-ka64-3b,h2-c16m32" [policy]="policy-ka64-3b")
GROUP[all]="${GROUP[default]},${GROUP[tls]},h2c-c16m32,${GROUP[policy]}"
scenario_list=()
IFS=, read -r -a requested <<<"$SCENARIOS"
for s in "${requested[@]}"; do
  IFS=, read -r -a expanded <<<"${GROUP[$s]:-$s}"
  for e in "${expanded[@]}"; do
    [[ -n "${CONNS[$e]:-}" ]] || die "unknown scenario $e"
    [[ " ${scenario_list[*]-} " == *" $e "* ]] || scenario_list+=("$e")
  done
done
# The paced rows take their rate from ka64-3b's results unless --rate is given: it runs first.
paced_list=()
for s in "${scenario_list[@]}"; do [[ "${CLIENT[$s]:-}" == paced ]] && paced_list+=("$s"); done
if ((${#paced_list[@]})); then
  rest=()
  for s in "${scenario_list[@]}"; do [[ "${CLIENT[$s]:-}" == paced || -z "$RATE" && "$s" == ka64-3b ]] || rest+=("$s"); done
  if [[ -z "$RATE" ]]; then
    [[ " ${scenario_list[*]} " == *" ka64-3b "* ]] || echo "bench: ka64-3b added: the paced rows take their rate from it" >&2
    scenario_list=(ka64-3b "${rest[@]}" "${paced_list[@]}")
  else scenario_list=("${rest[@]}" "${paced_list[@]}"); fi
fi
IFS=, read -r -a target_list <<<"$TARGETS"
for t in "${target_list[@]}"; do
  case "$t" in direct|haproxy[12]-http|haproxy[12]-tcp|nginxlb-http|nginxlb-tcp|caddy-http|tandem-http|tandem-tcp) ;;
    *) die "unknown target $t" ;;
  esac
done

# has_listener TARGET LISTENER: whether the target has that kind of listener (TLS and h2c: the
# http targets; Caddy no TLS one; policy: HAProxy and Tandem, which have the policy configured)
has_listener() {
  case "$2" in
    plain) return 0 ;;
    ecdsa | rsa) [[ "$1" == direct || ("$1" == *-http && "$1" != caddy-http) ]] ;;
    policy) [[ "$1" == haproxy?-http || "$1" == tandem-http ]] ;;
    *) [[ "$1" == direct || "$1" == *-http ]] ;;
  esac
}
# applies SCENARIO TARGET: whether the scenario runs against the target
applies() { has_listener "$2" "${LISTENER[$1]:-plain}"; }
# uses PROCESS: whether a selected target runs through PROCESS (haproxy1, haproxy2, nginxlb, caddy, tandem)
uses() { local t; for t in "${target_list[@]}"; do [[ "$t" == "$1"-* ]] && return 0; done; return 1; }
total=0
for s in "${scenario_list[@]}"; do
  for t in "${target_list[@]}"; do if applies "$s" "$t"; then total=$((total + RUNS)); fi; done
done
((total > 0)) || die "no selected target takes the selected scenarios (TLS and HTTP/2 rows: direct and the -http targets; policy: the HAProxy and Tandem -http targets)"
uses caddy && for s in "${scenario_list[@]}"; do
  has_listener caddy-http "${LISTENER[$s]:-plain}" || echo "bench: caddy-http has no $s row (no such listener)" >&2
done
NEED_PLAIN=0; NEED_TLS=0; NEED_H2C=0; NEED_H2LOAD=0; NEED_PACED=0; NEED_POLICY=0
for s in "${scenario_list[@]}"; do
  case "${LISTENER[$s]:-plain}" in
    plain) NEED_PLAIN=1 ;; ecdsa|rsa) NEED_TLS=1 ;; h2c) NEED_H2C=1 ;; policy) NEED_POLICY=1 ;;
  esac
  case "${CLIENT[$s]:-wrk}" in h2load) NEED_H2LOAD=1 ;; paced) NEED_PACED=1 ;; esac
done

# ---- prerequisites: installed when missing (Debian packages) ---------------------------------
missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v wrk >/dev/null || missing+=(wrk)
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
((NEED_H2LOAD == 0)) || command -v h2load >/dev/null || missing+=(nghttp2-client)
((NEED_PACED == 0)) || command -v cc >/dev/null || missing+=(gcc libc6-dev)
command -v jcmd >/dev/null && command -v jstat >/dev/null || missing+=(openjdk-17-jdk-headless)
! uses caddy || command -v caddy >/dev/null || missing+=(caddy)
# Debian builds Nginx's stream module as a dynamic module, in a package of its own.
nginx_modules() { nginx -V 2>&1 | tr ' ' '\n' | sed -n 's/^--modules-path=//p'; }
STREAM_MODULE=""
if uses nginxlb && [[ " ${target_list[*]} " == *" nginxlb-tcp "* ]]; then
  STREAM_MODULE="$(nginx_modules 2>/dev/null)/ngx_stream_module.so"
  [[ -e "$STREAM_MODULE" ]] || missing+=(libnginx-mod-stream)
fi
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
if [[ -n "$STREAM_MODULE" ]]; then
  STREAM_MODULE="$(nginx_modules)/ngx_stream_module.so"
  [[ -e "$STREAM_MODULE" ]] || die "no Nginx stream module at $STREAM_MODULE (Debian: libnginx-mod-stream)"
fi

TANDEM_CMD="${TANDEM_CMD:-$root/tandem}"
tandem_version="(not run)"
if uses tandem; then
  # Builds tandem on first use (./tandem does), so that no build time counts against its start.
  tandem_version="$($TANDEM_CMD version 2>/dev/null | tail -1)" || die "'$TANDEM_CMD version' failed: cannot build or run tandem"
fi

# ---- ports, fixed and checked ------------------------------------------------------------------
base="${BENCH_PORT_BASE:-18000}"
NGINX1=$((base + 81)); NGINX2=$((base + 82))
HAP1_HTTP=$((base + 181)); HAP2_HTTP=$((base + 182)); HAP1_TCP=$((base + 191)); HAP2_TCP=$((base + 192))
T_HTTP=$((base + 281)); T_TCP=$((base + 282)); T_ADMIN=$((base + 290))
# TLS (ECDSA, RSA) and h2c listeners: Nginx direct, HAProxy 1 and 2 (h2c on their http frontend), Tandem.
NGINX_ECDSA=$((base + 83)); NGINX_RSA=$((base + 84)); NGINX_H2C=$((base + 85))
HAP1_ECDSA=$((base + 201)); HAP2_ECDSA=$((base + 202)); HAP1_RSA=$((base + 211)); HAP2_RSA=$((base + 212))
T_ECDSA=$((base + 283)); T_RSA=$((base + 284)); T_H2C=$((base + 285))
# The policy frontends: HAProxy 1 and 2, Tandem.
HAP1_POLICY=$((base + 241)); HAP2_POLICY=$((base + 242)); T_POLICY=$((base + 286))
# Nginx as a load balancer (http, tcp, TLS, h2c on a port of its own) and Caddy (h2c on its http port).
NLB_HTTP=$((base + 221)); NLB_TCP=$((base + 222)); NLB_ECDSA=$((base + 223)); NLB_RSA=$((base + 224))
NLB_H2C=$((base + 225)); CADDY_HTTP=$((base + 231))
ports=($NGINX1 $NGINX2)
uses haproxy1 && ports+=($HAP1_HTTP $HAP1_TCP)
uses haproxy2 && ports+=($HAP2_HTTP $HAP2_TCP)
uses nginxlb && ports+=($NLB_HTTP)
[[ -z "$STREAM_MODULE" ]] || ports+=($NLB_TCP)
uses caddy && ports+=($CADDY_HTTP)
uses tandem && ports+=($T_HTTP $T_TCP $T_ADMIN)
if ((NEED_TLS)); then
  ports+=($NGINX_ECDSA $NGINX_RSA)
  uses haproxy1 && ports+=($HAP1_ECDSA $HAP1_RSA)
  uses haproxy2 && ports+=($HAP2_ECDSA $HAP2_RSA)
  uses nginxlb && ports+=($NLB_ECDSA $NLB_RSA)
  uses tandem && ports+=($T_ECDSA $T_RSA)
fi
((NEED_H2C == 0)) || ports+=($NGINX_H2C)
((NEED_H2C == 0)) || ! uses nginxlb || ports+=($NLB_H2C)
((NEED_H2C == 0)) || ! uses tandem || ports+=($T_H2C)
if ((NEED_POLICY)); then
  uses haproxy1 && ports+=($HAP1_POLICY)
  uses haproxy2 && ports+=($HAP2_POLICY)
  uses tandem && ports+=($T_POLICY)
fi
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "${ports[@]}"; do
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
mkdir -p "$work/logs" "$work/www" "$work/nginx1/conf.d" "$work/nginx2/conf.d" "$work/nginxlb/conf.d" "$work/nginxlb/main.d"
printf 'ok\n' | head -c 3 >"$work/www/3b"
head -c 4096 /dev/zero | tr '\0' 'x' >"$work/www/4k"
OUT_MADE=0   # 1: the script named the results directory itself; a run that fails before its load removes it
if [[ -z "$OUT" ]]; then
  OUT_MADE=1
  OUT="$here/results/$(date +%F)"
  n=2
  while [[ -e "$OUT" ]]; do OUT="$here/results/$(date +%F)-$n"; n=$((n + 1)); done
fi
mkdir -p "$OUT/raw"
OUT="$(cd "$OUT" && pwd)"
if ((NEED_PACED)); then
  cc -O2 -Wall -pthread -o "$work/paced" "$here/paced.c" 2>"$work/logs/paced-build.log" \
    || die "could not build paced.c: $(tail -5 "$work/logs/paced-build.log")"
fi

# ---- processes: started in the background, recorded, stopped by PID (lib.sh) --------------------
cleanup() {
  stop_all
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then
    echo "bench: scratch directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
  # A failed start (e.g. a proxy that rejects its configuration) leaves no empty results behind.
  if [[ "$OUT_MADE" == 1 && -z "$(find "$OUT/raw" -mindepth 2 -print -quit 2>/dev/null)" && ! -e "$OUT/results.md" ]]; then
    rm -rf "$OUT"
  fi
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# wait_ready_tls NAME ECDSA_PORT RSA_PORT: both TLS listeners, over HTTP/1.1 and over HTTP/2 (ALPN)
wait_ready_tls() {
  local port
  for port in "$2" "$3"; do
    wait_ready "$1" "https://127.0.0.1:$port/3b" -k --http1.1
    wait_ready "$1" "https://127.0.0.1:$port/3b" -k --http2
  done
}

# Certificates for the TLS rows: self-signed, one ECDSA P-256 and one RSA 2048 (clients do not
# verify); HAProxy takes the certificate and its key in one file (.pem).
if ((NEED_TLS)); then
  mkdir -p "$work/certs"
  for kind in ecdsa rsa; do
    case "$kind" in ecdsa) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;; rsa) newkey=(-newkey rsa:2048) ;; esac
    openssl req -x509 "${newkey[@]}" -sha256 -nodes -days 7 -subj "/CN=bench.test" \
      -addext "subjectAltName=DNS:bench.test,IP:127.0.0.1" \
      -keyout "$work/certs/$kind.key" -out "$work/certs/$kind.crt" 2>"$work/logs/openssl-$kind.log" \
      || die "openssl could not make the $kind certificate: $(tail -3 "$work/logs/openssl-$kind.log")"
    cat "$work/certs/$kind.crt" "$work/certs/$kind.key" >"$work/certs/$kind.pem"
  done
fi

for n in 1 2; do
  port_var="NGINX$n"
  subst "$here/conf/nginx.conf.in" "$work/nginx$n.conf" N=$n PORT=${!port_var} NOFILE=$NGINX_NOFILE
done
# The first backend is also the "direct" target, so only it gets the TLS and h2c servers.
((NEED_TLS == 0)) || subst "$here/conf/nginx-tls.conf.in" "$work/nginx1/conf.d/tls.conf" ECDSA_PORT=$NGINX_ECDSA RSA_PORT=$NGINX_RSA
((NEED_H2C == 0)) || subst "$here/conf/nginx-h2c.conf.in" "$work/nginx1/conf.d/h2c.conf" H2C_PORT=$NGINX_H2C
for n in 1 2; do start "nginx$n" nginx -p "$work" -c "$work/nginx$n.conf"; done
wait_ready nginx1 "http://127.0.0.1:$NGINX1/3b"
wait_ready nginx2 "http://127.0.0.1:$NGINX2/3b"
((NEED_TLS == 0)) || wait_ready_tls nginx1 "$NGINX_ECDSA" "$NGINX_RSA"
((NEED_H2C == 0)) || wait_ready nginx1 "http://127.0.0.1:$NGINX_H2C/3b" --http2-prior-knowledge

for n in 1 2; do
  uses "haproxy$n" || continue
  http_var="HAP${n}_HTTP"; tcp_var="HAP${n}_TCP"; ecdsa_var="HAP${n}_ECDSA"; rsa_var="HAP${n}_RSA"
  subst "$here/conf/haproxy.cfg.in" "$work/haproxy$n.cfg" THREADS=$n MAXCONN=$HAP_MAXCONN \
    HTTP_PORT=${!http_var} TCP_PORT=${!tcp_var} NGINX1=$NGINX1 NGINX2=$NGINX2
  if ((NEED_TLS)); then
    subst "$here/conf/haproxy-tls.cfg.in" "$work/haproxy-tls$n.cfg" ECDSA_PORT=${!ecdsa_var} RSA_PORT=${!rsa_var}
    cat "$work/haproxy-tls$n.cfg" >>"$work/haproxy$n.cfg"
  fi
  if ((NEED_POLICY)); then
    policy_var="HAP${n}_POLICY"
    subst "$here/conf/haproxy-policy.cfg.in" "$work/haproxy-policy$n.cfg" POLICY_PORT=${!policy_var} \
      NGINX1=$NGINX1 NGINX2=$NGINX2
    cat "$work/haproxy-policy$n.cfg" >>"$work/haproxy$n.cfg"
  fi
  start "haproxy$n" haproxy -db -f "$work/haproxy$n.cfg"
done

if uses nginxlb; then
  subst "$here/conf/nginx-lb.conf.in" "$work/nginxlb.conf" HTTP_PORT=$NLB_HTTP NGINX1=$NGINX1 NGINX2=$NGINX2 NOFILE=$NGINX_NOFILE
  [[ -z "$STREAM_MODULE" ]] || subst "$here/conf/nginx-lb-stream.conf.in" "$work/nginxlb/main.d/stream.conf" \
    STREAM_MODULE="$STREAM_MODULE" TCP_PORT=$NLB_TCP NGINX1=$NGINX1 NGINX2=$NGINX2
  ((NEED_TLS == 0)) || subst "$here/conf/nginx-lb-tls.conf.in" "$work/nginxlb/conf.d/tls.conf" ECDSA_PORT=$NLB_ECDSA RSA_PORT=$NLB_RSA
  ((NEED_H2C == 0)) || subst "$here/conf/nginx-lb-h2c.conf.in" "$work/nginxlb/conf.d/h2c.conf" H2C_PORT=$NLB_H2C
  # A master and its workers: the master's PID is the one recorded; CPU and RSS count its children.
  start nginxlb nginx -p "$work" -c "$work/nginxlb.conf"
fi
if uses caddy; then
  subst "$here/conf/Caddyfile.in" "$work/Caddyfile" HTTP_PORT=$CADDY_HTTP NGINX1=$NGINX1 NGINX2=$NGINX2
  mkdir -p "$work/caddy/data" "$work/caddy/config"
  start caddy env XDG_DATA_HOME="$work/caddy/data" XDG_CONFIG_HOME="$work/caddy/config" \
    caddy run --config "$work/Caddyfile" --adapter caddyfile
fi

if uses tandem; then
  subst "$here/conf/tandem.yaml.in" "$work/tandem.yaml" HTTP_PORT=$T_HTTP TCP_PORT=$T_TCP ADMIN_PORT=$T_ADMIN \
    MAXCONN=20000 NGINX1=$NGINX1 NGINX2=$NGINX2
  if ((NEED_TLS)); then
    subst "$here/conf/tandem-tls.yaml.in" "$work/tandem-tls.yaml" ECDSA_PORT=$T_ECDSA RSA_PORT=$T_RSA MAXCONN=20000 \
      "TLS_EXTRA=${BENCH_TANDEM_TLS:+, $BENCH_TANDEM_TLS}"
    cat "$work/tandem-tls.yaml" >>"$work/tandem.yaml"
  fi
  if ((NEED_H2C)); then
    subst "$here/conf/tandem-h2c.yaml.in" "$work/tandem-h2c.yaml" H2C_PORT=$T_H2C MAXCONN=20000
    cat "$work/tandem-h2c.yaml" >>"$work/tandem.yaml"
  fi
  if ((NEED_POLICY)); then
    # The sticky backend goes where tandem.yaml.in marks it (among the backends); the frontend last.
    subst "$here/conf/tandem-policy-backend.yaml.in" "$work/tandem-policy-backend.yaml" NGINX1=$NGINX1 NGINX2=$NGINX2
    sed -i -e "/@POLICY_BACKEND@/{r $work/tandem-policy-backend.yaml" -e "d}" "$work/tandem.yaml"
    subst "$here/conf/tandem-policy.yaml.in" "$work/tandem-policy.yaml" POLICY_PORT=$T_POLICY MAXCONN=20000
    cat "$work/tandem-policy.yaml" >>"$work/tandem.yaml"
  else
    sed -i "/@POLICY_BACKEND@/d" "$work/tandem.yaml"
  fi
  # TANDEM_CMD is split into words on purpose (it may carry arguments).
  # shellcheck disable=SC2086
  start tandem $TANDEM_CMD run -c "$work/tandem.yaml"
fi

for n in 1 2; do
  uses "haproxy$n" || continue
  http_var="HAP${n}_HTTP"; tcp_var="HAP${n}_TCP"; ecdsa_var="HAP${n}_ECDSA"; rsa_var="HAP${n}_RSA"
  wait_ready "haproxy$n" "http://127.0.0.1:${!http_var}/3b"
  wait_ready "haproxy$n" "http://127.0.0.1:${!tcp_var}/3b"
  ((NEED_TLS == 0)) || wait_ready_tls "haproxy$n" "${!ecdsa_var}" "${!rsa_var}"
  ((NEED_H2C == 0)) || wait_ready "haproxy$n" "http://127.0.0.1:${!http_var}/3b" --http2-prior-knowledge
  policy_var="HAP${n}_POLICY"
  ((NEED_POLICY == 0)) || wait_ready "haproxy$n" "http://127.0.0.1:${!policy_var}/3b"
done
if uses nginxlb; then
  wait_ready nginxlb "http://127.0.0.1:$NLB_HTTP/3b"
  [[ -z "$STREAM_MODULE" ]] || wait_ready nginxlb "http://127.0.0.1:$NLB_TCP/3b"
  ((NEED_TLS == 0)) || wait_ready_tls nginxlb "$NLB_ECDSA" "$NLB_RSA"
  ((NEED_H2C == 0)) || wait_ready nginxlb "http://127.0.0.1:$NLB_H2C/3b" --http2-prior-knowledge
fi
if uses caddy; then
  wait_ready caddy "http://127.0.0.1:$CADDY_HTTP/3b"
  ((NEED_H2C == 0)) || wait_ready caddy "http://127.0.0.1:$CADDY_HTTP/3b" --http2-prior-knowledge
fi
if uses tandem; then
  wait_ready tandem "http://127.0.0.1:$T_HTTP/3b"
  wait_ready tandem "http://127.0.0.1:$T_TCP/3b"
  ((NEED_TLS == 0)) || wait_ready_tls tandem "$T_ECDSA" "$T_RSA"
  ((NEED_H2C == 0)) || wait_ready tandem "http://127.0.0.1:$T_H2C/3b" --http2-prior-knowledge
  ((NEED_POLICY == 0)) || wait_ready tandem "http://127.0.0.1:$T_POLICY/3b"
fi
echo "bench: all up (nginx $NGINX1 $NGINX2$(uses haproxy1 && echo ", haproxy nbthread 1 $HAP1_HTTP/$HAP1_TCP")$(uses haproxy2 && echo ", nbthread 2 $HAP2_HTTP/$HAP2_TCP")$(uses nginxlb && echo ", nginx lb $NLB_HTTP$([[ -n "$STREAM_MODULE" ]] && echo "/$NLB_TCP")")$(uses caddy && echo ", caddy $CADDY_HTTP")$(uses tandem && echo ", tandem $T_HTTP/$T_TCP"))" >&2

# ---- the record of versions and settings ----------------------------------------------------------
tpid="${PID_OF[tandem]:-}"
{
  echo "date: $(date -Is)"
  [[ -n "$LABEL" ]] && echo "label: $LABEL"
  echo "host: $(uname -srm), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "scenarios: ${scenario_list[*]}; targets: ${target_list[*]}"
  if [[ -n "$tpid" ]]; then
    echo "tandem: $tandem_version ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- lb-core lb-admin 2>/dev/null || echo ', with uncommitted changes'))"
    echo "tandem command: $TANDEM_CMD; TANDEM_JAVA_OPTS=${TANDEM_JAVA_OPTS:-}"
    echo "tandem JVM options: $(jcmd "$tpid" VM.command_line 2>/dev/null | sed -n 's/^jvm_args: //p')"
    echo "tandem JVM flags: $(jcmd "$tpid" VM.flags 2>/dev/null | tail -1)"
    echo "tandem event loops: $(grep -o '([0-9]* event loops)' "$work/logs/tandem.log" | head -1 | tr -d '()')"
    if ((NEED_TLS)); then
      echo "tandem TLS: TANDEM_TLS=${TANDEM_TLS:-} BENCH_TANDEM_TLS=${BENCH_TANDEM_TLS:-}; start log: $(grep -m2 -iE 'tls|ssl' "$work/logs/tandem.log" | tr '\n' ' ')"
    fi
  fi
  echo "java: $(java -version 2>&1 | sed -n 2p)"
  echo "nginx: $(nginx -v 2>&1 | sed 's/.*: //'), 1 worker each"
  echo "haproxy: $(haproxy -v | head -1)"
  ! uses nginxlb || echo "nginx as load balancer: $(nginx -v 2>&1 | sed 's/.*: //'), $(($(wc -w <"/proc/${PID_OF[nginxlb]}/task/${PID_OF[nginxlb]}/children"))) workers, upstream keepalive 1024$([[ -n "$STREAM_MODULE" ]] && echo ", stream module $STREAM_MODULE")"
  ! uses caddy || echo "caddy: $(caddy version 2>&1 | head -1), GOMAXPROCS ${GOMAXPROCS:-$(nproc)}, idle server connections per backend 1024"
  echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), 2 threads"
  ((NEED_H2LOAD == 0)) || echo "h2load: $(h2load --version 2>&1 | head -1), 2 threads, $STREAMS streams per connection"
  ((NEED_PACED == 0)) || echo "paced (constant rate, examples/bench/paced.c): 2 threads, rate $([[ -n "$RATE" ]] && echo "$RATE req/s" || echo "$RATE_FRACTION % of the best peer's ka64-3b median per mode"), first second not recorded"
  if ((NEED_TLS)); then
    echo "openssl (wrk, h2load, HAProxy, Nginx): $(openssl version)"
    echo "certificates: self-signed, ECDSA P-256 and RSA 2048, SHA-256; resumption per target: raw/tls.txt"
  fi
  echo "duration: ${DURATION}s x $RUNS runs, warm-up ${WARMUP}s; idle probe: $IDLE connections"
} >"$OUT/env.txt"

# ---- load ----------------------------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)

port_of() { # port_of TARGET LISTENER
  case "$1/$2" in
    direct/plain) echo "$NGINX1" ;; direct/ecdsa) echo "$NGINX_ECDSA" ;; direct/rsa) echo "$NGINX_RSA" ;;
    direct/h2c) echo "$NGINX_H2C" ;;
    haproxy1-http/plain | haproxy1-http/h2c) echo "$HAP1_HTTP" ;; haproxy2-http/plain | haproxy2-http/h2c) echo "$HAP2_HTTP" ;;
    haproxy1-http/ecdsa) echo "$HAP1_ECDSA" ;; haproxy2-http/ecdsa) echo "$HAP2_ECDSA" ;;
    haproxy1-http/rsa) echo "$HAP1_RSA" ;; haproxy2-http/rsa) echo "$HAP2_RSA" ;;
    haproxy1-tcp/plain) echo "$HAP1_TCP" ;; haproxy2-tcp/plain) echo "$HAP2_TCP" ;;
    nginxlb-http/plain) echo "$NLB_HTTP" ;; nginxlb-tcp/plain) echo "$NLB_TCP" ;;
    nginxlb-http/ecdsa) echo "$NLB_ECDSA" ;; nginxlb-http/rsa) echo "$NLB_RSA" ;; nginxlb-http/h2c) echo "$NLB_H2C" ;;
    caddy-http/plain | caddy-http/h2c) echo "$CADDY_HTTP" ;;
    tandem-http/plain) echo "$T_HTTP" ;; tandem-tcp/plain) echo "$T_TCP" ;;
    tandem-http/ecdsa) echo "$T_ECDSA" ;; tandem-http/rsa) echo "$T_RSA" ;; tandem-http/h2c) echo "$T_H2C" ;;
    haproxy1-http/policy) echo "$HAP1_POLICY" ;; haproxy2-http/policy) echo "$HAP2_POLICY" ;;
    tandem-http/policy) echo "$T_POLICY" ;;
    *) die "no $2 listener for $1" ;;
  esac
}
url_of() { # url_of TARGET LISTENER PATH
  local scheme=http
  [[ "$2" == ecdsa || "$2" == rsa ]] && scheme=https
  echo "$scheme://127.0.0.1:$(port_of "$1" "$2")$3"
}
pid_of() {
  case "$1" in
    direct) echo "" ;;
    haproxy1-*) echo "${PID_OF[haproxy1]}" ;; haproxy2-*) echo "${PID_OF[haproxy2]}" ;;
    nginxlb-*) echo "${PID_OF[nginxlb]}" ;; caddy-*) echo "${PID_OF[caddy]}" ;;
    tandem-*) echo "$tpid" ;;
  esac
}

# h2load_run SECONDS CONNS URL OUTFILE: one bounded h2load run (HTTP/2: by ALPN over https, with
# prior knowledge over http), STREAMS concurrent streams per connection; CPU time as wrk_run.
h2load_run() {
  local secs="$1" conns="$2" url="$3" out="$4"
  local TIMEFORMAT='%U %S'
  { time timeout $((secs + 30)) h2load -t2 -c"$conns" -m"$STREAMS" -D "$secs" "$url" \
      >"$out" 2>&1 || echo "h2load exit status $?" >>"$out"; } 2>"$out.time"
}

# paced_run SECONDS CONNS URL RATE OUTFILE: one constant-rate run (paced.c); CPU time as wrk_run.
# The first second (connection set-up) is not recorded, unless the run is shorter than 3 s.
paced_run() {
  local secs="$1" conns="$2" url="$3" rate="$4" out="$5" skip=1
  local TIMEFORMAT='%U %S'
  ((secs >= 3)) || skip=0
  { time timeout $((secs + 30)) "$work/paced" -t2 -c"$conns" -R"$rate" -d"$secs" -s"$skip" "$url" \
      >"$out" 2>&1 || echo "paced exit status $?" >>"$out"; } 2>"$out.time"
}
# median_rps SCENARIO TARGET: the median requests/s of the target's wrk runs of the scenario so far
median_rps() {
  local f
  for f in "$OUT/raw/$1/$2".*.wrk; do [[ -e "$f" ]] && awk '/^Requests\/sec/{print $2}' "$f"; done \
    | sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}
# paced_rate TARGET: sets PACED_RATE to the paced rows' request rate for the target: --rate, else
# RATE_FRACTION percent of the best peer's median in ka64-3b in the target's mode (direct: http);
# without a peer in that mode, of the best target's. Not in a subshell, so that die stops the run.
PACED_RATE=""
paced_rate() {
  [[ -n "$RATE" ]] && { PACED_RATE="$RATE"; return; }
  local mode=http t best=0 m pass
  [[ "$1" == *-tcp ]] && mode=tcp
  for pass in peers all; do
    for t in "${target_list[@]}"; do
      [[ "$t" == *-"$mode" ]] || continue
      [[ "$pass" == all || "$t" != tandem-* ]] || continue
      m=$(median_rps ka64-3b "$t")
      [[ -n "$m" ]] && awk -v a="$m" -v b="$best" 'BEGIN {exit !(a > b)}' && best=$m
    done
    [[ "$best" == 0 ]] || break
  done
  [[ "$best" != 0 ]] || die "no ka64-3b result in $mode mode to take the paced rows' rate from (give --rate)"
  PACED_RATE=$(awk -v b="$best" -v f="$RATE_FRACTION" 'BEGIN {printf "%d\n", b * f / 100}')
}

warm() { # warm TARGET SECONDS: unrecorded load over the listeners and clients the scenarios use
  local t="$1" secs="$2" quarter=$((($2 + 3) / 4))
  ((secs > 0)) || return 0
  if ((NEED_PLAIN)); then
    wrk_run "$secs" 64 "$(url_of "$t" plain /3b)" 0 "$work/warm.out"
    wrk_run "$quarter" 1000 "$(url_of "$t" plain /4k)" 0 "$work/warm.out"
    wrk_run "$quarter" 64 "$(url_of "$t" plain /3b)" 1 "$work/warm.out"
  fi
  [[ "$t" == direct || "$t" == *-http ]] || return 0
  if ((NEED_TLS)) && has_listener "$t" ecdsa; then
    wrk_run "$secs" 64 "$(url_of "$t" ecdsa /3b)" 0 "$work/warm.out"
    wrk_run "$quarter" 64 "$(url_of "$t" ecdsa /3b)" 1 "$work/warm.out"
    wrk_run "$quarter" 64 "$(url_of "$t" rsa /3b)" 1 "$work/warm.out"
    ((NEED_H2LOAD == 0)) || h2load_run "$quarter" 16 "$(url_of "$t" ecdsa /3b)" "$work/warm.out"
  fi
  ((NEED_H2C == 0)) || h2load_run "$quarter" 16 "$(url_of "$t" h2c /3b)" "$work/warm.out"
  [[ "$t" == *-http ]] || return 0
  ((NEED_POLICY == 0)) || wrk_run "$secs" 64 "$(url_of "$t" policy /3b)" 0 "$work/warm.out" sticky.lua
}
# The JVM compiles its hot paths during the first seconds of load: Tandem gets the whole warm-up,
# the others (nothing to compile) a short one that fills their caches and connection pools.
echo "bench: warming up (not recorded)" >&2
for t in "${target_list[@]}"; do
  if [[ "$t" == tandem-* ]]; then warm "$t" "$WARMUP"; else warm "$t" $((WARMUP < 3 ? WARMUP : 3)); fi
done

# tls_probe TARGET LISTENER: one line of raw/tls.txt, what a client gets from that TLS listener:
# version, cipher, key exchange group and signature, the protocol chosen when ALPN offers
# h2,http/1.1, and whether a second connection that offers the first one's session resumes it.
# The first connection reads a whole response, so that TLS 1.3 session tickets have arrived.
tls_probe() {
  local t="$1" l="$2" port alpn first second resumed=no
  local req='GET /3b HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' sess="$work/probe.sess"
  port=$(port_of "$t" "$l")
  alpn=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername 127.0.0.1 -alpn h2,http/1.1 </dev/null 2>&1 \
    | sed -n 's/^ALPN protocol: //p' | head -1)
  rm -f "$sess"
  first=$(printf "$req" | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername 127.0.0.1 \
    -sess_out "$sess" -ign_eof 2>&1 || true)
  second=""
  [[ -s "$sess" ]] && second=$(printf "$req" | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
    -servername 127.0.0.1 -sess_in "$sess" -ign_eof 2>&1 || true)
  grep -q '^Reused,' <<<"$second" && resumed=yes
  grep -q '^New,' <<<"$first" || resumed=failed
  # "New, TLSv1.3, Cipher is X" -> "TLSv1.3 X"; "Server Temp Key: X25519, 253 bits" -> X25519
  local version cipher group sig
  read -r version cipher < <(sed -n 's/^New, \([^,]*\), Cipher is \(.*\)/\1 \2/p' <<<"$first" | head -1) || true
  group=$(sed -n 's/^Server Temp Key: \([^,]*\).*/\1/p' <<<"$first" | head -1)
  sig=$(sed -n 's/^Peer signature type: //p' <<<"$first" | head -1)
  echo "$t $l ${version:-?} ${cipher:-?} ${group:-?} ${sig:-?} ${alpn:-none} $resumed" >>"$OUT/raw/tls.txt"
}
if ((NEED_TLS)); then
  echo "# target listener protocol cipher group signature alpn_with_h2_offered resumed" >"$OUT/raw/tls.txt"
  for t in "${target_list[@]}"; do
    has_listener "$t" ecdsa || continue
    tls_probe "$t" ecdsa
    tls_probe "$t" rsa
  done
  sed 's/^/bench: tls: /' "$OUT/raw/tls.txt" >&2
fi

i=0
for s in "${scenario_list[@]}"; do
  mkdir -p "$OUT/raw/$s"
  listener="${LISTENER[$s]:-plain}"
  client="${CLIENT[$s]:-wrk}"
  for r in $(seq "$RUNS"); do
    for t in "${target_list[@]}"; do
      applies "$s" "$t" || continue
      i=$((i + 1))
      url=$(url_of "$t" "$listener" "${PATHS[$s]}")
      pid=$(pid_of "$t")
      base_out="$OUT/raw/$s/$t.$r"
      p0=0; [[ -n "$pid" ]] && p0=$(ticks "$pid")
      n0=$(( $(ticks "${PID_OF[nginx1]}") + $(ticks "${PID_OF[nginx2]}") ))
      if [[ "$client" == h2load ]]; then
        h2load_run "$DURATION" "${CONNS[$s]}" "$url" "$base_out.h2load"
        mv "$base_out.h2load.time" "$base_out.time"
      elif [[ "$client" == paced ]]; then
        paced_rate "$t"
        paced_run "$DURATION" "${CONNS[$s]}" "$url" "$PACED_RATE" "$base_out.paced"
        mv "$base_out.paced.time" "$base_out.time"
      else
        wrk_run "$DURATION" "${CONNS[$s]}" "$url" "${CLOSE[$s]:-0}" "$base_out.wrk" "${SCRIPT[$s]:-}"
        mv "$base_out.wrk.time" "$base_out.time"
      fi
      p1=0; [[ -n "$pid" ]] && p1=$(ticks "$pid")
      n1=$(( $(ticks "${PID_OF[nginx1]}") + $(ticks "${PID_OF[nginx2]}") ))
      read -r wu ws <"$base_out.time" || { wu=0; ws=0; }
      rm -f "$base_out.time"
      # wrk_user and wrk_sys: the load client's CPU time (wrk or h2load).
      echo "duration=$DURATION clk_tck=$clk_tck proxy_ticks=$((p1 - p0)) nginx_ticks=$((n1 - n0)) wrk_user=$wu wrk_sys=$ws" >"$base_out.cpu"
      if [[ "$client" == h2load ]]; then
        printf 'bench: [%3d/%d] %-12s %-14s run %d: %10s req/s, %s\n' "$i" "$total" "$s" "$t" "$r" \
          "$(awk '/^finished in/{print $4}' "$base_out.h2load")" "$(grep -m1 '^requests:' "$base_out.h2load")" >&2
      elif [[ "$client" == paced ]] && ! grep -q '^achieved' "$base_out.paced"; then
        printf 'bench: [%3d/%d] %-12s %-14s run %d: failed: %s\n' "$i" "$total" "$s" "$t" "$r" \
          "$(tail -2 "$base_out.paced" | tr '\n' ' ')" >&2
      elif [[ "$client" == paced ]]; then
        printf 'bench: [%3d/%d] %-12s %-14s run %d: %10s req/s of %s, p99 %s ms, p99.9 %s ms\n' "$i" "$total" "$s" "$t" "$r" \
          "$(awk '$1=="achieved"{print $2}' "$base_out.paced")" "$(awk '$1=="rate"{print $2}' "$base_out.paced")" \
          "$(awk '$1=="p99_ms"{print $2}' "$base_out.paced")" "$(awk '$1=="p99.9_ms"{print $2}' "$base_out.paced")" >&2
      else
        printf 'bench: [%3d/%d] %-12s %-14s run %d: %10s req/s, p99 %s\n' "$i" "$total" "$s" "$t" "$r" \
          "$(awk '/^Requests\/sec/{print $2}' "$base_out.wrk")" "$(awk '$1=="99%"{print $2}' "$base_out.wrk")" >&2
      fi
      sleep 1
    done
  done
done

# ---- memory: idle keep-alive client connections ----------------------------------------------------
if [[ "$MEMORY" == 1 ]]; then
  echo "bench: memory probe: $IDLE idle keep-alive connections" >&2
  echo "# name connections rss_before_kib rss_after_kib heap_before_kib heap_after_kib" >"$OUT/raw/memory.txt"
  mem="$OUT/raw/memory.txt"
  ! uses tandem || probe tandem "$tpid" "$T_HTTP" "$IDLE" "$mem"
  ! uses haproxy1 || probe haproxy1 "${PID_OF[haproxy1]}" "$HAP1_HTTP" "$IDLE" "$mem"
  ! uses haproxy2 || probe haproxy2 "${PID_OF[haproxy2]}" "$HAP2_HTTP" "$IDLE" "$mem"
  ! uses nginxlb || probe nginxlb "${PID_OF[nginxlb]}" "$NLB_HTTP" "$IDLE" "$mem"
  ! uses caddy || probe caddy "${PID_OF[caddy]}" "$CADDY_HTTP" "$IDLE" "$mem"
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/env.txt"
for f in tandem.yaml haproxy1.cfg haproxy2.cfg nginx1.conf nginx1/conf.d/tls.conf nginx1/conf.d/h2c.conf \
  nginxlb.conf nginxlb/main.d/stream.conf nginxlb/conf.d/tls.conf nginxlb/conf.d/h2c.conf Caddyfile; do
  if [[ -e "$work/$f" ]]; then cp "$work/$f" "$OUT/raw/${f//\//-}"; fi
done
python3 "$here/report.py" "$OUT"
echo "bench: results in $OUT" >&2
