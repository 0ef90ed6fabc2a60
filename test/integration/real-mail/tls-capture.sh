#!/usr/bin/env bash
# Records real TLS handshakes with a real MTA (issue 16): a private Postfix in a network namespace
# with STARTTLS on 25 and implicit TLS (smtps, wrapper mode) on 465, first limited to TLS 1.2 by
# smtpd_tls_protocols, then to TLS 1.3. Clients: openssl s_client -starttls smtp, swaks --tls,
# swaks --tlsc and openssl s_client on 465, and one TLS 1.1 client the TLS 1.2 server refuses.
# tcpdump records the namespace's loopback into OUT_DIR/tls.pcap; OUT_DIR/cert.pem is the server
# certificate and OUT_DIR/steps.txt lists the connections in order: "port version outcome client".
# Usage (as root): tls-capture.sh OUT_DIR. Installs nothing (scripts/install-deps.sh --test does).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIB_WHO=tls-capture.sh
source "$HERE/lib.sh"
source "$HERE/scenario.sh"

[[ $# -eq 1 ]] || die "usage: tls-capture.sh OUT_DIR"
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, Postfix, tcpdump)"
require_tools ip tcpdump postfix postconf swaks openssl timeout ss
postfix_require_accounts

mkdir -p "$1"
OUT=$(cd "$1" && pwd)
NS="mailtap-tls-$$-$RANDOM"
WORK=$(mktemp -d /tmp/mailtap-tls.XXXXXX)

stop_services() { postfix_stop; }
trap 'capture_cleanup $? tls-capture.sh "$WORK/maillog" "$WORK/tcpdump.err" "$WORK/client.log"' EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
ns_loopback_up

# --- certificate: RSA, self-signed, with SANs (its fingerprint is checked with openssl x509) -------
mkdir -p "$WORK/tls"
timeout "$STEP_TIMEOUT_S" openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=mx.mailtap.test' \
  -addext 'subjectAltName=DNS:mx.mailtap.test,DNS:smtp.mailtap.test' \
  -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null
chmod 600 "$WORK/tls/key.pem"
cp "$WORK/tls/cert.pem" "$OUT/cert.pem"

tls_config() { # tls_config PROTOCOLS: main.cf lines for STARTTLS and smtps with these protocols
  printf '%s\n' "smtpd_tls_security_level = may" \
    "smtpd_tls_cert_file = $WORK/tls/cert.pem" \
    "smtpd_tls_key_file = $WORK/tls/key.pem" \
    "smtpd_tls_protocols = $1" \
    "smtpd_tls_mandatory_protocols = $1" \
    "smtpd_tls_loglevel = 1"
}

postfix_write_config "$(tls_config '>=TLSv1.2, <=TLSv1.2')"
# RFC 8314 implicit TLS: smtpd in wrapper mode on 465.
echo '465       inet  n       -       n       -       -       smtpd -o smtpd_tls_wrappermode=yes' >>"$WORK/postfix/master.cf"
postfix_start
wait_for "Postfix on 127.0.0.1:465" listening 127.0.0.1:465

rm -f "$OUT/tls.pcap" "$OUT/steps.txt"
ip netns exec "$NS" tcpdump -i lo -n -U -s 0 -Z root -w "$OUT/tls.pcap" 'tcp port 25 or tcp port 465' 2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
wait_for "tcpdump to listen" grep -q 'listening on' "$WORK/tcpdump.err"

FROM="sender@example.org"
TO="rcpt@$ACCEPTED_DOMAIN"
step() { # step PORT VERSION OUTCOME NAME COMMAND...: runs one client, bounded, and records it
  echo "$1 $2 $3 $4" >>"$OUT/steps.txt"
  timeout "$STEP_TIMEOUT_S" ip netns exec "$NS" "${@:5}" >>"$WORK/client.log" 2>&1 </dev/null || [[ $3 == failed ]] ||
    die "client $4 on port $1 failed"
  # One connection at a time, so their order in the capture is the order of steps.txt.
  sleep 0.3
}
s_client_smtp() { # EHLO and QUIT inside the TLS session; -ign_eof waits for the server's close
  printf 'EHLO client.mailtap.test\r\nQUIT\r\n' | openssl s_client -quiet -ign_eof "$@" -servername mx.mailtap.test
}
export -f s_client_smtp

run_clients() { # run_clients VERSION
  step 25 "$1" established openssl-starttls bash -c 's_client_smtp -starttls smtp -connect 127.0.0.1:25'
  step 25 "$1" established swaks-tls swaks --server 127.0.0.1 --port 25 --tls --from "$FROM" --to "$TO" --helo client.mailtap.test
  step 465 "$1" established swaks-tlsc swaks --server 127.0.0.1 --port 465 --tlsc --from "$FROM" --to "$TO" --helo client.mailtap.test
  step 465 "$1" established openssl-smtps bash -c 's_client_smtp -connect 127.0.0.1:465'
}

run_clients TLSv1.2
# A client limited to TLS 1.1 against the TLS 1.2 server: refused with an alert.
step 25 none failed openssl-tls11 bash -c 's_client_smtp -starttls smtp -connect 127.0.0.1:25 -tls1_1 -cipher DEFAULT@SECLEVEL=0'

# --- TLS 1.3 only: reload Postfix with the new protocol range -----------------------------------
tls_config '>=TLSv1.3' >>"$WORK/postfix/main.cf"
timeout "$STEP_TIMEOUT_S" ip netns exec "$NS" postfix -c "$WORK/postfix" reload >/dev/null 2>&1 || die "postfix reload"
sleep 1
run_clients TLSv1.3

sleep 1
stop_tcpdump
[[ -s "$OUT/tls.pcap" ]] || die "empty capture"
echo "tls-capture.sh: wrote $OUT/tls.pcap, $OUT/cert.pem and $OUT/steps.txt" >&2
