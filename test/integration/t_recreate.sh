#!/bin/sh
# SPDX-License-Identifier: MIT
# t_recreate.sh - a declared device deleted from outside (ip link del) while
# tapqd is at its fd limit cannot be created again: tapqd says so once,
# status shows it pending creation with the reason, ACQUIRE says why, and
# tapqd retries: once the limit is raised the device comes back by itself,
# without a reload.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/recreate.conf" || finish

TP=$DPID
SOFT=$(prlimit -p "$TP" --nofile -o SOFT --noheadings | tr -d ' ')
HARD=$(prlimit -p "$TP" --nofile -o HARD --noheadings | tr -d ' ')
# one above the lowest fd of its queues: once they close, one fd is free (for a
# client), never the 4 a creation needs
LOW=$(tap_fds_of "$TP" tqc | head -n 1)
assert_match "tqc has queue fds in tapqd" '^[0-9]+$' "$LOW"
IFX=$(link_ifindex tqc)
prlimit -p "$TP" --nofile="$((LOW + 1)):$HARD"
say "       tapqd's RLIMIT_NOFILE $SOFT -> $((LOW + 1)) (its lowest queue fd + 1)"
ip -n "$TQ_NS" link del tqc
pending_is() { [ "$(status_field tqc .pending)" = "$1" ]; }
wait_until 50 0.1 "status: tqc pending creation" pending_is create
assert_eq "status says why" "Too many open files" "$(status_field tqc .create_error)"
assert_match "tapqctl status says it in words" 'creating it again failed \(Too many open files\): retrying' "$(tq status tqc)"
assert_refused "acquire tqc is refused meanwhile" tq acquire tqc
assert_match "and says why" 'tqc: its interface is gone and creating it again failed \(Too many open files\): tapqd retries' "$REF_OUT"
assert_eq "no tqc meanwhile" "" "$(link_ifindex tqc)"
# a few attempts fail meanwhile (0.5 s, then 1 s, ...): each kind is logged once
sleep 2
prlimit -p "$TP" --nofile="$SOFT:$HARD"
wait_until 200 0.1 "tqc comes back by itself, without a reload" link_exists tqc
wait_until 50 0.1 "status: nothing pending" pending_is null
LOG=$(cat "$DLOG")
say "       $(printf '%s\n' "$LOG" | grep -E 'tqc: (not created again|created again after)' | tr '\n' ' ')"
assert_eq "the failure is logged once" 1 "$(printf '%s\n' "$LOG" | grep -c 'tqc: not created again: .*Too many open files; retrying')"
assert_match "the success once, with the attempts" 'tqc: created again after [2-9][0-9]* failed attempts' "$LOG"
assert_ne "a new interface" "$IFX" "$(link_ifindex tqc)"
assert_eq "status names it" "$(link_ifindex tqc)" "$(status_field tqc .ifindex)"
OUT=$(tqprobe acquire tqc --expect 4)
assert_match "and it is served" '^ok tqc fds 4' "$OUT"
assert_nomatch "no reload happened" 'reloading' "$LOG"

stop_daemon
check_daemon_log
finish
