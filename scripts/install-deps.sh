#!/usr/bin/env bash
# Installs the Debian packages mailtap needs (as root, on a fresh Debian machine).
#   scripts/install-deps.sh          runtime + build: libpcap (cap builds against it)
#   scripts/install-deps.sh --test   also the reference tools the tests compare against
set -euo pipefail
pkgs=(libpcap-dev python3 make g++)
if [[ "${1:-}" == "--test" ]]; then
  # tcpflow and tshark (editcap) are reference tools in the tests; tcpdump/iproute2 for the
  # namespace capture tests; jq for the README cookbook checks.
  pkgs+=(tcpflow tshark tcpdump iproute2 jq)
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
