#!/bin/sh
# SPDX-License-Identifier: MIT
# t_status.sh - tapqctl status --json has the documented shape, and agrees
# with the kernel and with the leases.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

ALL=$(tq status --json)
assert_eq "status --json exits 0" 0 "$?"
assert_eq "one line of JSON" 1 "$(printf '%s\n' "$ALL" | grep -c .)"
assert_eq "top level: devices and refusals" '["devices","refusals"]' "$(jget "$ALL" 'keys | tojson')"
assert_eq "refusals: a count for every reason, none yet" \
	'{"bad_fds":0,"bad_message":0,"bad_name":0,"bad_target":0,"bad_template":0,"bad_token":0,"fd_limit":0,"host_limit":0,"idle":0,"not_allowed":0,"not_permitted":0,"quota":0,"total_cap":0,"uid_cap":0,"unread":0}' \
	"$(jget "$ALL" '.refusals | tojson' | jq -cS .)"
assert_eq "every configured device" 'tqa tqgroup tqnobody tqroot tqv' \
	"$(jget "$ALL" '[.devices[].name] | sort | join(" ")')"
KEYS='["active_queues","backend","control","create_error","created_by","follow","handoff","holder_comm","holder_pid","ifindex","leased","max_queues","name","pending","queue_memory","queues","renamed_to","ring_worst_case_bytes","template","tunsetqueue_calls","txqueuelen","txqueuelen_pending","vcpus","waiting"]'
for d in tqa tqv tqnobody tqroot tqgroup; do
	D=$(jget "$ALL" ".devices[] | select(.name == \"$d\") | tojson")
	assert_eq "$d: keys" "$KEYS" "$(jget "$D" 'keys | tojson')"
	assert_eq "$d: ifindex is the kernel's" "$(link_ifindex "$d")" "$(jget "$D" .ifindex)"
	assert_eq "$d: types" 'string number number number boolean null null array' \
		"$(jget "$D" '[.name, .ifindex, .max_queues, .active_queues, .leased, .holder_pid, .control, .queues] | map(type) | join(" ")')"
	MAXQ=$(jget "$D" .max_queues)
	assert_eq "$d: queues has max_queues entries" "$MAXQ" "$(jget "$D" '.queues | length')"
	assert_eq "$d: queue entries {index, active, cpu, worker, counters}, indexes in order" true \
		"$(jget "$D" '[.queues | to_entries[] | (.value | keys == ["active","cpu","cpu_ns","drops","index","rx_bytes","rx_packets","tx_bytes","tx_packets","worker"]) and .value.index == .key and (.value.active | type) == "boolean" and (.value.cpu | type) == "number"] | all')"
	assert_eq "$d: active_queues counts the active queues" "$(jget "$D" .active_queues)" \
		"$(jget "$D" '[.queues[] | select(.active)] | length')"
	assert_eq "$d: kernel numqueues = active_queues" "numqueues $(jget "$D" .active_queues) numdisabled $((MAXQ - $(jget "$D" .active_queues)))" \
		"$(link_queues "$d")"
done
assert_eq "tqa: max_queues" 4 "$(jget "$ALL" '.devices[] | select(.name == "tqa") | .max_queues')"
assert_eq "tqa: not leased" false "$(jget "$ALL" '.devices[] | select(.name == "tqa") | .leased')"
assert_eq "cpus are cores of this machine" true \
	"$(jget "$ALL" "[.devices[].queues[].cpu | . >= -1 and . < $(nproc --all)] | all")"

ONE=$(tq status tqa --json)
assert_eq "status tqa --json: one device" '["tqa"]' "$(jget "$ONE" '[.devices[].name] | tojson')"
assert_refused "status of an unknown device fails" tq status tqnosuch --json
OUT=$REF_OUT
TXT=$(tq status)
assert_eq "plain status exits 0" 0 "$?"
for d in tqa tqv tqnobody tqroot tqgroup; do
	assert_match "plain status lists $d" "(^|[^a-z])$d([^a-z]|\$)" "$TXT"
done

# -- leased: client and daemon mode
tq_bg "$TQ_TMP/a.out" acquire tqa --json
A=$BGPID
tq_bg "$TQ_TMP/v.out" acquire tqv --mode daemon --json
V=$BGPID
wait_until 100 0.1 "tqa leased" holder_is tqa "$A"
wait_until 100 0.1 "tqv leased" holder_is tqv "$V"
ALL=$(tq status --json)
assert_eq "tqa leased: leased, holder_pid, holder_comm, control" "true $A tapqctl client" \
	"$(jget "$ALL" '.devices[] | select(.name == "tqa") | "\(.leased) \(.holder_pid) \(.holder_comm) \(.control)"')"
assert_eq "tqv leased: leased, holder_pid, control" "true $V daemon" \
	"$(jget "$ALL" '.devices[] | select(.name == "tqv") | "\(.leased) \(.holder_pid) \(.control)"')"
assert_eq "tqa leased: types" 'boolean number string' \
	"$(jget "$ALL" '.devices[] | select(.name == "tqa") | [.leased, .holder_pid, .control] | map(type) | join(" ")')"
assert_eq "the others stay unleased" 'false false false' \
	"$(jget "$ALL" '[.devices[] | select(.name != "tqa" and .name != "tqv") | .leased] | map(tostring) | join(" ")')"
stop_bg "$A"
stop_bg "$V"
wait_until 50 0.1 "tqa unleased" leased_is tqa false
wait_until 50 0.1 "tqv unleased" leased_is tqv false

# -- a holder whose name holds an escape sequence and a tab: they reach no terminal
EVIL="$TQ_TMP/$(printf 'tq\033[2Jx\tq')"
cp "$TAPQCTL" "$EVIL"
bg "$TQ_TMP/e.out" nsenter -t "$DPID" -m -n "$EVIL" $(sock_opt) acquire tqa --json
E=$BGPID
wait_until 100 0.1 "tqa leased by the oddly named holder" holder_is tqa "$E"
assert_eq "holder_comm: control bytes shown as ?" 'tq?[2Jx?q' \
	"$(jget "$(tq status tqa --json)" '.devices[0].holder_comm')"
assert_eq "plain status: no control byte but the newlines" 0 \
	"$(tq status tqa | tr -d '\n' | LC_ALL=C grep -c '[[:cntrl:]]')"
assert_match "plain status: the name as ?" 'pid [0-9]+ tq\?\[2Jx\?q ' "$(tq status tqa)"
stop_bg "$E"
wait_until 50 0.1 "tqa unleased again" leased_is tqa false

stop_daemon
finish
