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
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
