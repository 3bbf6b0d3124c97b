#!/bin/sh
# SPDX-License-Identifier: MIT
# t_placement.sh - queue placement on this machine's cores: cpus = restricts
# it, spread puts a device's queues on different cores and the next device on
# the least-used one, compact and none, and tapqd refuses CPUs the machine
# lacks and a topology that is not this system.
. "$(dirname "$0")/lib.sh"
tq_init

NCPU=$(nproc)

# conf NAME [TAPQD_KEYS] -- DEVICE:QUEUES...: writes $TQ_TMP/NAME.conf
conf() {
	_f=$TQ_TMP/$1.conf
	shift
	printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\n' >"$_f"
	while [ "$1" != -- ]; do
		printf '%s\n' "$1" >>"$_f"
		shift
	done
	shift
	for _d in "$@"; do
		printf '\n[device %s]\nmax_queues = %s\nvnet_hdr = no\n' "${_d%%:*}" "${_d#*:}" >>"$_f"
	done
	CONF=$_f
}

# cpus_of DEV: the cpu of every queue, in order, space-separated
cpus_of() { status_field "$1" '.queues | map(.cpu | tostring) | join(" ")'; }

# refused CONF [ENV=VALUE...]: tapqd must exit 1 by itself; sets RF_RC, RF_OUT
refused() {
	_c=$1
	shift
	RF_OUT=$(timeout 20 env "$@" ip netns exec "$TQ_NS" unshare -m --propagation private \
		sh -c 'mount -t tmpfs tmpfs /run && exec "$0" -f -c "$1"' "$TAPQD" "$_c" 2>&1 </dev/null)
	RF_RC=$?
}

# -- cpus = 1: every queue of every device on CPU 1
if [ "$NCPU" -ge 2 ]; then
	conf one 'cpus = 1' -- tqp0:2 tqp1:3
	start_daemon "$CONF" || finish
	assert_eq "cpus = 1: tqp0 queues all on cpu 1" "1 1" "$(cpus_of tqp0)"
	assert_eq "cpus = 1: tqp1 queues all on cpu 1" "1 1 1" "$(cpus_of tqp1)"
	assert_match "the topology is logged once, with cpus 1" \
		'topology: [0-9]+ packages?, [0-9]+ NUMA nodes?, 1 core, 1 PU; placing on cpus 1, policy spread' \
		"$(cat "$DLOG")"
	stop_daemon
else
	fail "this test needs 2 CPUs, the machine has $NCPU"
fi

# -- default (spread): different cores, then the least-used one
conf spread -- tqp0:2 tqp1:1 tqp2:1
start_daemon "$CONF" || finish
ALL=$(tq status --json)
P0=$(cpus_of tqp0)
assert_match "tqp0's 2 queues have cpus" '^[0-9]+ [0-9]+$' "$P0"
assert_ne "tqp0's 2 queues on 2 different cpus" "${P0% *}" "${P0#* }"
# least_used DEVICES...: the lowest cpu with the fewest queues of these devices
least_used() {
	jget "$ALL" "[range($NCPU)] as \$all | [.devices[] | select(.name | IN($(printf '"%s",' "$@" | sed 's/,$//'))) | .queues[].cpu] as \$used | [\$all[] | . as \$c | {c: \$c, n: ([\$used[] | select(. == \$c)] | length)}] | min_by(.n) | .c"
}
assert_eq "tqp1 starts on the least-used cpu after tqp0" "$(least_used tqp0)" "$(cpus_of tqp1)"
assert_eq "tqp2 starts on the least-used cpu after tqp0, tqp1" "$(least_used tqp0 tqp1)" \
	"$(cpus_of tqp2)"
if [ "$NCPU" = 2 ]; then
	assert_eq "2 cpus: tqp0 tqp1 tqp2 on 0 1, 0, 1" "0 1, 0, 1" \
		"$(cpus_of tqp0), $(cpus_of tqp1), $(cpus_of tqp2)"
fi
assert_match "the topology is logged, with policy spread" \
	"topology: [0-9]+ packages?, [0-9]+ NUMA nodes?, $NCPU cores?, [0-9]+ PUs?; placing on cpus [0-9,-]+, policy spread" \
	"$(cat "$DLOG")"
stop_daemon

# -- compact: the next device goes on where the last one stopped
conf compact 'placement = compact' -- tqp0:1 tqp1:1
start_daemon "$CONF" || finish
assert_eq "compact: tqp0 on cpu 0, tqp1 on cpu 1" "0 1" "$(cpus_of tqp0) $(cpus_of tqp1)"
stop_daemon

# -- none: no cpu at all
conf none 'placement = none' -- tqp0:3
start_daemon "$CONF" || finish
assert_eq "none: every cpu is null" "null null null" "$(cpus_of tqp0)"
stop_daemon

# -- CPUs this machine lacks
conf missing "cpus = 0-$((NCPU + 5))" -- tqp0:2
refused "$CONF"
assert_eq "cpus = 0-$((NCPU + 5)): tapqd exits 1" 1 "$RF_RC"
assert_match "the error names the missing CPUs and what the machine has" \
	"cpus = 0-$((NCPU + 5)): CPUs $NCPU-$((NCPU + 5)) do not exist or tapqd may not run on them \\(this machine has CPUs [0-9,-]+, tapqd may run on [0-9,-]+\\)" \
	"$RF_OUT"
assert_eq "the error is one line" 1 "$(printf '%s\n' "$RF_OUT" | grep -c .)"
assert_fails "no device was created" link_exists tqp0
conf far 'cpus = 1000' -- tqp0:2
refused "$CONF"
assert_eq "cpus = 1000: tapqd exits 1" 1 "$RF_RC"
assert_match "the error names CPU 1000" "cpus = 1000: CPU 1000 does not exist" "$RF_OUT"

# -- a synthetic topology is not this system: pinning would do nothing
conf synthetic -- tqp0:2
refused "$CONF" HWLOC_SYNTHETIC="pack:2 core:2 pu:1"
assert_eq "HWLOC_SYNTHETIC: tapqd exits 1" 1 "$RF_RC"
assert_match "HWLOC_SYNTHETIC: refused as not this system" \
	"the hwloc topology is not this system's \\(set: HWLOC_SYNTHETIC\\)" "$RF_OUT"
assert_fails "no device was created" link_exists tqp0
# the same config starts without the override, so the refusal was the topology's
start_daemon "$CONF" || finish
assert_eq "without HWLOC_SYNTHETIC it starts: 2 cpus" 2 "$(cpus_of tqp0 | wc -w)"
stop_daemon

finish
