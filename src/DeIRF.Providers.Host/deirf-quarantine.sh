#!/bin/sh
# deirf-quarantine: the host side of DeIRF's host.quarantine (nftables, commit-confirmed).
# DeIRF runs it over SSH: sent inline (sh -c) or installed on the host and named as a certificate's force-command
# ("deirf-quarantine --forced --proposal <id> --action apply|undo [--allow <cidrs>] [--port <n>] [--confirm <s>]"), in which case the
# client's command arrives in SSH_ORIGINAL_COMMAND and every value the certificate names must match it.
# It loads exactly one table, inet deirf_quarantine, and no other rule; every reply line starts "DEIRF ".
set -u
set -f
trap '' HUP PIPE
PATH=$PATH:/usr/sbin:/sbin
TABLE=deirf_quarantine

say() { printf 'DEIRF %s\n' "$*"; }
die() { code=$1; shift; say error "$*"; exit "$code"; }
b64() { base64 | tr -d '\n'; }
sha() { sha256sum | cut -d' ' -f1; }

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi

# Values are checked by character class: nothing a client sends reaches a shell or nft unchecked.
valid() {
  [ -n "$2" ] || return 1
  case $1 in
    allow) case $2 in *[!0-9A-Fa-f:.,/]*) return 1 ;; esac ;;
    port | confirm | pid) case $2 in *[!0-9]*) return 1 ;; esac ;;
    priority) v=${2#-}; case $v in '' | *[!0-9]*) return 1 ;; esac ;;
    proposal | expect) case $2 in *[!0-9a-f]*) return 1 ;; esac ;;
    probe) case $2 in *[!0-9A-Za-z.:_-]*) return 1 ;; esac ;;
    action) case $2 in apply | undo) ;; *) return 1 ;; esac ;;
    *) return 1 ;;
  esac
}

F_proposal=; F_action=; F_allow=; F_port=; F_confirm=
if [ "${1:-}" = --forced ]; then
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --proposal | --allow | --port | --confirm | --action)
        n=${1#--}; [ $# -ge 2 ] && valid "$n" "$2" || die 2 "forced $1: invalid value"
        eval "F_$n=\$2"; shift 2 ;;
      *) die 2 "forced: unknown option $1" ;;
    esac
  done
  [ -n "$F_proposal" ] && [ -n "$F_action" ] || die 2 "forced: --proposal and --action are required"
  # The client's own command: word-split (globbing is off), its first word may name this helper.
  set -- ${SSH_ORIGINAL_COMMAND:-}
  case ${1:-} in */deirf-quarantine | deirf-quarantine) shift ;; esac
fi

CMD=${1:-}; [ $# -gt 0 ] && shift
proposal=; allow=; port=22; confirm=120; probe=; expect=; priority=-200
G_allow=; G_port=; G_confirm=
while [ $# -gt 0 ]; do
  case $1 in
    --proposal | --allow | --port | --confirm | --probe | --expect | --priority)
      n=${1#--}; [ $# -ge 2 ] && valid "$n" "$2" || die 2 "$1: invalid value"
      eval "$n=\$2; G_$n=1"; shift 2 ;;
    *) die 2 "unknown argument $1" ;;
  esac
done
if [ -n "$F_proposal" ]; then
  # A certificate bound to one proposal acts for that proposal only, with the values it names, and only for
  # what that proposal does: an apply certificate cannot undo, an undo certificate cannot load rules.
  [ "$proposal" = "$F_proposal" ] || die 13 "certificate-mismatch proposal: the certificate is for $F_proposal, the request names ${proposal:-nothing}"
  for n in allow port confirm; do
    eval "f=\$F_$n; c=\$$n; g=\$G_$n"
    if [ -n "$f" ]; then
      [ -z "$g" ] || [ "$c" = "$f" ] || die 13 "certificate-mismatch $n: the certificate is for $f, the request names $c"
      eval "$n=\$f"
    fi
  done
  case $F_action:$CMD in
    apply:inspect | apply:apply | apply:status | apply:render | undo:inspect | undo:status | undo:undo | undo:render) ;;
    *) die 13 "certificate-mismatch action: a certificate for $F_action may not run '$CMD'" ;;
  esac
fi

have_nft() { command -v nft >/dev/null 2>&1; }
need_nft() { have_nft || die 20 "no-nft: nft is not installed on this host"; }
tablejson() { $SUDO nft -j list table inet $TABLE 2>/dev/null; }

render() {
  v4=; v6=
  IFS=,
  for c in $allow; do
    case $c in *:*) v6="$v6${v6:+, }$c" ;; *) v4="$v4${v4:+, }$c" ;; esac
  done
  unset IFS
  printf 'table inet %s {\n' "$TABLE"
  printf '\tchain input {\n\t\ttype filter hook input priority %s; policy drop;\n\t\tiif "lo" accept\n' "$priority"
  [ -n "$v4" ] && printf '\t\tip saddr { %s } tcp dport %s accept\n' "$v4" "$port"
  [ -n "$v6" ] && printf '\t\tip6 saddr { %s } tcp dport %s accept\n' "$v6" "$port"
  printf '\t}\n\tchain output {\n\t\ttype filter hook output priority %s; policy drop;\n\t\toif "lo" accept\n' "$priority"
  [ -n "$v4" ] && printf '\t\tip daddr { %s } tcp sport %s accept\n' "$v4" "$port"
  [ -n "$v6" ] && printf '\t\tip6 daddr { %s } tcp sport %s accept\n' "$v6" "$port"
  printf '\t}\n\tchain forward {\n\t\ttype filter hook forward priority %s; policy drop;\n\t}\n}\n' "$priority"
}

do_probe() {
  [ -n "$probe" ] || return 0
  h=${probe%:*}; p=${probe##*:}
  if command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
    if timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$h" "$p" 2>/dev/null; then say probe open "$probe"; else say probe blocked "$probe"; fi
  else
    say probe unavailable "$probe"
  fi
}

say_table() {
  if t=$(tablejson); then say table "$(printf '%s\n' "$t" | sha)" "$(printf '%s\n' "$t" | b64)"; else say table none; fi
}

kill_timer() {
  # Only the timer this run started: its last argument is the run's own nonce.
  [ -r "/proc/$1/cmdline" ] || return 0
  last=$(tr '\0' '\n' <"/proc/$1/cmdline" | tail -n 1)
  [ "$last" = "deirf-revert-$2" ] && $SUDO kill "$1" 2>/dev/null
  return 0
}

case $CMD in
  inspect)
    say uid "$(id -u)"
    say session "${SSH_CONNECTION:-}"
    if ! have_nft; then say nft none; exit 0; fi
    say nft "$($SUDO nft --version 2>&1 | head -n 1)"
    r=$($SUDO nft -j list ruleset 2>&1) || die 21 "nft-failed: $(printf '%s' "$r" | head -n 1)"
    say ruleset "$(printf '%s\n' "$r" | b64)"
    say_table
    do_probe
    say rules "$(render | b64)"
    ;;
  render)
    render
    ;;
  apply)
    valid allow "$allow" || die 2 "--allow is required"
    need_nft
    tablejson >/dev/null && die 22 "exists: table inet $TABLE is already loaded (another quarantine)"
    r=$($SUDO nft -j list ruleset 2>&1) || die 21 "nft-failed: $(printf '%s' "$r" | head -n 1)"
    say ruleset "$(printf '%s\n' "$r" | b64)"
    # Evidence first, over this same session, before any rule loads.
    e=$($SUDO ss -tanp 2>&1 || netstat -tanp 2>&1)
    say evidence ss-tanp "$(printf '%s\n' "$e" | sha)" "$(printf '%s\n' "$e" | b64)"
    e=$(ps -eo pid,ppid,user,lstart,args 2>&1 || ls -l /proc/[0-9]*/exe 2>&1)
    say evidence processes "$(printf '%s\n' "$e" | sha)" "$(printf '%s\n' "$e" | b64)"
    say ready
    read -r go prio || go=
    [ "$go" = go ] || die 23 "aborted: DeIRF did not confirm the evidence; nothing changed"
    valid priority "${prio:-}" || die 2 "go: invalid priority"
    priority=$prio
    rules=$(render)
    nonce=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || date +%s%N)
    # Commit-confirmed: the host schedules its own revert before the rules load.
    $SUDO nohup setsid sh -c "sleep $confirm; nft delete table inet $TABLE" "deirf-revert-$nonce" </dev/null >/dev/null 2>&1 &
    timer=$!
    say revert "$timer" "$confirm"
    if ! out=$(printf '%s\n' "$rules" | $SUDO nft -f - 2>&1); then
      kill_timer "$timer" "$nonce"
      die 24 "nft-load-failed: $(printf '%s' "$out" | tr '\n' ' ')"
    fi
    say_table
    read -r verdict || verdict=
    if [ "$verdict" = confirm ]; then
      kill_timer "$timer" "$nonce"
      say confirmed
    else
      # Verification failed, or DeIRF went away (end of input): revert now; the timer stays as the backstop.
      $SUDO nft delete table inet $TABLE 2>/dev/null
      kill_timer "$timer" "$nonce"
      say reverted
    fi
    ;;
  status)
    need_nft
    say session "${SSH_CONNECTION:-}"
    say_table
    do_probe
    ;;
  undo)
    valid expect "$expect" || die 2 "--expect is required"
    need_nft
    if ! t=$(tablejson); then say table none; say undone absent; exit 0; fi
    h=$(printf '%s\n' "$t" | sha)
    say table "$h" "$(printf '%s\n' "$t" | b64)"
    [ "$h" = "$expect" ] || die 25 "changed: table inet $TABLE is not the one DeIRF loaded (sha256 $h, expected $expect); nothing deleted"
    out=$($SUDO nft delete table inet $TABLE 2>&1) || die 26 "nft-delete-failed: $out"
    say undone deleted
    ;;
  *)
    die 2 "unknown command '${CMD}' (inspect, render, apply, status, undo)"
    ;;
esac
