#!/bin/sh
# SPDX-License-Identifier: MIT
# t_crashloop.sh - tapqd killed with SIGKILL while its config file on disk is
# broken, under a service manager (fakesd.c) that restarts it with the fd
# store: the restarted tapqd comes up on the configuration it last applied
# (carried in the stored state) instead of failing restart after restart
# until the start limit empties the store. Every device, leased or not,
# keeps its ifindex, the lease comes back, and the broken file is reported
# as a refused reload reports it: file:line in the RELOAD query (status
# --json's config_error), in STATUS=, in the log. A SIGHUP with the file
# fixed applies it, and from then on it is the one carried. Without a
# stored state (a first start) a broken file still refuses to start.
. "$(dirname "$0")/lib.sh"
tq_init
CONF=$TQ_TMP/tapqd.conf
cp "$TQ_DIR/basic.conf" "$CONF"
start_fakesd "$CONF" || finish

tqprobe_bg "$TQ_TMP/hold" acquire tqa --hold
H=$BGPID
wait_until 100 0.1 "tqprobe holds tqa" file_has "$TQ_TMP/hold" '^holding'
ifindexes() { for l in tqa tqv tqnobody tqroot tqgroup; do printf '%s=%s ' "$l" "$(link_ifindex "$l")"; done; }
IFX=$(ifindexes)
say "       before: $IFX"
config_error() { jget "$(tq status --json)" '.config_error // ""'; }
assert_eq "no config error yet" "" "$(config_error)"

# broken on disk, and then tapqd crashes
printf '\n[device tqbroken]\nmax_queues = 999\n' >>"$CONF"
BAD_LINE=$(wc -l <"$CONF")
OLD=$(tapqd_pid)
R0=$(ready_count)
kill -KILL "$OLD"
wait_until 100 0.1 "fakesd restarted tapqd and it said READY=1" sh -c "[ \$(grep -c ' READY=1' '$NLOG') -gt $R0 ]"
say "       fakesd: $(grep -E '# (exit|start)' "$NLOG" | cut -d' ' -f2-7 | tr '\n' ';')"
wait_until 100 0.1 "the new tapqd answers" daemon_ready || finish
NEW=$(tapqd_pid)
assert_ne "a new tapqd" "$OLD" "$NEW"
assert_eq "it came up at the first restart: no start failed" "" "$(grep -E '# exit pid [0-9]+ status [1-9]' "$NLOG")"
assert_eq "every device kept its ifindex" "$IFX" "$(ifindexes)"
assert_match "tqa re-adopted from the store, still leased" \
	'tqa: re-adopted from the fd store, ifindex [0-9]+, 4 of 4 queues active, leased' "$(cat "$DLOG")"
assert_match "tqv, unleased, re-adopted from the store too" 'tqv: re-adopted from the fd store' "$(cat "$DLOG")"
assert_eq "the lease is the holder's" "$H client" "$(status_field tqa .holder_pid) $(status_field tqa .control)"
assert_ok "the broken file's device was not made" link_gone tqbroken
assert_match "the RELOAD query reports the broken file:line" "^$CONF:$BAD_LINE: " "$(config_error)"
assert_match "STATUS= says it" "STATUS=5 devices, 1 leased, .*; config not reloaded: $CONF:$BAD_LINE: " \
	"$(sed -n "/# start pid $NEW /,\$p" "$NLOG")"
assert_match "and the log" \
	"config refused, the configuration last applied \\(carried in the fd store\\) runs: $CONF:$BAD_LINE: " \
	"$(cat "$DLOG")"

# fixed, with one device more: SIGHUP applies it
cp "$TQ_DIR/basic.conf" "$CONF"
printf '\n[device tqnew]\nmax_queues = 2\n' >>"$CONF"
kill -HUP "$NEW"
wait_until 50 0.1 "SIGHUP with the fixed file: tqnew is made" link_exists tqnew
no_config_error() { [ -z "$(config_error)" ]; }
wait_until 50 0.1 "and the config error is gone" no_config_error
assert_eq "the others kept their ifindex" "$IFX" "$(ifindexes)"

# broken again: the restart comes up on the reloaded config, tqnew included
IFX_NEW=$(link_ifindex tqnew)
printf 'broken line\n' >>"$CONF"
BAD_LINE=$(wc -l <"$CONF")
R0=$(ready_count)
kill -KILL "$NEW"
wait_until 100 0.1 "restarted again, READY=1" sh -c "[ \$(grep -c ' READY=1' '$NLOG') -gt $R0 ]"
wait_until 100 0.1 "it answers" daemon_ready || finish
assert_eq "still no failed start" "" "$(grep -E '# exit pid [0-9]+ status [1-9]' "$NLOG")"
assert_eq "tqnew, of the reloaded config, is kept with its ifindex" "$IFX_NEW" "$(link_ifindex tqnew)"
assert_eq "and the others" "$IFX" "$(ifindexes)"
assert_match "the new broken line is reported" "^$CONF:$BAD_LINE: " "$(config_error)"
stop_bg "$H"
stop_daemon
wait_until 50 0.1 "the store went with fakesd: tqa is gone" link_gone tqa

# a first start, with nothing stored: a broken file still refuses to start
OUT=$(timeout 20 ip netns exec "$TQ_NS" unshare -m --propagation private sh -c \
	'mount -t tmpfs tmpfs /run && exec "$0" -f -c "$1"' "$TAPQD" "$CONF" 2>&1)
RC=$?
say "       tapqd said: $(printf '%s' "$OUT" | tail -n 1)"
assert_eq "a first start with the broken file fails" 1 "$RC"
assert_match "naming file:line" "$CONF:$BAD_LINE: " "$OUT"
assert_ok "and made no device" link_gone tqa
finish
