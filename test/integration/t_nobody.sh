#!/bin/sh
# SPDX-License-Identifier: MIT
# t_nobody.sh - authorization by SO_PEERCRED: nobody is refused on a device
# that does not allow it (and the refusal is logged with pid, uid, device),
# accepted on one whose allow_users or allow_groups names it, and cannot
# release another's lease.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

assert_eq "socket_mode 0666 applied" 666 "$(nsenter -t "$DPID" -m stat -c %a "$TQ_SOCK")"

# -- refused where not allowed
assert_refused "nobody: acquire tqroot refused" tq_nobody acquire tqroot
OUT=$REF_OUT
assert_eq "nobody: the refusal is one line" 1 "$(printf '%s\n' "$OUT" | grep -c .)"
say "       tapqctl said: $OUT"
assert_eq "tqroot not leased after the refusal" false "$(status_field tqroot .leased)"
assert_match "the refusal is logged with uid 65534 and the device" '(65534.*tqroot|tqroot.*65534)' "$(cat "$DLOG")"
assert_refused "nobody: libtapqd acquire tqroot refused" tqprobe_nobody acquire tqroot
OUT=$REF_OUT
assert_match "nobody: libtapqd acquire tqroot gets an error" '^FAIL acquire tqroot: ' "$OUT"
assert_refused "nobody: acquire tqa (no allow list) refused" tq_nobody acquire tqa
OUT=$REF_OUT
assert_refused "uid 12345: acquire tqnobody refused" timeout 20 nsenter -t "$DPID" -m -n setpriv --reuid=12345 --regid=12345 --clear-groups \
	"$TAPQCTL" acquire tqnobody
OUT=$REF_OUT
assert_refused "uid 12345 gid 12345: acquire tqgroup refused" timeout 20 nsenter -t "$DPID" -m -n setpriv --reuid=12345 --regid=12345 --clear-groups \
	"$TAPQCTL" acquire tqgroup
OUT=$REF_OUT

# -- accepted where allowed: tapqctl acquire holds the lease as nobody
bg "$TQ_TMP/nb.out" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$TAPQCTL" acquire tqnobody --json
N=$BGPID
wait_until 100 0.1 "nobody: acquire tqnobody accepted" file_has "$TQ_TMP/nb.out" '"fds"'
[ -s "$TQ_TMP/nb.out.err" ] && say "       stderr: $(cat "$TQ_TMP/nb.out.err")"
assert_match "the holder runs as nobody" '^Uid:[[:space:]]+65534[[:space:]]' "$(grep '^Uid:' /proc/$N/status)"
assert_eq "nobody holds the 2 queues of tqnobody" 2 "$(tap_fds_of "$N" tqnobody | wc -l)"
assert_eq "status: holder is nobody's process" "$N" "$(status_field tqnobody .holder_pid)"
assert_refused "nobody cannot release tqroot" tq_nobody release tqroot
OUT=$REF_OUT
stop_bg "$N"
wait_until 50 0.1 "nobody's lease ends with it" leased_is tqnobody false

OUT=$(tqprobe_nobody acquire tqnobody --expect 2 2>&1)
RC=$?
printf '%s\n' "$OUT" | sed 's/^/       /'
assert_eq "nobody: libtapqd acquire tqnobody, TUNGETIFF on each fd" 0 "$RC"
OUT=$(tqprobe_nobody acquire tqgroup --expect 1 2>&1)
assert_eq "nobody (gid nogroup): acquire tqgroup by allow_groups" 0 "$?"

# -- nobody cannot take or release a lease that root holds
tq_bg "$TQ_TMP/root.out" acquire tqnobody --json
R=$BGPID
wait_until 100 0.1 "root holds tqnobody" holder_is tqnobody "$R"
OUT=$(tq_nobody acquire tqnobody 2>&1)
assert_match "nobody: acquire of root's lease names the holder" "leased by pid $R([^0-9]|\$)" "$OUT"
assert_refused "nobody cannot release root's lease" tq_nobody release tqnobody
assert_eq "root still holds tqnobody" "$R" "$(status_field tqnobody .holder_pid)"
stop_bg "$R"

# -- a peer with more supplementary groups than anyone expects (LDAP users): served
GROUPS=$(seq -s, 1000 1400)
OUT=$(timeout 20 nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
	--groups "$GROUPS" "$TAPQCTL" $(sock_opt) status 2>&1)
assert_eq "nobody with 401 groups: status works" 0 "$?"
NG=$(getent group nogroup | cut -d: -f3)
OUT=$(timeout 20 nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=1000 \
	--groups "$GROUPS,$NG" "$TQPROBE" $(sock_opt) acquire tqgroup --expect 1 2>&1)
assert_eq "nobody allowed on tqgroup by its 402nd group (nogroup)" 0 "$?"
assert_ok "tapqd still answers after it" tq status

stop_daemon
finish
