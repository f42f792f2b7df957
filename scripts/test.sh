#!/usr/bin/env bash
# The one test command, for developers and CI alike: installs the real programs the integration
# tests start (Nginx, MariaDB, HAProxy, a headless Chromium for the status page, ...) when they
# are missing, then runs the whole build with its tests. Extra arguments go to Maven, e.g.
# ./scripts/test.sh -pl lb-core.
set -euo pipefail

cd "$(dirname "$0")/.."

# command that must exist -> Debian package that provides it
declare -A NEEDED=(
  [/usr/sbin/nginx]=nginx-light
  [/usr/sbin/mariadbd]=mariadb-server
  [/usr/bin/mariadb-install-db]=mariadb-server
  [/usr/bin/mariadb]=mariadb-client
  [/usr/sbin/haproxy]=haproxy
  [/usr/bin/wrk]=wrk
  [/usr/sbin/ip]=iproute2
  [/usr/sbin/arping]=arping
  [/usr/bin/ndisc6]=ndisc6
  [/usr/bin/ndptool]=libndp-tools
  [/usr/bin/curl]=curl
  [/usr/bin/openssl]=openssl
  [/usr/bin/sslscan]=sslscan
  [/usr/bin/pgrep]=procps
  [/usr/bin/chromium]=chromium
  [/usr/bin/systemd-analyze]=systemd
  [/usr/bin/h2load]=nghttp2-client
  [/usr/bin/prometheus]=prometheus
  [/usr/bin/promtool]=prometheus
  [/usr/sbin/bird]=bird2
  [/usr/sbin/birdc]=bird2
)

pairs=()
for path in "${!NEEDED[@]}"; do
  pairs+=("$path=${NEEDED[$path]}")
done
scripts/install-packages.sh "${pairs[@]}"

if ! command -v mvn >/dev/null; then
  echo "test.sh: mvn (Maven) is not installed; install it (apt-get install maven) and run again" >&2
  exit 1
fi

exec mvn -B verify "$@"
