# Shell functions shared by the tests that run a private Postfix in a network namespace: sourced by
# capture.sh (issue 5, recording) and by test/integration/run-e2e.test.ts (issue 6, `mailtap run`).
# They use two globals the caller sets: NS (namespace name) and WORK (a scratch directory that
# holds Postfix's config, queue and log). Nothing here installs anything.

# Every step is bounded: a daemon that does not come up or a client that hangs fails the run.
STEP_TIMEOUT_S=${STEP_TIMEOUT_S:-20}

die() { echo "${LIB_WHO:-lib.sh}: $*" >&2; exit 1; }

in_ns() { ip netns exec "$NS" "$@"; }

require_tools() { # require_tools TOOL...: each must be on PATH
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "missing tool '$tool': run scripts/install-deps.sh --test"
  done
}

wait_for() { # wait_for DESCRIPTION COMMAND...: poll up to STEP_TIMEOUT_S
  local i
  for ((i = 0; i < STEP_TIMEOUT_S * 10; i++)); do
    if "${@:2}" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "timed out waiting for $1"
}

# stop_tcpdump: ends the tcpdump whose pid is in TCPDUMP_PID (empty: none). SIGTERM, not SIGINT: a
# background job of a non-interactive shell starts with SIGINT ignored, so a tcpdump stopped before
# it installs its handlers would never end. Bounded by STEP_TIMEOUT_S, then SIGKILL.
TCPDUMP_PID=""
stop_tcpdump() {
  [[ -n "$TCPDUMP_PID" ]] || return 0
  local i
  kill -TERM "$TCPDUMP_PID" 2>/dev/null
  for ((i = 0; i < STEP_TIMEOUT_S * 10; i++)); do
    kill -0 "$TCPDUMP_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$TCPDUMP_PID" 2>/dev/null || true
  wait "$TCPDUMP_PID" 2>/dev/null || true
  TCPDUMP_PID=""
}

listening() { # listening ADDR:PORT as ss prints it
  local socks
  socks=$(ip netns exec "$NS" ss -Hltn) || return 1
  [[ $socks == *" $1 "* ]]
}

# Loopback only, 127.0.0.1 and ::1. (No `cmd | grep -q` anywhere: under pipefail, with SIGPIPE
# ignored as Node's children inherit it, the early exit of grep fails the writer and so the pipeline.)
ns_loopback_up() {
  local lo_addrs
  in_ns ip link set lo up
  lo_addrs=$(in_ns ip -o addr show dev lo)
  [[ $lo_addrs == *'inet 127.0.0.1/'* ]] || in_ns ip addr add 127.0.0.1/8 dev lo
  [[ $lo_addrs == *'inet6 ::1/'* ]] || in_ns ip addr add ::1/128 dev lo
  lo_addrs=$(in_ns ip -o addr show dev lo)
  [[ $lo_addrs == *'inet6 ::1/'* ]] || die "no ::1 in the namespace (IPv6 disabled?)"
}

# Ends what is still alive in the namespace (and only that), then deletes it; safe when gone.
ns_exists() { # ns_exists: the namespace $NS is there
  local names
  names=" $(ip netns list 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ') "
  [[ $names == *" $NS "* ]]
}

ns_destroy() {
  local pid
  ns_exists || return 0
  for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
  sleep 0.5
  for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  ip netns del "$NS"
}

postfix_require_accounts() {
  id postfix >/dev/null 2>&1 || die "user 'postfix' missing: install the postfix package"
  getent group postdrop >/dev/null || die "group 'postdrop' missing: install the postfix package"
}

# Writes $WORK/postfix/{main.cf,master.cf,recipient_access}: accept mail for $ACCEPTED_DOMAIN,
# discard it, relay nothing, refuse $REJECTED_RCPT with $REJECTED_REPLY (scenario.sh names them).
# postfix_write_config [EXTRA]: EXTRA is appended to main.cf (TLS, SASL settings).
postfix_write_config() {
  chmod 755 "$WORK"
  mkdir -p "$WORK/postfix" "$WORK/queue" "$WORK/data"
  chown postfix "$WORK/data"
  cat >"$WORK/postfix/recipient_access" <<EOF
$REJECTED_RCPT $REJECTED_REPLY
EOF
  cat >"$WORK/postfix/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $WORK/queue
data_directory = $WORK/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $WORK/maillog
maillog_file_prefixes = $WORK
myhostname = mx.mailtap.test
mydomain = mailtap.test
myorigin = \$myhostname
mydestination = $ACCEPTED_DOMAIN
inet_interfaces = 127.0.0.1, [::1]
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
local_recipient_maps =
alias_maps =
alias_database =
biff = no
# Deliver nowhere: every transport discards.
default_transport = discard:mailtap test
local_transport = discard:mailtap test
relay_transport = discard:mailtap test
virtual_transport = discard:mailtap test
smtpd_banner = $SMTPD_BANNER
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:$WORK/postfix/recipient_access, reject_unauth_destination, permit
EOF
  [[ -z ${1:-} ]] || printf '%s\n' "$1" >>"$WORK/postfix/main.cf"
  cat >"$WORK/postfix/master.cf" <<'EOF'
25        inet  n       -       n       -       -       smtpd
587       inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# Starts Postfix from $WORK/postfix inside $NS and waits until it listens on port 25 and 587.
postfix_start() {
  timeout "$STEP_TIMEOUT_S" ip netns exec "$NS" postfix -c "$WORK/postfix" start >"$WORK/postfix.out" 2>&1 ||
    { cat "$WORK/postfix.out" >&2; die "postfix did not start"; }
  wait_for "Postfix on 127.0.0.1:25" listening 127.0.0.1:25
  wait_for "Postfix on [::1]:25" listening '[::1]:25'
  wait_for "Postfix on 127.0.0.1:587" listening 127.0.0.1:587
}

postfix_stop() {
  timeout "$STEP_TIMEOUT_S" ip netns exec "$NS" postfix -c "$WORK/postfix" stop >/dev/null 2>&1
}

# capture_cleanup RC WHO LOG...: the EXIT trap of a capture script. Ends tcpdump, then, if the
# namespace exists, the script's stop_services and everything else still alive in it; on failure
# prints the tail of each LOG; removes $WORK; exits RC.
capture_cleanup() {
  local rc=$1 who=$2
  shift 2
  set +e
  stop_tcpdump
  if ns_exists; then
    stop_services
    ns_destroy
  fi
  if ((rc != 0)); then
    echo "$who: failed (rc=$rc); logs follow" >&2
    tail -n 40 "$@" >&2 2>/dev/null
  fi
  rm -rf "$WORK"
  exit "$rc"
}
