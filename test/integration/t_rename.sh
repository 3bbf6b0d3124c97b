#!/bin/sh
# SPDX-License-Identifier: MIT
# t_rename.sh - tqr renamed outside tapqd (ip link set tqr name other0), and
# a foreign tap takes the name tqr: tapqd follows the rename by ifindex,
# refuses ACQUIRE and RESIZE of tqr with a message that says what to do,
# shows the kernel's name in status, and never hands out the foreign tap's
# queues. A holder keeps its queues through a rename, and its lease ends
# as usual. Renamed back, tqr is served again, same ifindex.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/rename.conf" || finish

IFX=$(link_ifindex tqr)
renamed_is() { [ "$(status_field tqr .renamed_to)" = "$1" ]; }

# -- renamed while unleased, and a foreign tap takes the name
ip -n "$TQ_NS" link set tqr down
ip -n "$TQ_NS" link set tqr name other0
wait_until 50 0.1 "status shows tqr renamed to other0" renamed_is other0
assert_match "the rename is logged" 'tqr: renamed to other0 outside tapqd \(ifindex [0-9]+\)' "$(cat "$DLOG")"
ip -n "$TQ_NS" tuntap add tqr mode tap multi_queue
say "       ifindex of tqr's interface $IFX (now other0); the foreign tqr is $(link_ifindex tqr)"
assert_refused "acquire tqr refused while renamed" tq acquire tqr
assert_match "the refusal says what to do" \
	"tqr was renamed to other0 outside tapqd \\(ifindex $IFX\\); rename it back" "$REF_OUT"
assert_refused "the foreign tap's queues are not handed out (libtapqd)" tqprobe acquire tqr
say "       tqprobe said: $(printf '%s' "$REF_OUT" | tail -n 2 | tr '\n' ' ')"
assert_refused "resize tqr refused while renamed" tq resize tqr 2
assert_match "the resize refusal names it too" 'rename it back' "$REF_OUT"
assert_eq "status keeps tqr's ifindex" "$IFX" "$(status_field tqr .ifindex)"
assert_match "tapqctl status says it" 'renamed to other0 outside tapqd' "$(tq status tqr)"
assert_eq "the foreign tqr has no queue of tapqd's" "numqueues 0 numdisabled 0" "$(link_queues tqr)"

# -- renamed back: served again
ip -n "$TQ_NS" link del tqr
ip -n "$TQ_NS" link set other0 name tqr
ip -n "$TQ_NS" link set tqr up
wait_until 50 0.1 "renamed back: status shows no rename" renamed_is null
assert_match "renamed back is logged" 'tqr: renamed back from other0' "$(cat "$DLOG")"
OUT=$(tqprobe acquire tqr --expect 4)
assert_match "acquire tqr works again, same interface" "ifindex $IFX .*" "$OUT"
assert_match "with tqr's own 4 fds" '^ok tqr fds 4' "$OUT"

# -- a holder keeps its queues through a rename, and its lease ends as usual
tqprobe_bg "$TQ_TMP/hold" acquire tqr --hold
H=$BGPID
wait_until 100 0.1 "a holder takes tqr" file_has "$TQ_TMP/hold" '^holding'
ip -n "$TQ_NS" link set tqr down
ip -n "$TQ_NS" link set tqr name other0
wait_until 50 0.1 "renamed while leased" renamed_is other0
assert_eq "the holder is still the holder" "$H" "$(status_field tqr .holder_pid)"
assert_eq "and keeps its 4 queues" 4 "$(tap_fds_of "$H" other0 | wc -l)"
stop_bg "$H"
wait_until 50 0.1 "its lease ends" leased_is tqr false
assert_eq "renamed, tqr keeps its ifindex after the lease" "$IFX" "$(link_ifindex other0)"
assert_eq "and its 4 queues, tapqd's" "numqueues 4 numdisabled 0" "$(link_queues other0)"
ip -n "$TQ_NS" link set other0 name tqr
wait_until 50 0.1 "renamed back again" renamed_is null

stop_daemon
check_daemon_log
finish
