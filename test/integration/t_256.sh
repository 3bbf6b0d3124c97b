#!/bin/sh
# SPDX-License-Identifier: MIT
# t_256.sh - a 256-queue device (the kernel's maximum) hands over all 256 fds,
# over several messages, each fd a queue of the device.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/big.conf" || finish

assert_eq "kernel: 256 queues attached" "numqueues 256 numdisabled 0" "$(link_queues tqbig)"
assert_eq "status: max_queues" 256 "$(status_field tqbig .max_queues)"
assert_eq "status: 256 queue entries" 256 "$(status_field tqbig '.queues | length')"

OUT=$(tqprobe acquire tqbig --expect 256 --expect-active 256)
RC=$?
printf '%s\n' "$OUT" | grep -v '^queue ' | sed 's/^/       /'
assert_eq "tqprobe acquire tqbig exits 0" 0 "$RC"
assert_eq "TUNGETIFF names tqbig on 256 fds" 256 "$(printf '%s\n' "$OUT" | grep -c ' name tqbig flags ')"
assert_eq "256 distinct fds" 256 "$(printf '%s\n' "$OUT" | awk '/^queue / { print $4 }' | sort -u | wc -l)"
assert_match "256 tap fds in /proc/self" '^proc tap fds 256$' "$OUT"
wait_until 50 0.1 "lease ends with the probe" leased_is tqbig false

tq_bg "$TQ_TMP/acq.out" acquire tqbig --json
H=$BGPID
wait_until 100 0.1 "tapqctl acquire tqbig prints its lease" file_has "$TQ_TMP/acq.out" '"fds"'
L=$(head -n 1 "$TQ_TMP/acq.out")
assert_eq "tapqctl acquire: 256 fds printed" 256 "$(jget "$L" '.fds | length')"
assert_eq "tapqctl holds 256 fds of tqbig" 256 "$(tap_fds_of "$H" tqbig | wc -l)"
assert_eq "and they are the ones printed" "$(jget "$L" '.fds | sort | map(tostring) | join(" ")')" \
	"$(tap_fds_of "$H" tqbig | tr '\n' ' ' | sed 's/ $//')"
assert_eq "status: holder" "$H" "$(status_field tqbig .holder_pid)"
stop_bg "$H"
wait_until 50 0.1 "lease ends" leased_is tqbig false
assert_eq "kernel: still 256 queues" 256 "$(link_total_queues tqbig)"

stop_daemon
finish
