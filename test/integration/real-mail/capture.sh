#!/usr/bin/env bash
# Records real mail software talking SMTP (issue 5): a private Postfix (+ Dovecot SASL) inside a
# network namespace of its own, fed by swaks and Python's smtplib; tcpdump records the namespace's
# loopback into OUT_DIR/real-mail.pcap and clients.py writes OUT_DIR/expected.json.
# Usage (as root): capture.sh OUT_DIR. Installs nothing (scripts/install-deps.sh --test does).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIB_WHO=capture.sh
# die, in_ns, wait_for, listening, ns_*, postfix_* (shared with run-e2e.test.ts); STEP_TIMEOUT_S=20.
source "$HERE/lib.sh"

[[ $# -eq 1 ]] || die "usage: capture.sh OUT_DIR"
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, Postfix, tcpdump)"
require_tools ip tcpdump postfix postconf dovecot doveadm swaks openssl python3 timeout
postfix_require_accounts
id dovecot >/dev/null 2>&1 || die "user 'dovecot' missing: install the dovecot-core package"

REPO=$(cd "$HERE/../../.." && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

NS="mailtap-realmail-$$-$RANDOM"
WORK=$(mktemp -d /tmp/mailtap-realmail.XXXXXX)

stop_services() {
  postfix_stop
  timeout "$STEP_TIMEOUT_S" ip netns exec "$NS" doveadm -c "$WORK/dovecot/dovecot.conf" stop >/dev/null 2>&1
}
trap 'capture_cleanup $? capture.sh "$WORK/maillog" "$WORK/dovecot/dovecot.log" "$WORK/tcpdump.err"' EXIT
trap 'exit 130' INT TERM

# Postfix daemons run as 'postfix' and must reach their queue and the SASL socket.
chmod 755 "$WORK"
mkdir -p "$WORK/tls" "$WORK/dovecot" "$WORK/sasl"
chown root:postfix "$WORK/sasl"
chmod 750 "$WORK/sasl"

# --- the namespace: loopback only, 127.0.0.1 and ::1 --------------------------------------------
ip netns add "$NS"
ns_loopback_up

# --- self-signed certificate for STARTTLS ---------------------------------------------------------
timeout "$STEP_TIMEOUT_S" openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
  -subj '/CN=mx.mailtap.test' -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null
chmod 600 "$WORK/tls/key.pem"

# --- Dovecot: SASL only (no IMAP/POP listener), one user in a passwd-file ---------------------------
source "$HERE/scenario.sh"
printf '%s:{PLAIN}%s\n' "$SASL_USER" "$SASL_PASSWORD" >"$WORK/dovecot/users"
chown root:dovecot "$WORK/dovecot/users"
chmod 640 "$WORK/dovecot/users"
cat >"$WORK/dovecot/dovecot.conf" <<EOF
protocols =
base_dir = $WORK/dovecot/run
state_dir = $WORK/dovecot/state
instance_name = $NS
log_path = $WORK/dovecot/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $WORK/dovecot/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener $WORK/sasl/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF

# --- Postfix: accept, discard, relay nothing; reject one known recipient ----------------------------
postfix_write_config "smtpd_tls_security_level = may
smtpd_tls_cert_file = $WORK/tls/cert.pem
smtpd_tls_key_file = $WORK/tls/key.pem
# One AUTH must cross in cleartext so that mailtap can see it.
smtpd_tls_auth_only = no
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $WORK/sasl/auth
smtpd_sasl_security_options = noanonymous"

# --- start: Dovecot, Postfix, then tcpdump on the namespace's loopback ------------------------------
timeout "$STEP_TIMEOUT_S" ip netns exec "$NS" dovecot -c "$WORK/dovecot/dovecot.conf"
postfix_start
wait_for "the Dovecot auth socket" test -S "$WORK/sasl/auth"

rm -f "$OUT/real-mail.pcap" "$OUT/expected.json"
# -Z root: Debian's tcpdump otherwise drops to its own user and may not write into OUT_DIR.
ip netns exec "$NS" tcpdump -i lo -n -U -s 0 -Z root -w "$OUT/real-mail.pcap" \
  'tcp port 25 or tcp port 587' 2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
# grep on the file, not [[ $(<file) ]]: bash 5.2.15 was seen to exit (status 1) on the latter
# inside this poll's condition.
wait_for "tcpdump to listen" grep -q 'listening on' "$WORK/tcpdump.err"

# --- the clients (all inside the namespace); clients.py bounds each one ----------------------------
timeout $((STEP_TIMEOUT_S * 12)) ip netns exec "$NS" python3 "$HERE/clients.py" \
  --work "$WORK" --out "$OUT/expected.json" --seed "$REPO/test/fixtures/seed/message.eml" \
  --step-timeout "$STEP_TIMEOUT_S"

# Let the last FIN/ACKs reach the capture before stopping it.
sleep 1
stop_tcpdump
grep -E 'packets (captured|dropped)' "$WORK/tcpdump.err" >&2 || true
[[ -s "$OUT/real-mail.pcap" ]] || die "empty capture"
echo "capture.sh: wrote $OUT/real-mail.pcap and $OUT/expected.json" >&2
