#!/bin/sh
# SPDX-License-Identifier: MIT
# t_exec.sh - tapqctl exec hands the fds to the program it execs: @FDS@ is
# replaced by them, they are the device's and inherited (no close-on-exec),
# nothing else leaks through, and the exec'd pid holds the lease until it
# exits.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

FLAG=$TQ_TMP/flag
touch "$FLAG"
# The script reports from its own /proc entry, then waits (30 s at most) for the flag to go.
SCRIPT='echo "pid $$"; echo "arg $1"; echo "fds $2";
for f in $(echo "$2" | tr : " "); do printf "fd %s %s\n" "$f" "$(grep "^iff:" /proc/$$/fdinfo/$f | tr -s "\t " " ")"; done
echo "sockets $(ls -l /proc/$$/fd | grep -c "socket:")"
echo ready
n=0; while [ -e "$3" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
exit 7'
tq_bg "$TQ_TMP/exec.out" exec tqa -- sh -c "$SCRIPT" sh 'netdev=n0,fds=@FDS@' @FDS@ "$FLAG"
E=$BGPID
wait_until 100 0.1 "the exec'd program runs" file_has "$TQ_TMP/exec.out" '^ready'
sed 's/^/       /' "$TQ_TMP/exec.out"
OUT=$(cat "$TQ_TMP/exec.out")
assert_eq "same pid as tapqctl" "pid $E" "$(grep '^pid ' "$TQ_TMP/exec.out")"
assert_match "@FDS@ inside an argument is replaced" '^arg netdev=n0,fds=[0-9]+:[0-9]+:[0-9]+:[0-9]+$' "$OUT"
assert_match "@FDS@ is 4 fds joined by ':'" '^fds [0-9]+:[0-9]+:[0-9]+:[0-9]+$' "$OUT"
assert_eq "each fd is a queue of tqa (inherited across exec)" 4 "$(grep -c '^fd [0-9]* iff: tqa$' "$TQ_TMP/exec.out")"
FDS=$(sed -n 's/^fds //p' "$TQ_TMP/exec.out" | tr ':' '\n' | sort -n | tr '\n' ' ')
assert_eq "the program holds no other fd of tqa" "$FDS" "$(tap_fds_of "$E" tqa | tr '\n' ' ')"
assert_eq "no socket leaked into the program" "sockets 0" "$(grep '^sockets ' "$TQ_TMP/exec.out")"
assert_eq "status: holder_pid is the exec'd pid" "$E" "$(status_field tqa .holder_pid)"
assert_eq "status: control client" client "$(status_field tqa .control)"
assert_eq "status: leased" true "$(status_field tqa .leased)"
OUT=$(tq acquire tqa 2>&1)
assert_match "a second acquire names the exec'd pid" "leased by pid $E([^0-9]|\$)" "$OUT"

rm -f "$FLAG"
poll_until 50 0.1 pid_dead "$E"
wait "$E"
assert_eq "the program's exit status comes through" 7 "$?"
untrack "$E"
wait_until 50 0.1 "the lease ends when the exec'd program exits" leased_is tqa false

# A program that cannot be exec'd: an error, and no lease left behind.
assert_refused "exec of a missing program fails" tq exec tqa -- "$TQ_TMP/no-such-program" @FDS@
wait_until 50 0.1 "no lease left after a failed exec" leased_is tqa false

# A refused lease: exec does not run the program.
tq_bg "$TQ_TMP/hold.out" acquire tqa
H=$BGPID
wait_until 100 0.1 "tqa held" holder_is tqa "$H"
assert_refused "exec of a leased device fails" tq exec tqa -- sh -c 'echo RAN'
OUT=$REF_OUT
assert_nomatch "and does not run the program" '^RAN$' "$OUT"
assert_match "naming the holder" "leased by pid $H([^0-9]|\$)" "$OUT"
stop_bg "$H"

stop_daemon
finish
