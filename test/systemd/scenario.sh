#!/bin/sh
# SPDX-License-Identifier: MIT
# scenario.sh - runs inside the container of check.sh, as root, against the
# container's own systemd 252: tapqd.service with N devices of 4 queues
# through start, a lease held by a process outside tapqd, restart, SIGKILL,
# reload and stop. It asserts what must hold (every device and its ifindex
# kept, the lease and its holder kept, unleased devices gone at stop, the
# leased one kept while its holder lives, and tq0's story in the journal:
# its lines by TAPQD_DEVICE=, a worker's by TAPQD_QUEUE=, its holder's by
# TAPQD_PEER_PID=, and every line that names a device, a queue or a client
# carrying that field) and prints each timing next to the issue's target,
# never asserting one: the machine is shared.
#
#   sh scenario.sh N LABEL      (LABEL names the figures: "new", "old";
#                                "upgrade": the restart goes from the binary
#                                of the drop-in old.conf to the installed one)
set -u

N=${1:?devices}
LABEL=${2:-tapqd}
QUEUES=4
FAILS=0
WAIT_S=120 # every wait is bounded: the slowest step at 1000 devices takes seconds

say() { printf 'sd-check[%s %s]: %s\n' "$LABEL" "$N" "$*"; }
pass() { say "PASS $1"; }
fail() {
	say "FAIL $1"
	FAILS=$((FAILS + 1))
}
assert_eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', saw '$3'"; fi; }
now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }
# PID 1's CPU time in seconds (utime + stime): the fd store's cost is there
pid1_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' /proc/1/stat; }
# tapqd's own CPU time so far: what the rest of a start costs (creating the taps)
tapqd_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
		/proc/"$(systemctl show -p MainPID --value tapqd.service)"/stat 2>/dev/null || echo "?"
}
figure() { # WHAT SECONDS PID1_SECONDS TARGET
	say "figure: $1: $2 s, PID 1 CPU $3 s, tapqd CPU $(tapqd_cpu) s (target: $4)"
}
# every tap of the config, as "name:ifindex", sorted
links() { ip -o link show type tun 2>/dev/null | awk -F': ' '{ print $2 ":" $1 }' | sed 's/@.*:/:/' | sort; }
link_count() { ip -o link show type tun 2>/dev/null | grep -c ': tq'; }
main_pid() { systemctl show -p MainPID --value tapqd.service; }
active_state() { systemctl show -p ActiveState --value tapqd.service; }
holder_of() { tapqctl status "$1" --json 2>/dev/null | jq -r '.devices[0].holder_pid // "none"'; }
wait_until() { # SECONDS DESC CMD...
	lim=$1
	desc=$2
	shift 2
	end=$(($(date +%s) + lim))
	until "$@"; do
		if [ "$(date +%s)" -ge "$end" ]; then
			fail "$desc (not within $lim s)"
			return 1
		fi
		sleep 0.02
	done
}
# systemctl VERB tapqd.service, which must exit 0, and its figure
timed() { # VERB TARGET
	c0=$(pid1_cpu)
	t0=$(now)
	systemctl "$1" tapqd.service
	rc=$?
	t1=$(now)
	assert_eq "systemctl $1 exits 0" 0 "$rc"
	figure "$1" "$(elapsed "$t0" "$t1")" "$(elapsed "$c0" "$(pid1_cpu)")" "$2"
}
# a new main process that is active (READY=1 came: Type=notify)
restarted() { [ "$(active_state)" = active ] && p=$(main_pid) && [ "$p" != 0 ] && [ "$p" != "$1" ]; }

mkdir -p /etc/tapqd
{
	# debug: the lines of tq0's workers, one per queue, and of every connection
	printf '[tapqd]\nlog_level = debug\n'
	i=0
	while [ "$i" -lt "$N" ]; do
		printf '[device tq%d]\nmax_queues = %d\n' "$i" "$QUEUES"
		[ "$i" != 0 ] || printf 'backend = sink\n'
		i=$((i + 1))
	done
} >/etc/tapqd/tapqd.conf
systemctl stop tapqd.service tqholder.service >/dev/null 2>&1
systemctl reset-failed tapqd.service tqholder.service >/dev/null 2>&1
systemctl start tapqd.socket
SINCE=@$(date +%s)
sleep 1 # journalctl --since has a resolution of a second

timed start "<= 5 s at 1000 x 4"
assert_eq "$N taps after start" "$N" "$(link_count)"
BEFORE=$(links)
# a change of tq0's queues, for its story in the journal; the lease below attaches them all again
tapqctl resize tq0 2 >/dev/null
assert_eq "tq0 resized to 2 queues" 2 "$(tapqctl status tq0 --json | jq -r '.devices[0].active_queues')"

# a lease, held by a process of its own that outlives tapqd
systemd-run -q --unit=tqholder /usr/local/bin/tapqctl exec tq0 -- sleep 100000
wait_until 20 "tq0 is leased" sh -c '[ "$(tapqctl status tq0 --json | jq -r ".devices[0].leased")" = true ]'
HOLDER=$(systemctl show -p MainPID --value tqholder.service)
assert_eq "tq0's holder is the tqholder process" "$HOLDER" "$(holder_of tq0)"
assert_eq "the holder has tq0's $QUEUES queues" "$QUEUES" \
	"$(grep -l '^iff:[[:space:]]*tq0$' /proc/"$HOLDER"/fdinfo/* 2>/dev/null | wc -l)"

# the journal's fields (log.c): one device's story, by TAPQD_DEVICE=, and the peer of a request
if [ "$LABEL" != old ]; then
	dev_journal() { journalctl --since "$SINCE" -u tapqd.service -o cat "$@"; }
	assert_eq "journalctl TAPQD_DEVICE=tq0 shows tq0's lease" "tq0: leased to pid $HOLDER" \
		"$(dev_journal TAPQD_DEVICE=tq0 | grep -o "^tq0: leased to pid [0-9]*" | tail -n 1)"
	assert_eq "the lease line names its peer in TAPQD_PEER_PID=" "1" \
		"$(dev_journal TAPQD_DEVICE=tq0 TAPQD_PEER_PID="$HOLDER" | grep -c "^tq0: leased to pid")"
	assert_eq "journalctl TAPQD_DEVICE=tq1 shows none of tq0's lines" "0" \
		"$(dev_journal TAPQD_DEVICE=tq1 | grep -c "tq0")"
fi

# restart
if [ "$LABEL" = upgrade ]; then
	rm -f /etc/systemd/system/tapqd.service.d/old.conf
	systemctl daemon-reload
fi
timed restart "none set; start <= 5 s"
assert_eq "every tap kept with its ifindex across restart" "$BEFORE" "$(links)"
assert_eq "the lease kept across restart, same holder" "$HOLDER" "$(holder_of tq0)"

# SIGKILL: Restart=on-failure brings it back after RestartSec=
P=$(main_pid)
c0=$(pid1_cpu)
t0=$(now)
systemctl kill -s KILL tapqd.service
if wait_until "$WAIT_S" "tapqd came back after SIGKILL" restarted "$P"; then
	t1=$(now)
	figure "SIGKILL to READY" "$(elapsed "$t0" "$t1")" "$(elapsed "$c0" "$(pid1_cpu)")" \
		"<= 2 s at 1000 x 4, RestartSec= included"
fi
assert_eq "every tap kept with its ifindex across SIGKILL" "$BEFORE" "$(links)"
assert_eq "the lease kept across SIGKILL, same holder" "$HOLDER" "$(holder_of tq0)"
# one stored fd per device and the lease state: what the restart after SIGKILL got back
if [ "$LABEL" != old ]; then
	STORED=$(journalctl --since "$SINCE" -u tapqd.service -o cat |
		sed -n 's/^service manager passed [0-9]* fds: .*, \([0-9]*\) from the fd store.*/\1/p' | tail -n 1)
	assert_eq "the store held one fd per device and the lease state" "$((N + 1))" "$STORED"
fi
# journald may rate-limit tapqd's line per device: a count, not an assertion
NR=$(journalctl --since "$SINCE" -u tapqd.service -o cat | grep -c 're-adopted from the fd store')
say "journal: $NR lines 're-adopted from the fd store' (2 starts of $N devices: $((2 * N)))"
assert_eq "no start failed" "" "$(journalctl --since "$SINCE" -u tapqd.service -o cat | grep -E "Failed with result" | grep -v "'signal'")"

# reload, nothing changed: it must still answer, and exit 0 (tapqd CPU: since its start)
timed reload "none set"

# stop: the store is discarded, unleased taps go, the leased one stays with its holder
timed stop "none set"
wait_until "$WAIT_S" "the unleased taps went" sh -c '[ "$(ip -o link show type tun | grep -c ": tq")" -le 1 ]'
assert_eq "after stop only the leased tq0 is left" "tq0" \
	"$(ip -o link show type tun | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep '^tq' | tr '\n' ' ' | sed 's/ $//')"
# tapqd asked systemd what the SIGTERM was: a stop, whose store goes, so it deleted the
# unleased taps itself in one message, rather than leave them to the store's closes
if [ "$LABEL" != old ]; then
	assert_eq "at stop, tapqd deleted the $((N - 1)) unleased taps in one message" \
		"deleted $((N - 1)) devices in one message" \
		"$(journalctl --since "$SINCE" -u tapqd.service -o cat | grep -o 'deleted [0-9]* devices in one message' | tail -n 1)"
fi
if [ "$LABEL" != old ]; then
	# across start, restart, SIGKILL and stop: every line the journal files under tq0 is tq0's
	assert_eq "journalctl TAPQD_DEVICE=tq0 names no other device" "" \
		"$(dev_journal TAPQD_DEVICE=tq0 | grep -ow 'tq[0-9]*' | grep -vx tq0 | sort -u | tr '\n' ' ')"
	assert_eq "journalctl TAPQD_DEVICE=tq0 shows its restored lease" "yes" \
		"$(dev_journal TAPQD_DEVICE=tq0 | grep -q "^tq0: lease of pid $HOLDER restored" && echo yes)"
	assert_eq "journalctl TAPQD_DEVICE=tq0 shows it re-adopted from the fd store" "yes" \
		"$(dev_journal TAPQD_DEVICE=tq0 | grep -q "^tq0: re-adopted from the fd store" && echo yes)"
	assert_eq "journalctl TAPQD_DEVICE=tq0 shows its resize" "yes" \
		"$(dev_journal TAPQD_DEVICE=tq0 | grep -q "^tq0: 2 of $QUEUES queues active" && echo yes)"
	assert_eq "journalctl TAPQD_QUEUE=3 shows the worker of tq0's queue 3 stopped at the resize" "yes" \
		"$(dev_journal TAPQD_DEVICE=tq0 TAPQD_QUEUE=3 | grep -q "^tq0: queue 3: worker stopped" && echo yes)"
	assert_eq "journalctl TAPQD_DEVICE=tq0 shows what a stop left of it" "yes" \
		"$(dev_journal TAPQD_DEVICE=tq0 | grep -q "^tq0: stays up with its holder pid $HOLDER" && echo yes)"
	# the holder's story: its lease, restored at each start; every pid named is the holder's
	HOLDER_LINES=$(dev_journal TAPQD_PEER_PID="$HOLDER")
	assert_eq "journalctl TAPQD_PEER_PID= shows the holder's lease and its restores" "1 2" \
		"$(printf '%s\n' "$HOLDER_LINES" | grep -c "^tq0: leased to pid $HOLDER") $(printf '%s\n' "$HOLDER_LINES" | grep -c "^tq0: lease of pid $HOLDER restored")"
	assert_eq "journalctl TAPQD_PEER_PID= names no other pid" "$HOLDER" \
		"$(printf '%s\n' "$HOLDER_LINES" | grep -o 'pid [0-9]*' | sort -u | sed 's/pid //' | tr '\n' ' ' | sed 's/ $//')"
	# a rule over every line, not a list of them: a line that starts with a device's
	# name, says "queue N:", or names the client it is about, carries that field
	assert_eq "every line naming a device, queue or peer carries its field" "" \
		"$(journalctl --since "$SINCE" -u tapqd.service -o json | jq -r '
			select(.MESSAGE | type == "string") | .MESSAGE as $m |
			[(select($m | test("^tq[0-9]+: ")) |
			  select(.TAPQD_DEVICE != ($m | capture("^(?<d>tq[0-9]+): ").d)) | "device"),
			 (select($m | test("queue [0-9]+: ")) |
			  select(.TAPQD_QUEUE != ($m | capture("queue (?<q>[0-9]+): ").q)) | "queue"),
			 (select($m | test("^(client|refused) pid [0-9]+")) |
			  select(.TAPQD_PEER_PID != ($m | capture("pid (?<p>[0-9]+)").p)) | "peer")] |
			select(length > 0) | "\(join(",")) field missing: \($m)"' | head -n 5)"
fi
systemctl stop tqholder.service
wait_until 10 "tq0 went with its holder" sh -c '! ip link show dev tq0 >/dev/null 2>&1'
systemctl reset-failed tapqd.service tqholder.service >/dev/null 2>&1

say "$FAILS failed"
[ "$FAILS" -eq 0 ]
