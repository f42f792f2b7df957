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
  [/usr/bin/curl]=curl
  [/usr/bin/openssl]=openssl
  [/usr/bin/sslscan]=sslscan
  [/usr/bin/pgrep]=procps
  [/usr/bin/chromium]=chromium
  [/usr/bin/systemd-analyze]=systemd
  [/usr/bin/h2load]=nghttp2-client
  [/usr/bin/prometheus]=prometheus
  [/usr/bin/promtool]=prometheus
)

missing=()
for path in "${!NEEDED[@]}"; do
  if [[ ! -x "$path" ]]; then
    pkg="${NEEDED[$path]}"
    [[ " ${missing[*]-} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "test.sh: installing ${missing[*]}" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  fi

  # The packages' install scripts would start nginx, MariaDB and Prometheus as system services, on
  # ports 80, 3306 and 9090; the tests start their own. A policy-rc.d that exits 101 tells invoke-rc.d not to
  # start anything; whatever stood there before is put back afterwards.
  policy=/usr/sbin/policy-rc.d
  backup=""
  if [[ -e $policy ]]; then
    backup=$("${sudo[@]}" mktemp)
    "${sudo[@]}" cp -p "$policy" "$backup"
  fi
  restore_policy() {
    if [[ -n $backup ]]; then
      "${sudo[@]}" mv -f "$backup" "$policy"
    else
      "${sudo[@]}" rm -f "$policy"
    fi
  }
  trap restore_policy EXIT
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"

  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"

  restore_policy
  trap - EXIT

  # Should a service have started all the same (a system without policy-rc.d support), stop it:
  # it would hold ports and the tests' processes must be the only ones.
  for service in nginx mariadb haproxy prometheus; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
      "${sudo[@]}" systemctl stop "$service" || true
    elif [[ -x /etc/init.d/$service ]] && "${sudo[@]}" /etc/init.d/"$service" status >/dev/null 2>&1; then
      "${sudo[@]}" /etc/init.d/"$service" stop || true
    fi
  done
fi

if ! command -v mvn >/dev/null; then
  echo "test.sh: mvn (Maven) is not installed; install it (apt-get install maven) and run again" >&2
  exit 1
fi

exec mvn -B verify "$@"
