#!/usr/bin/env bash
# The www.foobar.com stack with network namespaces as hosts, as root: each server in a namespace
# of its own on one bridge (10.77.0.0/24), and the two Tandem nodes moving a real VIP with the
# `linux` driver (ip addr with a lease, gratuitous ARP), as on two LB hosts.
#
#   sudo examples/foobar/run-netns.sh           start everything, print the URLs; Ctrl-C stops it
#   sudo examples/foobar/run-netns.sh --check   start, then the page drill and the kill -9 drill
#                                               (the VIP moves by ARP); one summary line, exit 0/1
#
# Hosts (namespaces fb-NAME): client .2, lb1 .11, lb2 .12 (VIP .100 on eth0), web1 .21, web2 .22,
# app1 .31, app2 .32, db-primary .41, db-replica .42; the host itself is .1 on fb-host, so a
# browser on this machine reaches the site at https://10.77.0.100:8443/. Same files as
# run-local.sh (lb1.yaml and lb2.yaml with these addresses, the linux driver and an admin token,
# since the admin API then listens on a network address). Everything is removed on exit.
set -euo pipefail

FOOBAR_SCRIPT=run-netns.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args "$@"
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, and the linux VIP driver's CAP_NET_ADMIN)"

NET=10.77.0
VIP=$NET.100
export FOOBAR_HTTPS_PORT="${FOOBAR_HTTPS_PORT:-8443}"
export FOOBAR_HTTP_PORT="${FOOBAR_HTTP_PORT:-8080}"
export FOOBAR_STATE="${FOOBAR_STATE:-${TMPDIR:-/tmp}/foobar-netns}"
export TANDEM_ADMIN_TOKEN="${TANDEM_ADMIN_TOKEN:-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')}"
declare -A ADMIN=([lb1]=$NET.11:8404 [lb2]=$NET.12:8404)
declare -A HOST=([client]=2 [lb1]=11 [lb2]=12 [web1]=21 [web2]=22 [app1]=31 [app2]=32 [db-primary]=41 [db-replica]=42)
SITE="https://www.foobar.com:$FOOBAR_HTTPS_PORT"

if ip netns list | grep -q '^fb-'; then
  die "namespaces fb-* exist (another run?): $(ip netns list | grep -o '^fb-[^ ]*' | tr '\n' ' ')"
fi
fresh_state_dir

install_needed /usr/sbin/ip=iproute2 /usr/sbin/arping=arping
tandem_command
app_classpath

teardown() {
  stop_all
  local host
  for host in "${!HOST[@]}" sw; do
    ip netns del "fb-$host" 2>/dev/null || true
  done
  ip link del fb-host 2>/dev/null || true
}
trap teardown EXIT
trap 'say "stopping..."; exit 130' INT TERM

# The network: a bridge in a namespace of its own (fb-sw), one veth per host, and one for this
# machine (fb-host, 10.77.0.1) so that a browser here reaches the VIP.
ip netns add fb-sw
ip -n fb-sw link add br0 type bridge
ip -n fb-sw link set br0 up
for host in "${!HOST[@]}"; do
  ns="fb-$host"
  ip netns add "$ns"
  ip link add "fbv-$host" netns fb-sw type veth peer name eth0 netns "$ns"
  ip -n fb-sw link set "fbv-$host" master br0 up
  ip -n "$ns" addr add "$NET.${HOST[$host]}/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done
ip link add fb-host type veth peer name fbv-host netns fb-sw
ip -n fb-sw link set fbv-host master br0 up
ip addr add "$NET.1/24" dev fb-host
ip link set fb-host up
# The LB hosts: frontends bind the VIP's address also while they do not hold it (the standby),
# and ARP requests never use the VIP as sender (docs/cluster.md).
for host in lb1 lb2; do
  ip netns exec "fb-$host" sysctl -q -w net.ipv4.ip_nonlocal_bind=1 net.ipv4.conf.all.arp_announce=2
done

# lb1.yaml and lb2.yaml with this network's addresses, the linux driver, and the admin token.
for lb in lb1 lb2; do
  sed -e "s/127\.0\.0\./$NET./g" \
    -e "s|{ address: $VIP/32, driver: bind }.*|{ address: $VIP/24, interface: eth0, driver: linux }|" \
    -e "s|^  listen: \($NET\.[0-9]*:8404\).*|  listen: \1\n  token: \${TANDEM_ADMIN_TOKEN}|" \
    "$FOOBAR_HERE/$lb.yaml" >"$FOOBAR_STATE/$lb.yaml"
  mkdir -p "$FOOBAR_STATE/$lb"
done

start_lb() {
  NETNS_PREFIX=(ip netns exec "fb-$1")
  spawn "$1" "${NETNS_PREFIX[@]}" env TANDEM_CLUSTER_SECRET="$CLUSTER_SECRET" "${TANDEM[@]}" run -c "$FOOBAR_STATE/$1.yaml"
  wait_for "$START_LIMIT" "$1's admin API" http_ok "http://${ADMIN[$1]}/healthz" || die "$1 did not start: see $FOOBAR_STATE/logs/$1.log"
}

say "state, logs: $FOOBAR_STATE"
make_certificate
CLUSTER_SECRET="$(head -c 24 /dev/urandom | base64)"
for lb in lb1 lb2; do
  TANDEM_CLUSTER_SECRET="$CLUSTER_SECRET" "${TANDEM[@]}" check -c "$FOOBAR_STATE/$lb.yaml" >&2 ||
    die "tandem check -c $FOOBAR_STATE/$lb.yaml failed"
done

say "starting MariaDB, the application servers, the web servers..."
db_init
NETNS_PREFIX=(ip netns exec fb-db-primary)
db_start db-primary "$NET.41" 1
NETNS_PREFIX=(ip netns exec fb-db-replica)
db_start db-replica "$NET.42" 2 --read-only=ON
db_setup "$NET.41"
for app in app1 app2; do
  NETNS_PREFIX=(ip netns exec "fb-$app")
  app_start "$app" "$NET.${HOST[$app]}:8000" "$VIP:3306" "$VIP:3307"
done
APP_SERVERS="server $NET.31:8000 max_fails=1 fail_timeout=5s; server $NET.32:8000 max_fails=1 fail_timeout=5s;"
LB_HOSTS="set_real_ip_from $NET.11; set_real_ip_from $NET.12;"
for web in web1 web2; do
  NETNS_PREFIX=(ip netns exec "fb-$web")
  web_start "$web" "$NET.${HOST[$web]}:8080" "$NET.${HOST[$web]}:8081" "$APP_SERVERS" "$LB_HOSTS"
done
NETNS_PREFIX=()
wait_for_http "app1:$NET.31:8000/api/health" "app2:$NET.32:8000/api/health" "web1:$NET.21:8080/healthz" \
  "web2:$NET.22:8080/healthz"

say "starting Tandem: lb1, then lb2..."
start_lb lb1
start_lb lb2
# Drill 2's goal here: the VIP moves with a gratuitous ARP across a bridge, between nine namespaces
# sharing this machine's cores; measured 0.95-2.3 s on a 2-core machine (run-local.sh holds 1 s).
FAILOVER_GOAL_MS=2500
# shellcheck source=drills.sh
source "$FOOBAR_HERE/drills.sh"
# The drills' client is the client host.
CURL_SITE=(ip netns exec fb-client "${CURL_SITE[@]}")
PROBE_PREFIX=(ip netns exec fb-client)
wait_for "$START_LIMIT" "one active node of two members" pair_formed || die "the Tandem pair did not form: see $FOOBAR_STATE/logs"
wait_for "$START_LIMIT" "the site on the VIP" site_ok / || die "the site does not answer on the VIP"

if [[ $MODE == check ]]; then
  started=$SECONDS
  drill_page || true
  drill_failover || true
  summary=$(printf ' | %s' "${RESULTS[@]}")
  if ((${#FAILED[@]} == 0)); then
    echo "foobar netns check: PASS 2/2 in $((SECONDS - started)) s$summary"
    exit 0
  fi
  echo "foobar netns check: FAIL $((2 - ${#FAILED[@]}))/2 (failed: ${FAILED[*]}) in $((SECONDS - started)) s$summary"
  exit 1
fi

cat <<INFO

www.foobar.com is up in namespaces ($(active_node) is active and holds $VIP). Ctrl-C stops everything.
  site         https://$VIP:$FOOBAR_HTTPS_PORT/ from this machine (fb-host), or from the client host:
               ip netns exec fb-client curl --cacert $FOOBAR_STATE/tls/www.foobar.com.crt --resolve www.foobar.com:$FOOBAR_HTTPS_PORT:$VIP $SITE/api/entries
  lb1          status page http://${ADMIN[lb1]}/   metrics http://${ADMIN[lb1]}/metrics
  lb2          status page http://${ADMIN[lb2]}/   metrics http://${ADMIN[lb2]}/metrics
               admin token (POST calls): $TANDEM_ADMIN_TOKEN
  the VIP      ip -n fb-lb1 addr show eth0; ip -n fb-client neigh   (who holds it, which MAC the client uses)
  logs         $FOOBAR_STATE/logs
INFO
wait -n "${PIDS[@]}" || true
say "a process of the stack exited: stopping the others"
