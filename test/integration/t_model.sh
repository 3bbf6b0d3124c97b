#!/bin/sh
# SPDX-License-Identifier: MIT
# t_model.sh - device states that the lease and reload paths must agree on,
# each in a tapqd of its own (restarted without a service manager, so that
# a device waits for the holder of an earlier tapqd's lease):
#  1. a waiting device whose lease root released, then removed from the
#     config: SIGHUP leaves tapqd running, the device unlisted, the
#     interface to its holder, and tapqd running when the holder exits;
#  2. a reload of a waiting device (no queue fd in tapqd) issues no ioctl on
#     it, places none of its queues, and deletes no interface its old holder
#     still has open, leased or released; the changes wait, and the device
#     is created afresh with them once the holder's fds are gone;
#  3. a lease whose LEASE message could not be sent (the client shut its
#     socket and closed it without reading, but lives on) ends at once: the
#     device is free again, its unleased active set (1 of 4) back, no fd kept.
. "$(dirname "$0")/lib.sh"
tq_init

CONF=$TQ_TMP/model.conf
# put_conf DEVICES: the config file, its device sections as a printf format
put_conf() {
	printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\n' >"$CONF.new"
	# shellcheck disable=SC2059
	printf "$1" >>"$CONF.new"
	mv "$CONF.new" "$CONF"
}

link_mtu() { ip -n "$TQ_NS" -o link show dev "$1" | grep -Eo 'mtu [0-9]+' | cut -d' ' -f2; }
link_tun() { ip -n "$TQ_NS" -d link show dev "$1" | grep -Eo 'persist (on|off)|user [^ ]+|group [^ ]+' | tr '\n' ' '; }
# status answers, and no longer lists DEV
unlisted() { _j=$(tq status --json 2>/dev/null) && [ -z "$(jget "$_j" ".devices[] | select(.name == \"$1\") | .name")" ]; }
# every queue of DEV unplaced (cpu -1, null in the JSON)
cpus_unplaced() { jget "$(tq status "$1" --json)" '[.devices[0].queues[].cpu | select(. != null and . != -1)] | length'; }
cpus_of() { jget "$(tq status "$1" --json)" '[.devices[0].queues[].cpu] | tojson'; }
no_badf() { ! grep -Eq 'Bad file descriptor|EBADF' "$DLOG"; }

# restart_plain HOLDER: SIGKILL tapqd; start it again, as an init script
# would, in the mount namespace HOLDER (a client of it) keeps alive.
restart_plain() {
	_old=$DPID
	kill -KILL "$_old"
	poll_until 50 0.1 pid_dead "$_old"
	wait "$_old" 2>/dev/null
	untrack "$_old"
	start_daemon_in "$1" "$CONF"
}

# end_section: an orderly stop of the section's tapqd if it still runs
end_section() {
	if [ -n "$DPID" ] && pid_alive "$DPID"; then
		stop_daemon
	elif [ -n "$DPID" ]; then
		wait "$DPID" 2>/dev/null
		say "       tapqd (pid $DPID) had exited already: exit status $?; the end of its log:"
		tail -n 8 "$DLOG" | sed 's/^/       | /'
		untrack "$DPID"
		check_daemon_log
		DPID=""
	fi
}

# ---- 1. SIGHUP after a released waiting device left the config ----
say "# 1. a released waiting device removed from the config, then SIGHUP"
put_conf '\n[device tqx]\nmax_queues = 2\n\n[device tqy]\nmax_queues = 1\n'
start_daemon "$CONF" || finish
tqprobe_bg "$TQ_TMP/hx" acquire tqx --hold
HX=$BGPID
wait_until 100 0.1 "tqprobe holds tqx" file_has "$TQ_TMP/hx" '^holding'
IFX_X=$(link_ifindex tqx)
restart_plain "$HX" || finish
assert_eq "tqx waits, leased by pid $HX" "true true $HX" \
	"$(status_field tqx .waiting) $(status_field tqx .leased) $(status_field tqx .holder_pid)"
assert_ok "root releases tqx's lease" tq release tqx
assert_eq "tqx: not leased, still waiting" "false true" "$(status_field tqx .leased) $(status_field tqx .waiting)"
put_conf '\n[device tqy]\nmax_queues = 1\n'
kill -HUP "$DPID"
wait_until 50 0.1 "SIGHUP applied: status answers and no longer lists tqx" unlisted tqx
assert_ok "tapqd is still running after the SIGHUP" pid_alive "$DPID"
assert_eq "status lists tqy alone" tqy "$(jget "$(tq status --json 2>/dev/null)" '[.devices[].name] | join(" ")')"
assert_eq "tqx's interface stays while pid $HX has it open" "$IFX_X" "$(link_ifindex tqx)"
stop_bg "$HX"
wait_until 50 0.1 "tqx's interface goes with its holder" link_gone tqx
assert_ok "tapqd is still running after tqx's holder exited" pid_alive "$DPID"
assert_ok "and answers" tq status
sleep 0.5
assert_ok "tqx is not created again" link_gone tqx
assert_ok "nor listed" unlisted tqx
end_section

# ---- 2. reloading waiting devices ----
say "# 2. reloads while devices wait for the holders of an earlier tapqd"
# tqw: leased by HW, waiting; tqr: leased by HR, waiting, then released by root
put_conf '\n[device tqw]\nmax_queues = 2\n\n[device tqr]\nmax_queues = 2\n'
start_daemon "$CONF" || finish
tqprobe_bg "$TQ_TMP/hw" acquire tqw --hold
HW=$BGPID
tqprobe_bg "$TQ_TMP/hr" acquire tqr --hold
HR=$BGPID
wait_until 100 0.1 "tqprobe holds tqw" file_has "$TQ_TMP/hw" '^holding'
wait_until 100 0.1 "tqprobe holds tqr" file_has "$TQ_TMP/hr" '^holding'
IFX_W=$(link_ifindex tqw)
IFX_R=$(link_ifindex tqr)
restart_plain "$HW" || finish
assert_eq "tqw waits, leased by pid $HW" "true true $HW" \
	"$(status_field tqw .waiting) $(status_field tqw .leased) $(status_field tqw .holder_pid)"
assert_eq "tqr waits, leased by pid $HR" "true true $HR" \
	"$(status_field tqr .waiting) $(status_field tqr .leased) $(status_field tqr .holder_pid)"
assert_ok "root releases tqr's lease" tq release tqr
assert_eq "tqr: not leased, still waiting for its interface to go" "false true" \
	"$(status_field tqr .leased) $(status_field tqr .waiting)"

# what tapqd would set through a queue fd (owner, group, persist), the link
# (mtu), its active set, and (second reload) what needs new queue fds
put_conf '\n[device tqw]\nmax_queues = 2\nmtu = 1400\nowner = nobody\ngroup = nogroup\npersist = yes\nactive_queues = 1\n\n[device tqr]\nmax_queues = 2\nmtu = 1400\npersist = yes\nowner = nobody\n'
for step in 1 2; do
	if [ "$step" = 2 ]; then
		sed -i 's/^max_queues = 2$/max_queues = 3/' "$CONF"
	fi
	assert_ok "reload $step succeeds" tq reload
	assert_ok "reload $step: tapqd still running" pid_alive "$DPID"
	assert_ok "reload $step: no ioctl on a missing fd (no 'Bad file descriptor' in the log)" no_badf
	assert_eq "reload $step: tqw still waits, leased by pid $HW" "true true $HW" \
		"$(status_field tqw .waiting) $(status_field tqw .leased) $(status_field tqw .holder_pid)"
	assert_eq "reload $step: tqw's queues are not placed (cpu -1)" 0 "$(cpus_unplaced tqw)"
	assert_eq "reload $step: tqw's changes wait (pending reconfigure)" reconfigure "$(status_field tqw .pending)"
	assert_eq "reload $step: tqw, held by pid $HW, keeps its interface" "$IFX_W" "$(link_ifindex tqw)"
	assert_eq "reload $step: tqr still waits for its interface to go" "true false" \
		"$(status_field tqr .waiting) $(status_field tqr .leased)"
	assert_eq "reload $step: tqr's queues are not placed (cpu -1)" 0 "$(cpus_unplaced tqr)"
	assert_eq "reload $step: tqr, open in pid $HR, keeps its interface" "$IFX_R" "$(link_ifindex tqr)"
done
grep -E 'Bad file descriptor|EBADF' "$DLOG" | head -n 6 | sed 's/^/       | /'
say "       cpus: tqw $(cpus_of tqw), tqr $(cpus_of tqr)"
assert_eq "the kernel: tqw has the 2 queues pid $HW holds" "numqueues 2 numdisabled 0" "$(link_queues tqw)"
assert_eq "the kernel: tqr has the 2 queues pid $HR holds" "numqueues 2 numdisabled 0" "$(link_queues tqr)"

# the holders exit: their interfaces go, and the devices come back with the new config
new_config() { # DEV IFX ATTACHED
	[ "$(link_ifindex "$1")" != "" ] && [ "$(link_ifindex "$1")" != "$2" ] &&
		[ "$(link_mtu "$1")" = 1400 ] && [ "$(status_field "$1" .max_queues)" = 3 ] &&
		[ "$(status_field "$1" .waiting)" = false ] && [ "$(link_queues "$1")" = "$3" ]
}
stop_bg "$HW"
wait_until 50 0.1 "tqw's holder gone: tqw created afresh: mtu 1400, 1 of 3 queues attached" \
	new_config tqw "$IFX_W" "numqueues 1 numdisabled 2"
assert_match "and persistent, owned by nobody:nogroup" 'persist on user nobody group nogroup' "$(link_tun tqw)"
assert_eq "tqw: unleased, nothing pending" "false null" "$(status_field tqw .leased) $(status_field tqw .pending)"
stop_bg "$HR"
wait_until 50 0.1 "tqr's holder gone: tqr created afresh: mtu 1400, 3 of 3 queues attached" \
	new_config tqr "$IFX_R" "numqueues 3 numdisabled 0"
assert_match "and persistent, owned by nobody" 'persist on user nobody' "$(link_tun tqr)"
assert_ok "tapqd still running" pid_alive "$DPID"
end_section

# ---- 3. a LEASE that could not be sent ----
say "# 3. ACQUIRE from a client that closed its socket unread"
put_conf '\n[device tqm]\nmax_queues = 4\nactive_queues = 1\n'
start_daemon "$CONF" || finish
assert_eq "tqm: 1 of 4 queues attached, unleased" "numqueues 1 numdisabled 3" "$(link_queues tqm)"
# the raw ACQUIRE the client sends, read as any client would: a lease
assert_ok "the raw ACQUIRE, its reply read, gets a lease of 4 fds" \
	sh -c "timeout 20 nsenter -t $DPID -m -n $TQPROBE acquire-raw tqm --read | grep -q '^reply lease fds 4\$'"
wait_until 50 0.1 "that lease ends as its client exits" leased_is tqm false
tq status >/dev/null 2>&1
FD0=$(daemon_fd_count)
CALLS0=$(status_field tqm .tunsetqueue_calls)
IFX_M=$(link_ifindex tqm)
tqprobe_bg "$TQ_TMP/hangup" acquire-raw tqm --hangup 60
P=$BGPID
wait_until 50 0.1 "a client sent the same ACQUIRE, and closed its socket unread" file_has "$TQ_TMP/hangup" '^closed pid'
wait_until 20 0.1 "within 2 s tqm is not leased (the LEASE never reached pid $P)" leased_is tqm false
say "       TUNSETQUEUE calls tapqd issued on tqm meanwhile: $(($(status_field tqm .tunsetqueue_calls) - CALLS0))"
assert_ok "the client lives on" pid_alive "$P"
assert_match "holder_pid 0 (null)" '^(null|0)$' "$(status_field tqm .holder_pid)"
assert_eq "the kernel: tapqd's unleased active set, 1 of 4" "numqueues 1 numdisabled 3" "$(link_queues tqm)"
assert_eq "status: 1 active" 1 "$(status_field tqm .active_queues)"
# tapqd's unsent copies of the queue fds close before the lease ends, so the
# files are renewed in place: no copy is counted as kept elsewhere
assert_eq "same interface: the queue files renewed, not the interface re-created" \
	"$IFX_M" "$(link_ifindex tqm)"
fd_back() { [ "$(daemon_fd_count)" -le "$FD0" ]; }
wait_until 20 0.1 "tapqd's fd count back to $FD0 (no pidfd of pid $P kept)" fd_back
say "       tapqd fds: before $FD0, after $(daemon_fd_count)"
assert_ok "another client acquires tqm at once" tqprobe acquire tqm --expect 4 --expect-active 4
stop_bg "$P"
assert_eq "the client held no fd of tqm" 0 "$?"
end_section

finish
