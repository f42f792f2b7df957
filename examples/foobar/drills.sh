# The failure drills of run-local.sh --check, and the helpers they share with its normal run
# (sourced by run-local.sh after the stack has started; uses its variables: VIP, SITE, ADMIN,
# FOOBAR_*). Each drill prints what it measured and returns non-zero when its goal is missed.
# run-netns.sh runs drills 1 and 2 too; drills 3-7 restart servers at run-local.sh's addresses.

CURL_SITE=(curl -sS --max-time 10 --cacert "$FOOBAR_STATE/tls/www.foobar.com.crt"
  --resolve "www.foobar.com:$FOOBAR_HTTPS_PORT:$VIP")

# site_ok PATH: the site answers 200 on the VIP, over HTTPS with the site's certificate.
site_ok() {
  [[ $("${CURL_SITE[@]}" -o /dev/null -w '%{http_code}' "$SITE$1" 2>/dev/null) == 200 ]]
}

# metric NODE SERIES: the value of one series of NODE's /metrics (as a whole number), or nothing.
# SERIES as in a query, tandem_server_up{backend="web",server="web1"}; the exposition format
# may end the labels with a comma.
metric() {
  curl -s --max-time 2 "http://${ADMIN[$1]}/metrics" |
    awk -v series="$2" '{ name = $1; sub(/,}$/, "}", name) } name == series { printf "%d\n", $2 }'
}

# metric_is NODE SERIES VALUE
metric_is() {
  [[ $(metric "$1" "$2") == "$3" ]]
}

# active_node: the node that says it is active (none while there is none).
active_node() {
  local node
  for node in lb1 lb2; do
    if metric_is "$node" tandem_cluster_active 1; then
      echo "$node"
      return 0
    fi
  done
  return 1
}

other_node() {
  if [[ $1 == lb1 ]]; then echo lb2; else echo lb1; fi
}

# pair_formed: both nodes see two members, and exactly one is active.
pair_formed() {
  metric_is lb1 tandem_cluster_members 2 && metric_is lb2 tandem_cluster_members 2 &&
    [[ $(($(metric lb1 tandem_cluster_active) + $(metric lb2 tandem_cluster_active))) -eq 1 ]]
}

server_up() { # server_up NODE BACKEND SERVER 0|1
  metric_is "$1" "tandem_server_up{backend=\"$2\",server=\"$3\"}" "$4"
}

# server_state_is NODE SERVER STATE: NODE's status shows web server SERVER in admin state STATE.
server_state_is() {
  curl -s --max-time 2 "http://${ADMIN[$1]}/api/v1/status" | tr -d ' \n' |
    grep -q "\"name\":\"$2\",\"address\":\"[^\"]*\",\"state\":\"$3\""
}

# --- Probes: a client that sends one request after another and writes down every answer --------

declare -A PROBE_FILE=()
PROBE_PREFIX=() # run-netns.sh: the probe runs on the client host

# probe_start NAME PATH [PAUSE]: GET PATH on the site, one new connection per request, PAUSE
# seconds apart (0.02), until probe_stop. Each line: start ms, end ms, HTTP status (000: none).
# A request fails when it gets an error status, or no answer within the 10 s of CURL_SITE: a
# machine too busy to run curl promptly must not pass for a failed request (each line keeps the
# request's time; drill 6 reports the slowest).
probe_start() {
  local file="$FOOBAR_STATE/probes/$1"
  mkdir -p "$FOOBAR_STATE/probes"
  : >"$file"
  rm -f "$file.stop"
  PROBE_FILE[$1]=$file
  spawn "probe-$1" probe_loop "$file" "$2" "${3:-0.02}"
}

# probe_java_start NAME PATH PAUSE_MS: the same with one warm JVM (the Probe class) instead of a
# curl process per request, for the failover drill, whose figure is a time: on a busy host,
# starting a curl per request would add its own delays to the gap measured.
probe_java_start() {
  local file="$FOOBAR_STATE/probes/$1"
  mkdir -p "$FOOBAR_STATE/probes"
  : >"$file"
  rm -f "$file.stop"
  PROBE_FILE[$1]=$file
  spawn "probe-$1" "${PROBE_PREFIX[@]}" java -Xms16m -Xmx64m -XX:+UseSerialGC -cp "$APP_CLASSPATH" \
    org.tandemlb.examples.foobar.Probe --connect="$VIP:$FOOBAR_HTTPS_PORT" --host=www.foobar.com \
    --ca="$FOOBAR_STATE/tls/www.foobar.com.crt" --path="$2" --pause-ms="$3" --out="$file" --stop="$file.stop"
  # Warm before the drill starts: ten answers in.
  wait_for "$START_LIMIT" "the probe's first answers" probe_answered "$file"
}

probe_answered() {
  [[ $(grep -c ' 200$' "$1") -ge 10 ]]
}

probe_loop() {
  local file=$1 path=$2 pause=$3 start code
  while [[ ! -e $file.stop ]]; do
    start=$(now_ms)
    code=$("${CURL_SITE[@]}" -o /dev/null -w '%{http_code}' "$SITE$path" 2>/dev/null) || true
    echo "$start $(now_ms) ${code:-000}" >>"$file"
    if [[ $pause != 0 ]]; then sleep "$pause"; fi
  done
}

# probe_stop NAME: the probe finishes its request in flight (at most 10 s), then stops.
probe_stop() {
  touch "${PROBE_FILE[$1]}.stop"
  wait "${PIDS[probe-$1]}" 2>/dev/null || true
  unset "PIDS[probe-$1]"
}

# probe_stats NAME [FROM_MS]: "requests failed slowest" counted from FROM_MS (request start) on;
# slowest: the longest request, in ms.
probe_stats() {
  awk -v from="${2:-0}" '
    $1 >= from { total++; if ($3 != 200) failed++; if ($2 - $1 > slowest) slowest = $2 - $1 }
    END { printf "%d %d %d\n", total, failed, slowest }' "${PROBE_FILE[$1]}"
}

# probe_outage NAME AT_MS: "down failed longest" for an outage that began at AT_MS. down: from
# AT_MS to the end of the first answered request sent at or after it (what a user who clicked at
# AT_MS waited), -1 if none was; failed: requests sent after that one that were not answered
# 200; longest: the longest time between two answers after it (slow answers on a busy machine).
probe_outage() {
  awk -v at="$2" '
    $1 >= at && back == "" && $3 == 200 { back = $2 - at; last = $2; next }
    back != "" { if ($3 != 200) failed++; else { if ($2 - last > longest) longest = $2 - last; last = $2 } }
    END { printf "%d %d %d\n", back == "" ? -1 : back, failed, longest }' "${PROBE_FILE[$1]}"
}

seconds() { # seconds MS: 1234 -> 1.23
  awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'
}

# --- The drills ----------------------------------------------------------------------------------

RESULTS=()
FAILED=()

record() { # record NUMBER OK|FAIL TEXT
  RESULTS+=("$1 $3")
  if [[ $2 != OK ]]; then FAILED+=("$1"); fi
  say "drill $1: $2: $3"
}

post_entry() { # post_entry MESSAGE: prints "STATUS MS BODY"
  local start code body
  start=$(now_ms)
  body=$("${CURL_SITE[@]}" -w '\n%{http_code}' --data-urlencode name=drill --data-urlencode "message=$1" \
    "$SITE/api/entries" 2>&1) || true
  code=${body##*$'\n'}
  echo "$code $(($(now_ms) - start)) ${body%$'\n'*}"
}

# 1. A page through the VIP; an entry written through the write frontend, read back through the read one.
drill_page() {
  local page redirect written message="written by the check at $(date -u +%H:%M:%S) ($RANDOM)" start read
  page=$("${CURL_SITE[@]}" "$SITE/" 2>&1) || true
  redirect=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://$VIP:$FOOBAR_HTTP_PORT/x?y=1") || true
  if [[ $page != *"www.foobar.com guestbook"* ]]; then
    record 1 FAIL "the page through the VIP: $page"
    return 1
  fi
  if [[ $redirect != "308 https://$VIP:$FOOBAR_HTTPS_PORT/x?y=1" ]]; then
    record 1 FAIL "http://$VIP:$FOOBAR_HTTP_PORT/ does not redirect to HTTPS: $redirect"
    return 1
  fi
  written=$(post_entry "$message")
  if [[ $written != 201\ * || $written != *'"db": "db-primary"'* ]]; then
    record 1 FAIL "write through the VIP: $written"
    return 1
  fi
  start=$(now_ms)
  if ! wait_for 10 "the entry read back" entry_readable "$message"; then
    record 1 FAIL "the entry written was not read back within 10 s"
    return 1
  fi
  read=$("${CURL_SITE[@]}" "$SITE/api/entries")
  read=${read#*\"db\": \"}
  record 1 OK "page, redirect; entry written on db-primary, read back from ${read%%\"*} in $(($(now_ms) - start)) ms"
}

entry_readable() {
  [[ $("${CURL_SITE[@]}" "$SITE/api/entries") == *"$1"* ]]
}

# 2. kill -9 of the active node: the other serves the site within 1 s; the killed one comes back as standby.
# The longest the site may be down in drill 2, in ms: 1 s on loopback (the issue's goal); a script
# may set more (run-netns.sh: ARP across a bridge between nine namespaces on one small machine).
FAILOVER_GOAL_MS=${FAILOVER_GOAL_MS:-1000}

# The figure: from the kill to the end of the first request sent after it that got its page; then
# every later request must get its page too.
drill_failover() {
  local active standby killed_at down failed longest
  active=$(active_node) || { record 2 FAIL "no active node"; return 1; }
  standby=$(other_node "$active")
  probe_java_start failover / 20
  sleep 0.5
  # The time is taken once the signal is sent: a request sent a moment before could still be
  # answered by the node being killed, and would pass for the first page after the failover.
  kill -KILL "${PIDS[$active]}"
  killed_at=$(now_ms)
  stop_proc "$active" KILL
  say "drill 2: kill -9 of $active at $(date -u -d "@$((killed_at / 1000))" +%H:%M:%S).$(printf %03d $((killed_at % 1000))) (compare with the nodes' logs)"
  wait_for 10 "$standby to become active" metric_is "$standby" tandem_cluster_active 1 || true
  wait_for 5 "the site on $standby" site_ok / || true
  sleep 1
  probe_stop failover
  read -r down failed longest <<<"$(probe_outage failover "$killed_at")"
  start_lb "$active"
  if ! wait_for "$START_LIMIT" "$active to rejoin as standby" pair_formed; then
    record 2 FAIL "$active did not rejoin after the failover"
    return 1
  fi
  if ((down < 0)); then
    record 2 FAIL "kill -9 of $active: the site did not answer again"
    return 1
  fi
  local after="then $failed failed, longest wait $(seconds "$longest") s"
  if ((down > FAILOVER_GOAL_MS || failed > 0)); then
    record 2 FAIL "kill -9 of $active: the site was down for $(seconds "$down") s (goal: $(seconds "$FAILOVER_GOAL_MS") s), $after"
    return 1
  fi
  record 2 OK "kill -9 of active $active: $standby served again after $(seconds "$down") s, $after"
}

# 3. One Nginx stopped: no failed request once the active node has seen it down; it comes back.
drill_web_down() {
  local active stopped_at detected_at restarted_at total failed total_after failed_after
  active=$(active_node) || { record 3 FAIL "no active node"; return 1; }
  probe_start web / 0.01
  sleep 0.5
  stopped_at=$(now_ms)
  stop_proc web1
  local seen=yes
  wait_for 10 "web1 down on $active" server_up "$active" web web1 0 || seen=""
  detected_at=$(now_ms)
  sleep 2
  restarted_at=$(now_ms)
  web_start web1 127.0.0.21:8080 127.0.0.21:8081 "$APP_SERVERS" "$LB_HOSTS"
  wait_for 10 "web1 up on $active" server_up "$active" web web1 1 || true
  local back_ms=$(($(now_ms) - restarted_at))
  sleep 0.5
  probe_stop web
  read -r total failed _ <<<"$(probe_stats web)"
  read -r total_after failed_after _ <<<"$(probe_stats web "$detected_at")"
  local text="web1 stopped: down on $active after $(seconds $((detected_at - stopped_at))) s, $failed_after failed of $total_after requests after ($failed of $total in all), back up in $(seconds "$back_ms") s"
  if ((failed_after > 0)) || [[ -z $seen ]] || ! server_up "$active" web web1 1; then
    record 3 FAIL "$text"
    return 1
  fi
  record 3 OK "$text"
}

# 4. One application server stopped: no failed API request once it has stopped (Nginx sends its
# requests to the other one).
drill_app_down() {
  local stopped_at total failed total_after failed_after
  probe_start api /api/entries 0.01
  sleep 0.5
  stop_proc app1
  stopped_at=$(now_ms)
  sleep 2
  app_start app1 127.0.0.31:8000 "$VIP:3306" "$VIP:3307"
  wait_for "$START_LIMIT" "app1" http_ok http://127.0.0.31:8000/api/health || true
  sleep 0.5
  probe_stop api
  read -r total failed _ <<<"$(probe_stats api)"
  read -r total_after failed_after _ <<<"$(probe_stats api "$stopped_at")"
  local text="app1 stopped: $failed_after failed of $total_after API requests after ($failed of $total in all)"
  if ((failed_after > 0 || total_after == 0)) || ! http_ok http://127.0.0.31:8000/api/health; then
    record 4 FAIL "$text"
    return 1
  fi
  record 4 OK "$text"
}

# 5. The primary database stopped: reads go on through the replica; writes fail at once with a
# clear error until the primary is back, then succeed.
drill_db_down() {
  local active detected_at total_after failed_after written code ms i worst=0 clean=0 restarted_at back="" seen=yes
  active=$(active_node) || { record 5 FAIL "no active node"; return 1; }
  probe_start reads /api/entries 0.01
  sleep 0.5
  stop_proc db-primary
  wait_for 10 "db-primary down on $active" server_up "$active" db-read db-primary 0 || seen=""
  detected_at=$(now_ms)
  for ((i = 0; i < 5; i++)); do
    written=$(post_entry "written while the primary is down")
    read -r code ms _ <<<"$written"
    ((ms > worst)) && worst=$ms
    if [[ $code == 503 && $written == *'"error": "writes unavailable: '* ]]; then
      clean=$((clean + 1))
    else
      say "drill 5: a write while the primary was down: $written"
    fi
    sleep 0.2
  done
  restarted_at=$(now_ms)
  db_start db-primary 127.0.0.41 1
  # Writes must work again once the primary is back; a minute, for a busy machine.
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    written=$(post_entry "written after the primary came back")
    if [[ $written == 201\ * ]]; then
      back=$(seconds $(($(now_ms) - restarted_at)))
      break
    fi
    sleep 0.1
  done
  probe_stop reads
  read -r total_after failed_after _ <<<"$(probe_stats reads "$detected_at")"
  local text="db-primary stopped: $failed_after failed of $total_after reads, $clean of 5 writes failed cleanly (503, at most $(seconds "$worst") s), writes back ${back:+${back} s }after its restart"
  if ((failed_after > 0 || clean < 5 || worst > 3000)) || [[ -z $back || -z $seen ]]; then
    record 5 FAIL "$text"
    return 1
  fi
  record 5 OK "$text"
}

# 6. A reload of both nodes under load: no failed request.
drill_reload() {
  local i node answers="" total failed slowest sum_total=0 sum_failed=0 max_slowest=0
  for i in 1 2 3 4; do probe_start "load$i" / 0; done
  probe_start load-api /api/entries 0
  sleep 0.5
  for i in 1 2; do
    for node in lb1 lb2; do
      answers+=$(curl -s --max-time 10 -X POST "http://${ADMIN[$node]}/api/v1/reload")
    done
    sleep 0.5
  done
  for i in 1 2 3 4 -api; do
    probe_stop "load${i}"
    read -r total failed slowest _ <<<"$(probe_stats "load${i}")"
    ((slowest > max_slowest)) && max_slowest=$slowest
    sum_total=$((sum_total + total))
    sum_failed=$((sum_failed + failed))
  done
  local reloads
  reloads=$(grep -o '"reloaded": *true' <<<"$answers" | wc -l)
  local text="4 reloads (2 per node) under 5 clients: $sum_failed failed of $sum_total requests (slowest $(seconds "$max_slowest") s)"
  if ((sum_failed > 0 || reloads != 4 || sum_total == 0)); then
    record 6 FAIL "$text (reload answers: $answers)"
    return 1
  fi
  record 6 OK "$text"
}

# 7. Drain of web1 through the standby's admin API: the active node stops sending it requests.
drill_drain() {
  local active standby i header web1=0 ok=0
  active=$(active_node) || { record 7 FAIL "no active node"; return 1; }
  standby=$(other_node "$active")
  curl -s --max-time 5 -X POST -d '{"state": "drain"}' "http://${ADMIN[$standby]}/api/v1/backends/web/servers/web1" >/dev/null
  if ! wait_for 5 "the drain on $active" server_state_is "$active" web1 drain; then
    record 7 FAIL "a drain posted to $standby did not reach $active"
    return 1
  fi
  for ((i = 0; i < 20; i++)); do
    header=$("${CURL_SITE[@]}" -o /dev/null -D - "$SITE/" 2>/dev/null | tr -d '\r' | grep -i '^x-served-by:') || true
    [[ -n $header ]] && ok=$((ok + 1))
    [[ ${header,,} == *web1 ]] && web1=$((web1 + 1))
  done
  curl -s --max-time 5 -X POST -d '{"state": "ready"}' "http://${ADMIN[$standby]}/api/v1/backends/web/servers/web1" >/dev/null
  wait_for 5 "web1 ready again on $active" server_state_is "$active" web1 ready || true
  local text="web1 drained through standby $standby: active $active sent it $web1 of $ok requests"
  if ((web1 > 0 || ok != 20)); then
    record 7 FAIL "$text"
    return 1
  fi
  record 7 OK "$text"
}

run_drills() {
  local started=$SECONDS drill
  for drill in drill_page drill_failover drill_web_down drill_app_down drill_db_down drill_reload drill_drain; do
    "$drill" || true
  done
  local summary
  summary=$(printf ' | %s' "${RESULTS[@]}")
  if ((${#FAILED[@]} == 0)); then
    echo "foobar check: PASS $((7 - ${#FAILED[@]}))/7 in $((SECONDS - started)) s$summary"
    return 0
  fi
  echo "foobar check: FAIL $((7 - ${#FAILED[@]}))/7 (failed: ${FAILED[*]}) in $((SECONDS - started)) s$summary"
  return 1
}

# --- Monitoring (the normal run only) ------------------------------------------------------------

# start_monitoring: the exporters and Prometheus, each when its Debian package is installed.
start_monitoring() {
  if [[ -x /usr/bin/prometheus-node-exporter ]]; then
    spawn node-exporter prometheus-node-exporter --web.listen-address=127.0.0.1:9100
    MONITORING+=("  node         http://127.0.0.1:9100/metrics (prometheus-node-exporter)")
  else
    MONITORING+=("  (prometheus-node-exporter is not installed: apt-get install prometheus-node-exporter)")
  fi
  if [[ -x /usr/bin/prometheus-nginx-exporter ]]; then
    spawn nginx-exporter prometheus-nginx-exporter --nginx.scrape-uri=http://127.0.0.21:8081/stub_status \
      --web.listen-address=127.0.0.1:9113
    MONITORING+=("  nginx        http://127.0.0.1:9113/metrics (prometheus-nginx-exporter, web1's stub_status)")
  else
    MONITORING+=("  (prometheus-nginx-exporter is not installed: apt-get install prometheus-nginx-exporter)")
  fi
  if [[ -x /usr/bin/prometheus-mysqld-exporter ]]; then
    printf '[client]\nuser=exporter\npassword=%s\nhost=127.0.0.41\nport=3306\n' "$DB_EXPORTER_PASSWORD" \
      >"$FOOBAR_STATE/mysqld-exporter.cnf"
    chmod 600 "$FOOBAR_STATE/mysqld-exporter.cnf"
    spawn mysqld-exporter prometheus-mysqld-exporter --config.my-cnf="$FOOBAR_STATE/mysqld-exporter.cnf" \
      --web.listen-address=127.0.0.1:9104
    MONITORING+=("  mysqld       http://127.0.0.1:9104/metrics (prometheus-mysqld-exporter, db-primary)")
  else
    MONITORING+=("  (prometheus-mysqld-exporter is not installed: apt-get install prometheus-mysqld-exporter)")
  fi
  local config="$FOOBAR_ROOT/examples/monitoring/prometheus.yml"
  if [[ ! -x /usr/bin/prometheus ]]; then
    MONITORING+=("  (Prometheus is not installed: apt-get install prometheus)")
  elif [[ ! -f $config ]]; then
    MONITORING+=("  (Prometheus not started: $config is missing)")
  else
    spawn prometheus prometheus --config.file="$config" --storage.tsdb.path="$FOOBAR_STATE/prometheus" \
      --web.listen-address=127.0.0.1:9090
    MONITORING+=("  Prometheus   http://127.0.0.1:9090/  e.g. rate(tandem_frontend_http_requests_total[1m])")
  fi
}
