#!/bin/sh
# SPDX-License-Identifier: MIT
# t_template.sh - devices on demand: nobody creates from a template it is
# allowed on, acquires and destroys; every refusal of CREATE and DESTROY
# says why (unknown template, a name off the glob, a name taken by a
# declared device, a created one or a host interface, not allowed, the
# quota, too many queues, destroy by another user, of a declared device,
# while leased). A reload keeps created devices even when it drops their
# template, and refuses a config that declares one of their names. Killed
# with SIGKILL and started again without a service manager, tapqd takes a
# persistent created device back (same ifindex) and makes a non-persistent
# one again; under fakesd (fd store) a restart keeps every created device,
# same ifindex, and a lease on one. Status shows template and creator throughout.
# tapqctl templates lists to each user the templates it may create from (root
# all), with glob, queues, quota and how many it has created, and follows a
# reload.
. "$(dirname "$0")/lib.sh"
tq_init
CONF=$TQ_TMP/template.conf
conf() { # WITH_VM_TEMPLATE [EXTRA]
	printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\n\n'
	printf '[device tqkdecl]\nmax_queues = 2\n\n'
	printf '[template rootonly]\nnames = tqr*\nmax_queues = 2\n\n'
	printf '[template keep]\nnames = tqk*\nmax_queues = 2\npersist = yes\nallow_users = nobody\n\n'
	[ "$1" = yes ] && printf '[template vm]\nnames = tqvm*\nmax_queues = 4\nallow_users = nobody\nmax_per_user = 2\n\n'
	printf '%b' "${2:-}"
}
conf yes >"$CONF"
start_daemon "$CONF" || finish
# keeps the daemon's /run and network namespace for the restart below
bg "$TQ_TMP/keeper" nsenter -t "$DPID" -m -n sleep 600
H=$BGPID

assert_ok "nobody creates tqvm1 from vm, 2 queues" tq_nobody create tqvm1 --template vm --queues 2
assert_ok "tqvm1 exists" link_exists tqvm1
assert_eq "status: 2 queues, template vm, created by nobody" "2 vm 65534 nobody" \
	"$(status_field tqvm1 .max_queues) $(status_field tqvm1 .template) $(status_field tqvm1 .created_by.uid) $(status_field tqvm1 .created_by.user)"
assert_eq "a declared device has no template" "null null" \
	"$(status_field tqkdecl .template) $(status_field tqkdecl .created_by)"
assert_match "text status names template and creator" 'created from template vm by uid 65534 \(nobody\)' \
	"$(tq status tqvm1)"
assert_ok "its creator acquires it" tqprobe_nobody acquire tqvm1 --expect 2
assert_ok "nobody creates tqvm2 with the template's 4 queues" tq_nobody create tqvm2 --template vm
assert_eq "tqvm2 has 4 queues" 4 "$(status_field tqvm2 .max_queues)"

tjson() { # USER(tq|tq_nobody) JQ: of templates --json
	jget "$($1 templates --json 2>/dev/null)" "$2"
}
assert_eq "templates: root sees every template, in the config's order" "rootonly keep vm" \
	"$(tjson tq '[.templates[].name] | join(" ")')"
assert_eq "templates: nobody sees only those it may create from" "keep vm" \
	"$(tjson tq_nobody '[.templates[].name] | join(" ")')"
assert_eq "  vm as nobody: glob, queues, quota, and the 2 it created" "tqvm* 4 2 2" \
	"$(tjson tq_nobody '.templates[1] | "\(.names) \(.max_queues) \(.max_per_user) \(.created)"')"
assert_eq "  vm as root: root created none of them; keep has no quota" "0 null" \
	"$(tjson tq '"\(.templates[2].created) \(.templates[1].max_per_user)"')"
assert_match "templates as text" '^keep  names tqk\*  max_queues 2  you created 0 \(no max_per_user\)
vm  names tqvm\*  max_queues 4  you created 2 of max_per_user 2$' "$(tq_nobody templates)"

refused() { # DESC ERE CMD...
	_d=$1 _e=$2
	shift 2
	assert_refused "$_d" "$@"
	assert_match "  saying why" "$_e" "$REF_OUT"
}
refused "quota: a third device of vm" 'has created 2 devices from template vm, its max_per_user = 2' \
	tq_nobody create tqvm3 --template vm
refused "unknown template" 'no template nosuch' tq_nobody create tqvm3 --template nosuch
# the refusal is logged: a template name is the peer's bytes, which must not
# start a line of tapqd's own (nor put escapes on the terminal of who reads it)
refused "a template name with a newline" 'not a template name' \
	tq_nobody create tqvm3 --template "$(printf 'x\ntapqd: error: forged')"
assert_nomatch "  and the log has no line of the peer's" '^tapqd: error: forged' "$(cat "$DLOG")"
refused "a template name with an escape" 'not a template name' \
	tq_nobody create tqvm3 --template "$(printf 'x\033[2J')"
assert_nomatch "  nor the escape" "$(printf '\033')" "$(cat "$DLOG")"
refused "a name off the glob" 'tqx1 does not match template vm.s names = tqvm\*' \
	tq create tqx1 --template vm
refused "the name of a declared device" 'tqkdecl is a device of the config' \
	tq create tqkdecl --template keep
refused "nobody: the name of a declared device it may not use, no more said" \
	'^tapqctl: create: tqkdecl is a device of tapqd.s$' tq_nobody create tqkdecl --template keep
refused "the name of a created device" 'tqvm1 exists: created from template vm by uid 65534' \
	tq create tqvm1 --template vm
ip -n "$TQ_NS" tuntap add tqvmhost mode tap
refused "the name of an interface not tapqd's" 'an interface tqvmhost exists that is not tapqd.s' \
	tq create tqvmhost --template vm
refused "nobody may not create from rootonly" 'uid 65534 may not create from template rootonly' \
	tq_nobody create tqr1 --template rootonly
refused "more queues than the template" '8 queues: template vm has max_queues = 4' \
	tq create tqvm9 --template vm --queues 8
assert_ok "root creates tqr1 (root has no quota)" tq create tqr1 --template rootonly
refused "nobody may not use root's tqr1" 'may not use tqr1' tqprobe_nobody acquire tqr1
refused "nobody may not destroy root's tqr1" 'tqr1 was created by another user: only that user or root' \
	tq_nobody destroy tqr1
# rootonly is not nobody's to see (templates does not list it): status and
# the refusal to destroy tqr1 does not name it or the creator to nobody either
SN=$(tq_nobody status tqr1 --json)
assert_eq "nobody's status of tqr1: no template, no creator" "null null" \
	"$(jget "$SN" '.devices[0] | "\(.template) \(.created_by)"')"
assert_nomatch "nor its text status" 'rootonly|created from' "$(tq_nobody status tqr1)"
assert_eq "root's status of tqr1 names both" "rootonly 0" \
	"$(status_field tqr1 .template) $(status_field tqr1 .created_by.uid)"
refused "nobody may not destroy a declared device" 'tqkdecl is declared in the config' \
	tq_nobody destroy tqkdecl

tqprobe_bg "$TQ_TMP/hold" acquire tqvm2 --hold
HOLD=$BGPID
wait_until 100 0.1 "root holds tqvm2" file_has "$TQ_TMP/hold" '^holding'
refused "destroy of a leased device" "tqvm2 is leased by pid $HOLD" tq_nobody destroy tqvm2
stop_bg "$HOLD"
wait_until 50 0.1 "tqvm2's lease ends" leased_is tqvm2 false
assert_ok "its creator destroys tqvm2" tq_nobody destroy tqvm2
wait_until 50 0.1 "tqvm2 is gone" link_gone tqvm2
assert_ok "then creates tqvm3 within the quota again" tq_nobody create tqvm3 --template vm --queues 1
# at the host's fd limit: a clear refusal, and tapqd goes on
SOFT=$(prlimit --pid "$DPID" --nofile --raw --noheadings -o SOFT)
HARD=$(prlimit --pid "$DPID" --nofile --raw --noheadings -o HARD)
# the limit is on fd numbers: below the lowest free one, no fd is left (but a spare tapqd
# frees to let root in)
first_free_fd() {
	_n=0
	while [ -e "/proc/$DPID/fd/$_n" ]; do _n=$((_n + 1)); done
	echo "$_n"
}
assert_ok "RLIMIT_NOFILE of tapqd lowered to its lowest free fd" \
	prlimit --pid "$DPID" --nofile="$(first_free_fd):$HARD"
refused "a create at the fd limit" 'tqr9: opening queue [0-9] \(TUNSETIFF\): Too many open files: tapqd.s file descriptor limit \(RLIMIT_NOFILE [0-9]+\) is reached' \
	tq create tqr9 --template rootonly
assert_ok "the fd limit back" prlimit --pid "$DPID" --nofile="$SOFT:$HARD"
assert_ok "tqr9 left nothing behind" link_gone tqr9
assert_ok "tapqd goes on: the create works now" tq create tqr9 --template rootonly
assert_ok "and the destroy" tq destroy tqr9
STATUS=$(tq status --json)
assert_eq "refusals counted: quota, bad_name, bad_template, not_allowed, host_limit" "1 5 4 2 1" \
	"$(jget "$STATUS" .refusals.quota) $(jget "$STATUS" .refusals.bad_name) $(jget "$STATUS" .refusals.bad_template) $(jget "$STATUS" .refusals.not_allowed) $(jget "$STATUS" .refusals.host_limit)"

# a reload never removes a created device, even one whose template it drops
conf no >"$CONF"
assert_ok "a reload without template vm is taken" tq reload
assert_ok "tqvm1 stays" link_exists tqvm1
assert_eq "with its template and creator" "vm 65534" \
	"$(status_field tqvm1 .template) $(status_field tqvm1 .created_by.uid)"
refused "a new create from vm is refused" 'no template vm' tq_nobody create tqvm4 --template vm
assert_eq "templates after the reload: vm is gone from the list" "keep" \
	"$(tjson tq_nobody '[.templates[].name] | join(" ")')"
conf no '[device tqvm1]\nmax_queues = 1\n' >"$CONF"
refused "a reload declaring tqvm1 is refused, with file and line" \
	"template.conf:[0-9]+: device \"tqvm1\" was created from template vm by uid 65534: destroy it first" \
	tq reload
conf no >"$CONF"
assert_ok "the config back" tq reload

# without a service manager: SIGKILL, then a plain start
assert_ok "nobody creates tqk1 (persist = yes)" tq_nobody create tqk1 --template keep
IFX_K=$(link_ifindex tqk1)
kill_wait KILL "$DPID"
wait "$DPID" 2>/dev/null
untrack "$DPID"
assert_ok "tqk1 outlives tapqd (persistent)" link_exists tqk1
start_daemon_in "$H" "$CONF" || finish
LOG=$(cat "$DLOG")
assert_eq "tqk1 is taken back, same ifindex" "$IFX_K keep 65534" \
	"$(status_field tqk1 .ifindex) $(status_field tqk1 .template) $(status_field tqk1 .created_by.uid)"
assert_match "  and says so" "tqk1: re-adopted, its interface still there \\(ifindex $IFX_K\\)" "$LOG"
assert_eq "tqvm1 (not persistent) is made again from its stored config" "vm 65534 2" \
	"$(status_field tqvm1 .template) $(status_field tqvm1 .created_by.uid) $(status_field tqvm1 .max_queues)"
assert_eq "so are tqvm3 and tqr1" "vm 1 rootonly" \
	"$(status_field tqvm3 .template) $(status_field tqvm3 .max_queues) $(status_field tqr1 .template)"
assert_eq "tapqd holds tqk1's 2 queues" 2 "$(tap_fds_of "$DPID" tqk1 | wc -l)"
assert_ok "nobody acquires tqk1 after the restart" tqprobe_nobody acquire tqk1 --expect 2
assert_ok "and destroys it" tq_nobody destroy tqk1
wait_until 50 0.1 "tqk1 is gone, persistent as it was" link_gone tqk1
stop_daemon

# under a service manager: the fd store keeps every created device
start_fakesd "$CONF" || finish
assert_ok "nobody creates tqk2" tq_nobody create tqk2 --template keep
assert_ok "root creates tqr2" tq create tqr2 --template rootonly
IFX_K=$(link_ifindex tqk2)
IFX_R=$(link_ifindex tqr2)
tqprobe_bg "$TQ_TMP/hold2" acquire tqk2 --hold
HOLD=$BGPID
wait_until 100 0.1 "root holds tqk2" file_has "$TQ_TMP/hold2" '^holding'
kill -KILL "$(tapqd_pid)"
wait_until 100 0.05 "fakesd restarted tapqd" sh -c "[ \$(grep -c ' READY=1' '$NLOG') -ge 2 ]"
wait_until 100 0.1 "the new tapqd answers" daemon_ready
assert_eq "tqk2 and tqr2 come back from the fd store, same ifindexes" \
	"$IFX_K keep 65534 $IFX_R rootonly 0" \
	"$(status_field tqk2 .ifindex) $(status_field tqk2 .template) $(status_field tqk2 .created_by.uid) $(status_field tqr2 .ifindex) $(status_field tqr2 .template) $(status_field tqr2 .created_by.uid)"
assert_match "re-adopted from the store" 'tqr2: re-adopted from the fd store' "$(cat "$DLOG")"
assert_eq "tqk2's lease survives the restart" "true $HOLD" \
	"$(status_field tqk2 .leased) $(status_field tqk2 .holder_pid)"
stop_bg "$HOLD"
wait_until 50 0.1 "then ends with its holder" leased_is tqk2 false
stop_daemon

finish
