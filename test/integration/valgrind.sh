#!/bin/sh
# SPDX-License-Identifier: MIT
# valgrind.sh - one scenario with tapqd under valgrind's memcheck (make valgrind):
# status, a resize, a daemon-mode lease resized while held and released, a
# client-mode lease whose holder exits, a reload that creates, changes and
# deletes devices, and SIGTERM. Passes on 0 errors and 0 bytes definitely
# lost. Not a t_*.sh: run.sh runs the sanitizer build, which memcheck cannot.
. "$(dirname "$0")/lib.sh"
tq_init

VG_ERR=99 # memcheck's exit status when it reports an error
CONF=$TQ_TMP/tapqd.conf
VGLOG=$TQ_TMP/valgrind.log

write_conf() { # MTU EXTRA-DEVICE
	{
		printf '[tapqd]\nlog_level = debug\nresize_timeout = 2000\n'
		printf '\n[device tqv]\nmax_queues = 4\nactive_queues = 2\nmtu = %s\n' "$1"
		printf '\n[device tqd]\nmax_queues = 2\n'
		[ -z "$2" ] || printf '\n[device %s]\nmax_queues = 3\nvnet_hdr = no\n' "$2"
	} >"$CONF.new"
	mv "$CONF.new" "$CONF"
}

write_conf 1500 tqgone
DEXE=$(readlink -f /usr/libexec/valgrind/memcheck-amd64-linux)
start_in_ns 'exec valgrind --leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --error-exitcode="$1" --log-file="$2" \
	"$0" -f -c "$3"' "$TAPQD" "$VG_ERR" "$VGLOG" "$CONF"
# memcheck starts slowly: up to 60 s, not the 10 of start_daemon
if ! wait_until 600 0.1 "tapqd under valgrind answers" daemon_ready; then
	sed 's/^/  | /' "$DLOG" "$VGLOG" | tail -n 40
	finish
fi

assert_ok "status" tq status
assert_ok "status --json" tq status --json
assert_ok "resize tqv 3" tq resize tqv 3
assert_eq "tqv: 3 active" "numqueues 3 numdisabled 1" "$(link_queues tqv)"

# a daemon-mode lease, resized while held (a shrink waits for the holder's ack)
tqprobe_bg "$TQ_TMP/hold" acquire tqv --mode daemon --expect 4 --hold
H=$BGPID
wait_until 600 0.1 "tqv leased" leased_is tqv true
assert_ok "resize of the held tqv to 4" tq resize tqv 4
tq resize tqv 1 >/dev/null 2>&1
stop_bg "$H"
wait_until 600 0.1 "tqv's lease ends with its holder" leased_is tqv false

# a client-mode lease taken and given back by its holder's exit
OUT=$(tqprobe acquire tqd --expect 2)
assert_eq "client-mode lease of tqd" 0 "$?"
wait_until 600 0.1 "tqd's lease ended" leased_is tqd false

# a reload: one device changed, one deleted, one created
write_conf 1400 tqnew
assert_ok "reload" tq reload
wait_until 600 0.1 "tqnew created" link_exists tqnew
wait_until 600 0.1 "tqgone deleted" link_gone tqgone
assert_eq "tqv mtu 1400" 1 "$(ip -n "$TQ_NS" -o link show dev tqv | grep -c 'mtu 1400')"

# exit status 0, not VG_ERR: memcheck found no error
stop_daemon
ERRS=$(grep -E 'ERROR SUMMARY:' "$VGLOG")
LOST=$(grep -E 'definitely lost:|All heap blocks were freed' "$VGLOG")
say "  valgrind: $ERRS"
say "  valgrind: $LOST"
assert_match "memcheck: 0 errors" 'ERROR SUMMARY: 0 errors' "$ERRS"
assert_match "memcheck: 0 bytes definitely lost" \
	'definitely lost: 0 bytes|All heap blocks were freed' "${LOST:-none}"
finish
