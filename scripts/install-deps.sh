#!/usr/bin/env bash
# Installs the Debian packages mailtap needs (as root, on a fresh Debian machine), then checks that
# Node.js is 20 or newer (Debian 12 ships 18; npm ci would fail later with a less clear message).
#   scripts/install-deps.sh               runtime + build: libpcap (cap and the native addon build
#                                         against it), ethtool (docs/operations.md: offloads off)
#   scripts/install-deps.sh --test        also the tools the tests and benchmarks run
#   scripts/install-deps.sh [--test] --list   print the package names, one a line, install nothing
#   scripts/install-deps.sh --check-node  only the Node.js check
# test/unit/ops/install-deps.test.ts scans test/ and scripts/ for every program they start and
# fails when one of them is not installed by this script.
set -euo pipefail
want_test=0 list_only=0 node_only=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --list) list_only=1 ;;
    --check-node) node_only=1 ;;
    *) echo "install-deps.sh: unknown option '$arg' (--test, --list, --check-node)" >&2; exit 1 ;;
  esac
done

NODE_MIN_MAJOR=20
check_node() { # exit 1 with the way to get Node.js 20+ when node is missing or older
  local v major
  v=$(node --version 2>/dev/null || true)
  major=${v#v}
  major=${major%%.*}
  if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= NODE_MIN_MAJOR)); then return 0; fi
  cat >&2 <<MSG
install-deps.sh: mailtap needs Node.js ${NODE_MIN_MAJOR} or newer; found: ${v:-no node on PATH}.
Debian 12 ships Node.js 18. Get Node.js ${NODE_MIN_MAJOR} (LTS) one of these ways, then run this script again:
  - NodeSource packages (as root):
      curl -fsSL https://deb.nodesource.com/setup_${NODE_MIN_MAJOR}.x | bash -
      apt-get install -y nodejs
  - Debian 13 (trixie) or newer: apt-get install -y nodejs npm   (Node.js 20)
  - the official tarball: https://nodejs.org/dist/latest-v${NODE_MIN_MAJOR}.x/ (put its bin/ first on PATH)
MSG
  return 1
}
if ((node_only)); then check_node; exit $?; fi

pkgs=(libpcap-dev python3 make g++ ethtool)
if ((want_test)); then
  # tcpflow and tshark (editcap) are reference tools in the tests; tcpdump/iproute2 for the
  # namespace capture tests; jq for the README cookbook checks.
  pkgs+=(tcpflow tshark tcpdump iproute2 jq)
  # tcpreplay sends captures into a veth pair (native capture test, live benchmark, soak); procps
  # for sysctl (IPv6 off on the test veth), linux-perf for the live benchmark's --profile.
  pkgs+=(tcpreplay procps linux-perf)
  # mount (util-linux's, not Essential) remounts /proc with subset=pid in the unit hardening test.
  pkgs+=(mount)
  # /usr/bin/time measures peak RSS in the hostile-input and fault tests (issue 8).
  pkgs+=(time)
  # Real mail software for test/integration/real-mail (issue 5): Postfix as the server, Dovecot
  # for SASL, swaks and Python's smtplib as clients, openssl for the self-signed certificate.
  pkgs+=(postfix swaks dovecot-core openssl ca-certificates libnet-ssleay-perl libio-socket-ssl-perl
    libio-socket-inet6-perl
    libauthen-sasl-perl)
  # Operator artifacts (issue 6): promtool checks the alert rules, systemd-analyze the unit,
  # logrotate the rotation policy.
  pkgs+=(prometheus systemd logrotate)
fi
if ((list_only)); then printf '%s\n' "${pkgs[@]}"; exit 0; fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  # Postfix asks what kind of mail server this is; the tests run private instances from their own
  # config directories, so the system one gets none (and so no main.cf, nothing to start).
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
  # Keep the packages' maintainer scripts from starting system daemons (Postfix, Dovecot) that
  # would listen outside the tests' namespaces; Docker images ship this file already.
  own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  trap '((own_policy)) && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Whatever started them (an older install, a machine with systemd), no system Postfix or Dovecot
# may stay running or start at boot: the real-mail test owns port 25 only inside its namespace.
for svc in postfix dovecot prometheus; do
  if [[ " ${missing[*]:-} " == *" ${svc}"* ]]; then
    if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
      systemctl disable --now "$svc" >/dev/null 2>&1 || true
    else
      update-rc.d "$svc" disable >/dev/null 2>&1 || true
      service "$svc" stop >/dev/null 2>&1 || true
    fi
  fi
done
check_node
