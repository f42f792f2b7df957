#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages of the commands that are missing:
#   scripts/install-packages.sh /usr/sbin/nginx=nginx-light /usr/bin/curl=curl ...
# (an absolute path that must be executable, then the package that provides it). Used by
# scripts/test.sh and examples/foobar/run-local.sh. Needs root or sudo when something is missing.
# The packages' install scripts are not allowed to start their services (nginx and MariaDB would
# take ports 80 and 3306; the tests and examples start their own).
set -euo pipefail

missing=()
for pair in "$@"; do
  path="${pair%%=*}"
  pkg="${pair#*=}"
  if [[ ! -x "$path" ]]; then
    [[ " ${missing[*]-} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done
((${#missing[@]} > 0)) || exit 0

echo "install-packages: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "install-packages: ${missing[*]} missing; run as root, or install them: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi

# A policy-rc.d that exits 101 tells invoke-rc.d not to start anything; whatever stood there
# before is put back afterwards.
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
# it would hold ports, and the processes started by the tests and examples must be the only ones.
for service in nginx mariadb haproxy prometheus prometheus-node-exporter prometheus-nginx-exporter \
  prometheus-mysqld-exporter; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
    "${sudo[@]}" systemctl stop "$service" || true
  elif [[ -x /etc/init.d/$service ]] && "${sudo[@]}" /etc/init.d/"$service" status >/dev/null 2>&1; then
    "${sudo[@]}" /etc/init.d/"$service" stop || true
  fi
done
