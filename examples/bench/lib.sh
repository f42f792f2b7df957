# examples/bench/lib.sh: what bench.sh and curves.sh share, sourced by both (not run by itself).
#
# The caller sets PROG (the name its messages start with) and, before calling start, work (its
# scratch directory, with a logs/ folder). Processes are started in the background, recorded in
# PIDS and PID_OF, and stopped by their PID (stop_all at exit, forget for one).

declare -a PIDS=()
declare -A PID_OF=()

die() {
  echo "${PROG:-bench}: $*" >&2
  exit 1
}

# start NAME COMMAND...: runs COMMAND in the background with its output in logs/NAME.log.
start() {
  local name="$1"
  shift
  "$@" >"$work/logs/$name.log" 2>&1 &
  PIDS+=("$!")
  PID_OF[$name]=$!
}

# stop_pid PID: SIGTERM, up to 5 s, then SIGKILL; reaps it.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

stop_all() { # every process started by start and not forgotten yet, SIGTERM to all first
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
}

forget() { # forget PID: stop one process started by start and remove it from the list
  local pid="$1" keep=() p
  stop_pid "$pid"
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# wait_ready NAME URL [CURL_OPTION...]: until URL answers 200 twenty times in a row (both servers
# behind a round-robin proxy), within 60 s; fails if NAME's process has exited.
wait_ready() {
  local name="$1" url="$2" ok=0 deadline=$((SECONDS + 60))
  shift 2
  while ((ok < 20)); do
    kill -0 "${PID_OF[$name]}" 2>/dev/null || die "$name exited at start; its log: $(tail -5 "$work/logs/$name.log")"
    ((SECONDS < deadline)) || die "$name did not answer $url within 60 s; its log: $(tail -5 "$work/logs/$name.log")"
    if curl -sf -m 2 -o /dev/null "$@" "$url"; then ok=$((ok + 1)); else ok=0; sleep 0.2; fi
  done
}

subst() { # subst TEMPLATE OUTPUT KEY=VALUE...
  local in="$1" out="$2" expr=() kv
  shift 2
  for kv in "$@" "WORK=$work"; do expr+=(-e "s#@${kv%%=*}@#${kv#*=}#g"); done
  sed "${expr[@]}" "$in" >"$out"
}

# proc_tree PID: the process and its children (Nginx's workers under their master)
proc_tree() { echo "$1"; cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'; }
ticks() { # utime+stime of the process and its children, all threads
  local p sum=0
  for p in $(proc_tree "$1"); do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$sum"
}
rss_kb() { # the process and its children (Nginx's workers), summed
  local p sum=0
  for p in $(proc_tree "$1"); do sum=$((sum + $(awk '/^VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done
  echo "$sum"
}

# wrk_run SECONDS CONNS URL CLOSE OUTFILE [SCRIPT]: one bounded wrk run (with the Lua SCRIPT of
# examples/bench when given); its CPU time into OUTFILE.time.
# Over https wrk (OpenSSL) makes a TLS connection per client connection, without ALPN; after a
# Connection: close it reconnects and offers the session it had, so it resumes where the server
# lets it (raw/tls.txt says where).
wrk_run() {
  local secs="$1" conns="$2" url="$3" close="$4" out="$5" hdr=()
  [[ "$close" == 1 ]] && hdr=(-H "Connection: close")
  [[ -n "${6:-}" ]] && hdr+=(-s "$here/$6")
  local TIMEFORMAT='%U %S'
  { time timeout $((secs + 30)) wrk -t2 -c"$conns" -d"${secs}s" --latency "${hdr[@]}" \
      "$url" >"$out" 2>&1 || echo "wrk exit status $?" >>"$out"; } 2>"$out.time"
}

heap_kb() { # used heap (all generations) in KiB, from jstat's *U columns
  jstat -gc "$1" | awk 'NR==1{for(i=1;i<=NF;i++)h[i]=$i} NR==2{s=0; for(i=1;i<=NF;i++) if(h[i] ~ /^(S0U|S1U|EU|OU)$/) s+=$i; printf "%d\n", s}'
}
full_gc() { jcmd "$1" GC.run >/dev/null; sleep 2; }

# probe NAME PID PORT COUNT FILE: COUNT idle keep-alive client connections (idle_clients.py) held
# open against PORT; a line of FILE: RSS of PID before and with them, and for a JVM (NAME tandem*)
# its heap after a full GC.
probe() {
  local name="$1" pid="$2" port="$3" count="$4" file="$5" rss0 rss1 heap0="" heap1="" ready="$work/idle.ready"
  [[ "$name" == tandem* ]] && { full_gc "$pid"; heap0=$(heap_kb "$pid"); }
  rss0=$(rss_kb "$pid")
  rm -f "$ready"
  start "idle-$name" python3 "$here/idle_clients.py" --port "$port" --count "$count" --ready-file "$ready" --hold 300
  local cpid="${PID_OF[idle-$name]}" deadline=$((SECONDS + 180))
  until [[ -s "$ready" ]]; do
    kill -0 "$cpid" 2>/dev/null || die "idle client against $name failed: $(tail -3 "$work/logs/idle-$name.log")"
    ((SECONDS < deadline)) || die "idle client against $name did not get its $count connections in 180 s"
    sleep 0.5
  done
  sleep 3
  [[ "$name" == tandem* ]] && { full_gc "$pid"; heap1=$(heap_kb "$pid"); }
  rss1=$(rss_kb "$pid")
  echo "$name $count $rss0 $rss1 $heap0 $heap1" >>"$file"
  forget "$cpid"
  sleep 2
}
