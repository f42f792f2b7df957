# Functions shared by run-local.sh and run-netns.sh (sourced, not run): the processes they start
# and stop, and the pieces of the stack (certificate, MariaDB pair, Nginx, application servers).
# Every process is started by spawn, with its output in $FOOBAR_STATE/logs/NAME.log, and
# stopped by stop_proc or stop_all, by its PID.

FOOBAR_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FOOBAR_ROOT="$(cd "$FOOBAR_HERE/../.." && pwd)"

# How long a process may take to start (a JVM, mariadbd, Nginx), in seconds: a few on an idle
# machine, far more on a busy one (a CI runner shared with other jobs, load average 20 and more on
# two cores). Only a start that never happens waits this long.
START_LIMIT=180

declare -A PIDS=()
NETNS_PREFIX=() # run-netns.sh sets it to `ip netns exec NS` before starting a process in NS
ORDER=()

say() { printf '%s\n' "$*" >&2; }
die() { say "${FOOBAR_SCRIPT:-foobar}: $*"; exit 1; }

# spawn NAME COMMAND...: starts COMMAND in the background (a prefix of `ip netns exec NS` works too).
spawn() {
  local name=$1
  shift
  "$@" >>"$FOOBAR_STATE/logs/$name.log" 2>&1 &
  PIDS[$name]=$!
  ORDER+=("$name")
}

# stop_proc NAME [SIGNAL]: sends SIGNAL (TERM) to NAME's PID, waits up to 15 s for it to exit, then KILLs it.
stop_proc() {
  local name=$1 signal=${2:-TERM} pid=${PIDS[$1]-} i
  [[ -n $pid ]] || return 0
  kill -"$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (PID $pid) did not stop within 15 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$name]"
}

# stop_all: everything spawn started and that still runs, the last started first.
stop_all() {
  local i
  for ((i = ${#ORDER[@]} - 1; i >= 0; i--)); do
    stop_proc "${ORDER[$i]}"
  done
}

# parse_args "$@": MODE=run, or MODE=check with --check; --help prints the calling script's header.
parse_args() {
  MODE=run
  case "${1:-}" in
    "") ;;
    --check) MODE=check ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument '$1' (--check, --help)" ;;
  esac
}

# fresh_state_dir: empties $FOOBAR_STATE for this run, provided this script made it (or it is empty).
fresh_state_dir() {
  if [[ -e $FOOBAR_STATE && ! -e $FOOBAR_STATE/.foobar-state ]] && [[ -n $(ls -A "$FOOBAR_STATE") ]]; then
    die "$FOOBAR_STATE is not empty and was not made by this script; set FOOBAR_STATE to another directory"
  fi
  rm -rf "$FOOBAR_STATE"
  mkdir -p "$FOOBAR_STATE/logs"
  touch "$FOOBAR_STATE/.foobar-state"
}

# wait_for SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds; fails after SECONDS.
wait_for() {
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      say "timed out after ${limit} s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

# now_ms: the wall clock in milliseconds, without a subprocess (bash 5's EPOCHREALTIME).
now_ms() {
  local us=${EPOCHREALTIME//[.,]/}
  echo $((us / 1000))
}

# Missing Debian packages are installed as scripts/test.sh does (their services not started).
install_needed() {
  "$FOOBAR_ROOT/scripts/install-packages.sh" \
    /usr/sbin/nginx=nginx-light /usr/sbin/mariadbd=mariadb-server \
    /usr/bin/mariadb-install-db=mariadb-server /usr/bin/mariadb=mariadb-client \
    /usr/bin/curl=curl /usr/bin/openssl=openssl "$@"
}

# The tandem command: TANDEM_JAR when set (java -jar), else ./tandem from the checkout (which
# builds lb-admin/target/tandem.jar first when the sources are newer). A small heap: two nodes,
# two application servers and the databases share one machine.
tandem_command() {
  if [[ -n ${TANDEM_JAR:-} ]]; then
    [[ -f $TANDEM_JAR ]] || die "TANDEM_JAR=$TANDEM_JAR: no such file"
    TANDEM=(java -XX:+UseParallelGC -Xms64m -Xmx256m -XX:+ExitOnOutOfMemoryError -jar "$TANDEM_JAR")
  else
    export TANDEM_JAVA_OPTS="${TANDEM_JAVA_OPTS:--Xms64m -Xmx256m}"
    TANDEM=("$FOOBAR_ROOT/tandem")
  fi
}

# The application server's classes and Connector/J, built by Maven when missing.
app_classpath() {
  local classes="$FOOBAR_ROOT/examples/target/classes" lib="$FOOBAR_ROOT/examples/target/foobar-lib"
  if [[ ! -f $classes/org/tandemlb/examples/foobar/FoobarApp.class ]] || ! compgen -G "$lib/*.jar" >/dev/null; then
    say "building the application server (mvn -pl examples -am package)..."
    (cd "$FOOBAR_ROOT" && mvn -B -q -pl examples -am package -DskipTests) >&2 || die "the build failed"
  fi
  APP_CLASSPATH="$classes:$lib/*"
}

# make_certificate: a self-signed ECDSA certificate for www.foobar.com, which clients are told to trust.
make_certificate() {
  mkdir -p "$FOOBAR_STATE/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=www.foobar.com -addext subjectAltName=DNS:www.foobar.com \
    -keyout "$FOOBAR_STATE/tls/www.foobar.com.key" -out "$FOOBAR_STATE/tls/www.foobar.com.crt" \
    >>"$FOOBAR_STATE/logs/openssl.log" 2>&1 || die "openssl failed: see $FOOBAR_STATE/logs/openssl.log"
}

# --- MariaDB ------------------------------------------------------------------------------------

# Small buffers, no performance schema: each server starts in about a second. Binlog with GTIDs
# on both (the replica could be promoted), row format, no DNS lookups of clients, and a high
# max_connect_errors so that check connections through other loopback addresses never block.
DB_SETTINGS=(--innodb-buffer-pool-size=16M --innodb-log-file-size=8M --performance-schema=OFF
  --innodb-flush-log-at-trx-commit=2 --skip-name-resolve --max-connect-errors=1000000)

db_user_args() {
  if [[ $(id -u) -eq 0 ]]; then echo --user=root; fi # mariadbd refuses to run as root without it
}

# db_init: one data directory from mariadb-install-db, copied for each server.
db_init() {
  local template="$FOOBAR_STATE/db-template"
  # shellcheck disable=SC2046
  mariadb-install-db --no-defaults --datadir="$template" --auth-root-authentication-method=socket \
    --auth-root-socket-user="$(id -un)" --skip-test-db $(db_user_args) "${DB_SETTINGS[@]}" \
    >>"$FOOBAR_STATE/logs/mariadb-install-db.log" 2>&1 ||
    die "mariadb-install-db failed: see $FOOBAR_STATE/logs/mariadb-install-db.log"
  local name
  for name in db-primary db-replica; do
    mkdir -p "$FOOBAR_STATE/$name/tmp"
    cp -a "$template" "$FOOBAR_STATE/$name/data"
  done
}

# db_start NAME ADDRESS SERVER_ID [EXTRA...] (PREFIX...): starts mariadbd on ADDRESS:3306.
db_start() {
  local name=$1 address=$2 id=$3 dir="$FOOBAR_STATE/$1"
  shift 3
  # shellcheck disable=SC2046
  spawn "$name" "${NETNS_PREFIX[@]}" mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/mysql.sock" \
    --port=3306 --bind-address="$address" --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" \
    --tmpdir="$dir/tmp" --server-id="$id" --report-host="$name" --log-bin=binlog --binlog-format=ROW \
    --log-slave-updates $(db_user_args) "${DB_SETTINGS[@]}" "$@"
  wait_for "$START_LIMIT" "$name to answer" db_sql "$name" "SELECT 1" || die "$name did not start: see $dir/error.log"
}

# db_sql NAME STATEMENT: as the database's root, over the UNIX socket.
db_sql() {
  mariadb --no-defaults --socket="$FOOBAR_STATE/$1/mysql.sock" --user="$(id -un)" --batch \
    --skip-column-names --connect-timeout=5 --execute="$2"
}

# db_setup PRIMARY_ADDRESS: schema, seed and users on the primary; the replica follows it (GTID).
db_setup() {
  DB_APP_PASSWORD="app-$RANDOM$RANDOM"
  DB_EXPORTER_PASSWORD="exp-$RANDOM$RANDOM"
  local repl_password="repl-$RANDOM$RANDOM"
  sed -e "s/@APP_PASSWORD@/$DB_APP_PASSWORD/" -e "s/@REPL_PASSWORD@/$repl_password/" \
    -e "s/@EXPORTER_PASSWORD@/$DB_EXPORTER_PASSWORD/" "$FOOBAR_HERE/schema.sql" >"$FOOBAR_STATE/schema.sql"
  db_sql db-primary "SOURCE $FOOBAR_STATE/schema.sql" || die "the schema failed on db-primary"
  # MASTER_CONNECT_RETRY=1: after the primary comes back, the replica follows it within a second.
  db_sql db-replica "CHANGE MASTER TO MASTER_HOST='$1', MASTER_PORT=3306, MASTER_USER='repl',
    MASTER_PASSWORD='$repl_password', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE" ||
    die "replication could not be set up on db-replica"
  wait_for "$START_LIMIT" "the replica to copy the schema" db_replicated
}

db_replicated() {
  [[ $(db_sql db-replica "SELECT COUNT(*) FROM foobar.entries" 2>/dev/null) -ge 2 ]]
}

# --- Nginx and the application servers ---------------------------------------------------------

# web_start NAME LISTEN STATUS_LISTEN APP_SERVERS LB_HOSTS
web_start() {
  local name=$1 dir="$FOOBAR_STATE/$1"
  mkdir -p "$dir/temp"
  sed -e "s|@NAME@|$name|g" -e "s|@LISTEN@|$2|g" -e "s|@STATUS_LISTEN@|$3|g" -e "s|@DIR@|$dir|g" \
    -e "s|@DOCROOT@|$FOOBAR_HERE/www|g" -e "s|@APP_SERVERS@|$4|g" -e "s|@LB_HOSTS@|$5|g" \
    "$FOOBAR_HERE/nginx.conf" >"$dir/nginx.conf"
  spawn "$name" "${NETNS_PREFIX[@]}" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
}

# app_start NAME LISTEN WRITE READ
app_start() {
  spawn "$1" "${NETNS_PREFIX[@]}" env FOOBAR_DB_PASSWORD="$DB_APP_PASSWORD" java -Xms32m -Xmx128m -XX:+UseSerialGC \
    -cp "$APP_CLASSPATH" org.tandemlb.examples.foobar.FoobarApp --name="$1" --listen="$2" --write="$3" --read="$4"
}

# wait_for_http NAME:URL...: each answers 200 within START_LIMIT, else the script stops.
wait_for_http() {
  local item
  for item in "$@"; do
    wait_for "$START_LIMIT" "${item%%:*}" http_ok "http://${item#*:}" || die "${item%%:*} did not start: see $FOOBAR_STATE/logs"
  done
}

# http_ok URL: the URL answers 200 (checks and waits).
http_ok() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1") == 200 ]]
}
