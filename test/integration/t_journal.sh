#!/bin/sh
# SPDX-License-Identifier: MIT
# t_journal.sh - the journal's fields (log.c) over a device's whole life,
# with fakesd as journald: a rule over every line, not a list of them. A
# line that starts with a device's name carries TAPQD_DEVICE= with that
# name, one that says "queue N:" TAPQD_QUEUE=N, one about a client
# TAPQD_PEER_PID= with its pid; and no line naming a device goes to the
# stream, where lines without fields go. Through start, resize, a lease and
# its holder's death, a device deleted from outside and created again, a
# rename and back, a reload that adds a device, CREATE and DESTROY, STATUS,
# a refusal, a restart from the fd store with a device gone from the
# config, and stop.
. "$(dirname "$0")/lib.sh"
tq_init
CONF=$TQ_TMP/journal.conf
conf() { # [EXTRA]
	printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\n\n'
	printf '[device tj0]\nmax_queues = 4\nbackend = sink\n\n'
	printf '[device tj1]\nmax_queues = 2\n\n'
	printf '[template tjt]\nnames = tjc*\nmax_queues = 2\n\n'
	printf '%b' "${1:-}"
}
conf >"$CONF"
JLOG=$TQ_TMP/journal.log
start_fakesd "$CONF" || finish
journal_has() { file_has "$JLOG" "$1"; } # ERE
wait_until 50 0.1 "tj0's creation is in the journal" journal_has 'MESSAGE=tj0: created'

assert_ok "resize tj0 to 2 queues" tq resize tj0 2
tqprobe_bg "$TQ_TMP/probe.out" acquire tj1 --hold
H=$BGPID
wait_until 100 0.1 "tqprobe holds tj1" file_has "$TQ_TMP/probe.out" '^holding'
kill -KILL "$H"
stop_bg "$H"
wait_until 50 0.1 "tj1's lease ended with its holder" leased_is tj1 false

ip -n "$TQ_NS" link del tj1
wait_until 50 0.1 "tj1 created again after ip link del" journal_has 'MESSAGE=tj1: created again'
ip -n "$TQ_NS" link set tj1 down
ip -n "$TQ_NS" link set tj1 name tjx
wait_until 50 0.1 "tj1's rename logged" journal_has 'MESSAGE=tj1: renamed to tjx'
ip -n "$TQ_NS" link set tjx name tj1
wait_until 50 0.1 "tj1 renamed back" journal_has 'MESSAGE=tj1: renamed back'

conf '[device tj2]\nmax_queues = 2\n' >"$CONF"
assert_ok "a reload adds tj2" tq reload
assert_ok "tjc1 created from a template" tq create tjc1 --template tjt
assert_ok "tjc1 destroyed" tq destroy tjc1
assert_ok "a status of every device" tq status
assert_refused "nobody may not acquire tj0" tq_nobody acquire tj0

# tj2 leaves the config: what the store still has of it is dropped at the restart, under its name
conf >"$CONF"

R0=$(ready_count)
kill -USR1 "$DPID"
wait_until 100 0.1 "fakesd restarted tapqd and it said READY=1" sh -c "[ \$(grep -c ' READY=1' '$NLOG') -gt $R0 ]"
wait_until 100 0.1 "the new tapqd answers" daemon_ready
wait_until 50 0.1 "tj0 re-adopted from the fd store" journal_has 'MESSAGE=tj0: re-adopted from the fd store'
stop_daemon

# each step left its lines in the journal, under its device: the rule below is about them
for l in 'tj0: created.*TAPQD_DEVICE=tj0' 'tj0: 2 of 4 queues active.*TAPQD_DEVICE=tj0' \
	'tj0: queue 3: worker stopped.*TAPQD_DEVICE=tj0 \| TAPQD_QUEUE=3' \
	"tj1: lease of pid $H ended: holder exited.*TAPQD_DEVICE=tj1 \\| TAPQD_PEER_PID=$H " \
	'tj1: deleted from outside.*TAPQD_DEVICE=tj1' 'tj1: created again.*TAPQD_DEVICE=tj1' \
	'tj1: renamed back.*TAPQD_DEVICE=tj1' 'tj2: created.*TAPQD_DEVICE=tj2' \
	'tjc1: created from template.*TAPQD_DEVICE=tjc1' 'tjc1: deleted.*TAPQD_DEVICE=tjc1' \
	'tj0: re-adopted from the fd store.*TAPQD_DEVICE=tj0' 'client pid [0-9]+ uid 0 connected' \
	'refused pid [0-9]+ uid 65534.*TAPQD_PEER_PID=[0-9]+ \| TAPQD_PEER_UID=65534' \
	'fd store: b\.[01]\.tj2 matches no declared device: removed.*TAPQD_DEVICE=tj2'; do
	assert_ok "the journal has '$l'" journal_has "MESSAGE=$l"
done
assert_match "a line without fields goes to the stream, with its priority" '^<6>ready: ' "$(cat "$DLOG")"

assert_eq "no line naming a device went to the stream, without its fields" "" \
	"$(grep -E '^<[0-7]>tj[0-9a-z]*: ' "$DLOG" | head -n 5)"
# fakesd's lines: "TIME FIELD=value | FIELD=value ..."
assert_eq "every journal line naming a device, a queue or a client carries its field" "" \
	"$(awk -F' [|] ' '{
		msg = dev = q = pid = ""
		sub(/^[0-9.]+ /, "")
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^MESSAGE=/) msg = substr($i, 9)
			else if ($i ~ /^TAPQD_DEVICE=/) dev = substr($i, 14)
			else if ($i ~ /^TAPQD_QUEUE=/) q = substr($i, 13)
			else if ($i ~ /^TAPQD_PEER_PID=/) pid = substr($i, 16)
		}
		if (match(msg, /^tj[0-9a-z]+: /) && dev != substr(msg, 1, RLENGTH - 2))
			print "device: " msg
		if (match(msg, /queue [0-9]+: /) && q != substr(msg, RSTART + 6, RLENGTH - 8))
			print "queue: " msg
		if (match(msg, /^(client|refused) pid [0-9]+/)) {
			n = substr(msg, 1, RLENGTH)
			sub(/.* /, "", n)
			if (pid != n)
				print "peer: " msg
		}
	}' "$JLOG" | head -n 5)"
finish
