#!/bin/sh
# SPDX-License-Identifier: MIT
# t_acquire.sh - tapqctl acquire gets exactly max_queues fds of the device
# (fdinfo and TUNGETIFF agree), a second acquire is refused naming the
# holder's pid, and the device outlives each lease. Root may end another's
# lease, and tapqd logs how many queue fds that holder still has.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

assert_eq "kernel: tqa has 4 queues attached at start" "numqueues 4 numdisabled 0" "$(link_queues tqa)"
IFX=$(link_ifindex tqa)
assert_match "tqa has an ifindex" '^[0-9]+$' "$IFX"

# -- tapqctl acquire --json holds the lease until SIGTERM
tq_bg "$TQ_TMP/acq.out" acquire tqa --json
H=$BGPID
wait_until 100 0.1 "tapqctl acquire prints its lease" file_has "$TQ_TMP/acq.out" '"fds"'
L=$(head -n 1 "$TQ_TMP/acq.out")
FDS=$(jget "$L" '.fds | map(tostring) | join(" ")')
assert_eq "tapqctl acquire: 4 fds" 4 "$(echo $FDS | wc -w)"
assert_eq "tapqctl acquire: device" tqa "$(jget "$L" .device)"
assert_eq "tapqctl acquire: ifindex" "$IFX" "$(jget "$L" .ifindex)"
assert_eq "tapqctl acquire: mode" client "$(jget "$L" .mode)"
assert_eq "tapqctl acquire: max_queues" 4 "$(jget "$L" .max_queues)"
assert_eq "tapqctl acquire: active_queues" 4 "$(jget "$L" .active_queues)"
assert_match "tapqctl acquire: a token" '^[0-9a-fA-F]{32}$' "$(jget "$L" .token)"
for fd in $FDS; do
	assert_match "holder fd $fd is a queue of tqa (fdinfo)" '^iff:[[:space:]]+tqa$' \
		"$(grep '^iff:' "/proc/$H/fdinfo/$fd" 2>&1)"
done
assert_eq "the holder's tqa fds are exactly the ones printed" \
	"$(printf '%s\n' $FDS | sort -n | tr '\n' ' ')" "$(tap_fds_of "$H" tqa | tr '\n' ' ')"
assert_eq "the daemon's copies: numqueues still 4" "numqueues 4 numdisabled 0" "$(link_queues tqa)"

assert_eq "status: leased" true "$(status_field tqa .leased)"
assert_eq "status: holder_pid is tapqctl's pid" "$H" "$(status_field tqa .holder_pid)"
assert_eq "status: control" client "$(status_field tqa .control)"

# -- a second acquire is refused, naming the holder
assert_refused "second tapqctl acquire fails" tq acquire tqa
OUT=$REF_OUT
assert_match "second acquire names the holder" "leased by pid $H([^0-9]|\$)" "$OUT"
assert_eq "second acquire's error is one line" 1 "$(printf '%s\n' "$OUT" | wc -l)"
OUT=$(tqprobe acquire tqa 2>&1)
assert_match "second acquire through libtapqd names the holder" "leased by pid $H([^0-9]|\$)" "$OUT"
OUT=$(tq acquire tqa --mode daemon 2>&1)
assert_match "second acquire in daemon mode names the holder" "leased by pid $H([^0-9]|\$)" "$OUT"
assert_eq "the holder is unchanged" "$H" "$(status_field tqa .holder_pid)"

# -- SIGTERM ends tapqctl acquire and its lease
stop_bg "$H"
assert_eq "tapqctl acquire exits 0 on SIGTERM" 0 "$?"
wait_until 50 0.1 "lease ends when tapqctl acquire stops" leased_is tqa false
assert_eq "status: holder_pid null after the lease" null "$(status_field tqa .holder_pid)"
assert_eq "status: control null after the lease" null "$(status_field tqa .control)"

# -- libtapqd: TUNGETIFF on every fd names the device
OUT=$(tqprobe acquire tqa --expect 4 --expect-active 4)
RC=$?
printf '%s\n' "$OUT" | sed 's/^/       /'
assert_eq "tqprobe acquire tqa exits 0" 0 "$RC"
assert_eq "TUNGETIFF names tqa on 4 fds" 4 "$(printf '%s\n' "$OUT" | grep -c ' name tqa flags ')"
assert_match "4 tap fds of tqa in /proc/self" '^proc tap fds 4$' "$OUT"
wait_until 50 0.1 "lease ends when tqprobe exits" leased_is tqa false

OUT=$(tqprobe acquire tqv --expect 4 --expect-active 4)
assert_eq "tqprobe acquire tqv (vnet_hdr) exits 0" 0 "$?"
assert_match "tqv: IFF_VNET_HDR and a vnet header size" '^vnet_hdr_size 1[02] metadata 1[02]$' "$OUT"

# -- the same interface after every lease
assert_eq "same ifindex after the leases" "$IFX" "$(link_ifindex tqa)"
assert_eq "status ifindex" "$IFX" "$(status_field tqa .ifindex)"

# -- root releases a lease held by another process
tq_bg "$TQ_TMP/acq2.out" acquire tqa --json
H2=$BGPID
wait_until 100 0.1 "second holder has its lease" holder_is tqa "$H2"
assert_ok "tapqctl release by root" tq release tqa
wait_until 50 0.1 "released by root" leased_is tqa false
assert_match "tapqd logs that the holder still has its queue fds" \
	"tqa: lease of pid $H2 revoked by pid [0-9]+ uid 0; the holder still has 4 of its 4 queue fds\$" \
	"$(cat "$DLOG")"
stop_bg "$H2"
assert_refused "release of an unleased device fails" tq release tqa
assert_refused "acquire of an unknown device fails" tq acquire tqnosuch
OUT=$REF_OUT
assert_eq "its error is one line" 1 "$(printf '%s\n' "$OUT" | wc -l)"

stop_daemon
finish
