#!/usr/bin/env bash
# The www.foobar.com stack on one machine, on loopback addresses: two Tandem nodes sharing the VIP
# 127.0.0.100 (the `bind` driver), two Nginx web servers, two application servers, a MariaDB
# primary and its replica; with Prometheus and the exporters when they are installed.
#
#   examples/foobar/run-local.sh            start everything, print the URLs; Ctrl-C stops it all
#   examples/foobar/run-local.sh --check    start everything, run the failure drills, print one
#                                           summary line, stop everything; exit 0 when all passed
#
# Environment: FOOBAR_STATE (the directory for data, logs and the certificate; default
# ${TMPDIR:-/tmp}/foobar, emptied at start), FOOBAR_HTTPS_PORT (8443) and FOOBAR_HTTP_PORT (8080),
# the site's ports on the VIP (443 and 80 need root), TANDEM_JAR (run this tandem.jar rather than
# ./tandem from the checkout). The layout:
#   VIP 127.0.0.100      :8443 HTTPS, :8080 redirect, :3306 MySQL writes, :3307 MySQL reads
#   lb1 127.0.0.11       admin/metrics :8404, cluster :7800      (lb2: 127.0.0.12)
#   web1 127.0.0.21:8080 (stub_status :8081)                     (web2: 127.0.0.22)
#   app1 127.0.0.31:8000                                         (app2: 127.0.0.32)
#   db-primary 127.0.0.41:3306, db-replica 127.0.0.42:3306
#   Prometheus 127.0.0.1:9090; exporters 127.0.0.1: node 9100, nginx 9113, mysqld 9104
set -euo pipefail

FOOBAR_SCRIPT=run-local.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args "$@"

VIP=127.0.0.100
export FOOBAR_HTTPS_PORT="${FOOBAR_HTTPS_PORT:-8443}"
export FOOBAR_HTTP_PORT="${FOOBAR_HTTP_PORT:-8080}"
export FOOBAR_STATE="${FOOBAR_STATE:-${TMPDIR:-/tmp}/foobar}"
declare -A ADMIN=([lb1]=127.0.0.11:8404 [lb2]=127.0.0.12:8404)
SITE="https://www.foobar.com:$FOOBAR_HTTPS_PORT"

fresh_state_dir

# Something already listening on the stack's addresses (an earlier run still going) would make
# the drills measure the wrong processes.
for address in "$VIP:$FOOBAR_HTTPS_PORT" "$VIP:$FOOBAR_HTTP_PORT" "$VIP:3306" 127.0.0.11:8404 127.0.0.12:8404 \
  127.0.0.21:8080 127.0.0.41:3306; do
  if (exec 3<>"/dev/tcp/${address%:*}/${address##*:}") 2>/dev/null; then
    die "$address is in use (another run of the stack?); stop it first"
  fi
done

install_needed
tandem_command
app_classpath
trap 'stop_all' EXIT
trap 'say "stopping..."; exit 130' INT TERM

start_lb() {
  spawn "$1" env TANDEM_CLUSTER_SECRET="$CLUSTER_SECRET" "${TANDEM[@]}" run -c "$FOOBAR_HERE/$1.yaml"
  wait_for "$START_LIMIT" "$1's admin API" http_ok "http://${ADMIN[$1]}/healthz" || die "$1 did not start: see $FOOBAR_STATE/logs/$1.log"
}

say "state, logs: $FOOBAR_STATE"
make_certificate
CLUSTER_SECRET="$(head -c 24 /dev/urandom | base64)"
for lb in lb1 lb2; do
  mkdir -p "$FOOBAR_STATE/$lb"
  TANDEM_CLUSTER_SECRET="$CLUSTER_SECRET" "${TANDEM[@]}" check -c "$FOOBAR_HERE/$lb.yaml" >&2 ||
    die "tandem check -c $lb.yaml failed"
done

say "starting MariaDB: db-primary, db-replica (GTID replication)..."
db_init
db_start db-primary 127.0.0.41 1
db_start db-replica 127.0.0.42 2 --read-only=ON
db_setup 127.0.0.41

say "starting the application servers app1, app2 and the web servers web1, web2..."
app_start app1 127.0.0.31:8000 "$VIP:3306" "$VIP:3307"
app_start app2 127.0.0.32:8000 "$VIP:3306" "$VIP:3307"
APP_SERVERS="server 127.0.0.31:8000 max_fails=1 fail_timeout=5s; server 127.0.0.32:8000 max_fails=1 fail_timeout=5s;"
# On one machine a connection to a loopback address leaves from 127.0.0.1, whichever LB makes it.
LB_HOSTS="set_real_ip_from 127.0.0.1; set_real_ip_from 127.0.0.11; set_real_ip_from 127.0.0.12;"
web_start web1 127.0.0.21:8080 127.0.0.21:8081 "$APP_SERVERS" "$LB_HOSTS"
web_start web2 127.0.0.22:8080 127.0.0.22:8081 "$APP_SERVERS" "$LB_HOSTS"
wait_for_http app1:127.0.0.31:8000/api/health app2:127.0.0.32:8000/api/health web1:127.0.0.21:8080/healthz \
  web2:127.0.0.22:8080/healthz

say "starting Tandem: lb1, then lb2..."
start_lb lb1
start_lb lb2
# shellcheck source=drills.sh
source "$FOOBAR_HERE/drills.sh"
wait_for "$START_LIMIT" "one active node of two members" pair_formed || die "the Tandem pair did not form: see $FOOBAR_STATE/logs"
wait_for "$START_LIMIT" "the site on the VIP" site_ok / || die "the site does not answer on the VIP"

if [[ $MODE == check ]]; then
  if run_drills; then exit 0; else exit 1; fi
fi

MONITORING=()
start_monitoring
cat <<INFO

www.foobar.com is up ($(active_node) is active). Ctrl-C stops everything.
  site         $SITE/   (via the VIP $VIP)
               curl --cacert $FOOBAR_STATE/tls/www.foobar.com.crt --resolve www.foobar.com:$FOOBAR_HTTPS_PORT:$VIP $SITE/api/entries
               in a browser: add "$VIP www.foobar.com" to /etc/hosts and accept the self-signed certificate
  redirect     http://$VIP:$FOOBAR_HTTP_PORT/  (308 to HTTPS)
  lb1          status page http://${ADMIN[lb1]}/   metrics http://${ADMIN[lb1]}/metrics
  lb2          status page http://${ADMIN[lb2]}/   metrics http://${ADMIN[lb2]}/metrics
$(printf '%s\n' "${MONITORING[@]}")
  MySQL        writes $VIP:3306, reads $VIP:3307 (user foobar, password $DB_APP_PASSWORD, database foobar)
  logs         $FOOBAR_STATE/logs, access logs in $FOOBAR_STATE/{lb1,lb2,web1,web2}/access.log
INFO
# Until Ctrl-C (or until one of the processes exits).
wait -n "${PIDS[@]}" || true
say "a process of the stack exited: stopping the others"
