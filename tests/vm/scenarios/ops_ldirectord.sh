#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ldirectord drives an nc service: with the shipped configuration
# (packaging/ldirectord/ldirectord.cf: scheduler=nc, schedflags=flag-3) it
# creates the service; a policy set with ncadm -E afterwards survives
# ldirectord's work; when a real server fails its health check, exactly the
# classes on it move, the others stay, and none reaches it any more; when
# it comes back, no class moves.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
clients="11.0.0.1 12.0.0.1 13.0.0.1 14.0.0.1 15.0.0.1 16.0.0.1 17.0.0.1 18.0.0.1 19.0.0.1"
topo_add_clients $clients
from=${clients// /,}

cf=$TMPDIR/ldirectord.cf
# -d keeps ldirectord in the foreground and logs to its standard output.
sed -e 's/^checkinterval=.*/checkinterval=1/' \
	"$NC_REPO/packaging/ldirectord/ldirectord.cf" > "$cf"
ip netns exec dir ldirectord -d "$cf" start > "$TMPDIR/ldirectord.out" 2>&1 &
ld_pid=$!
stop_ldirectord() {
	kill "$ld_pid" 2>/dev/null || true
	wait "$ld_pid" 2>/dev/null || true
}
trap 'stop_ldirectord; topo_cleanup' EXIT

# wait_for WHAT CMD...: poll CMD for up to 30 s.
wait_for() {
	local what=$1 i
	shift
	for i in $(seq $((120 * NC_TIME_SCALE))); do
		"$@" && return 0
		sleep 0.5
	done
	echo "--- ldirectord log"; grep -v DEBUG3 "$TMPDIR/ldirectord.out" | tail -n 30
	nc_fail "$what (ipvsadm -Ln: $(topo_exec dir ipvsadm -Ln))"
}
weight_of() { topo_exec dir ipvsadm -Ln -t "$VIP:80" 2>/dev/null | awk -v r="$(topo_rs_addr "$1"):80" '$2 == r { print $4 }'; }
all_up() { [ "$(weight_of 1)$(weight_of 2)$(weight_of 3)" = 111 ]; }
quiesced() { [ "$(weight_of "$1")" = 0 ]; }

wait_for "ldirectord did not create the service with three servers" all_up
topo_exec dir ipvsadm -Ln | grep -q "^TCP  $VIP:80 nc (flag-3)" ||
	nc_fail "ldirectord's service is not nc with flag-3: $(topo_exec dir ipvsadm -Ln)"
nc_log "ldirectord created: $(topo_exec dir ipvsadm -Ln | grep "^TCP")"

# The rest of the policy, set once ldirectord has made the service.
ncadm dir -E -t "$VIP:80" --sticky 10 --nc-pick hash
policy() { ncadm dir -L --nc "$VIP:80" -o json | grep -o '"sticky_seconds":[0-9]*\|"drain":"[a-z]*"' | paste -sd' '; }
expect_eq "policy after ncadm -E" "$(policy)" '"sticky_seconds":600 "drain":"repick"'

probe cli --to "$VIP:80" --from "$from" > "$TMPDIR/before"
for a in $clients; do probe_server "$TMPDIR/before" "$a" > /dev/null; done
victim=$(probe_server "$TMPDIR/before" 11.0.0.1)
v=${victim#rs}
moved=$(awk -v s="$victim" '$2 == s { print $1 }' "$TMPDIR/before" | paste -sd' ')
nc_log "classes on $victim: $moved"

# The victim's server process dies; ldirectord's check sets its weight to 0.
ip netns pids "$victim" | xargs -r kill
wait_for "ldirectord did not quiesce $victim" quiesced "$v"
nc_log "ldirectord quiesced $victim: $(grep -m1 "Disabled real server=.*$(topo_rs_addr "$v")" "$TMPDIR/ldirectord.out")"

probe cli --to "$VIP:80" --from "$from" --count 2 > "$TMPDIR/failed"
! grep -q " $victim\$" "$TMPDIR/failed" || nc_fail "a connection reached the failed server $victim"
for a in $clients; do
	now=$(probe_server "$TMPDIR/failed" "$a")
	was=$(probe_server "$TMPDIR/before" "$a")
	case " $moved " in
	*" $a "*) [ "$now" != "$victim" ] || nc_fail "$a still on $victim" ;;
	*) expect_eq "server of $a (its server did not fail)" "$now" "$was" ;;
	esac
done
expect_eq "policy after the failure" "$(policy)" '"sticky_seconds":600 "drain":"repick"'

# The server comes back: ldirectord restores its weight; no class moves.
topo_exec "$victim" setsid -f "$NC_BIN/ncprobe" serve --id "$victim" --port 80
wait_for "ldirectord did not restore $victim" all_up
probe cli --to "$VIP:80" --from "$from" > "$TMPDIR/back"
for a in $clients; do
	expect_eq "server of $a after $victim came back" "$(probe_server "$TMPDIR/back" "$a")" "$(probe_server "$TMPDIR/failed" "$a")"
done
expect_eq "policy at the end" "$(policy)" '"sticky_seconds":600 "drain":"repick"'
echo "PASS: ops_ldirectord"
