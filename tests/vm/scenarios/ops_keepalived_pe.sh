#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# keepalived alone, with the shipped packaging/keepalived/keepalived-pe.conf
# (lb_algo wlc, persistence_timeout, persistence_engine nc, TCP_CHECK): it
# creates the service and its real servers, and users behind firewall
# arrays that SNAT every connection to another address of their pool
# stay on one real server each. A real server stops answering ->
# keepalived removes it -> only the classes it served move; it comes
# back -> keepalived re-adds it and no class moves.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
topo_add_firewall 23.1.1.1 23.80.2.2 23.160.3.3 23.240.4.4
topo_add_firewall 100.64.1.1 100.90.2.1 100.127.4.1
direct="61.1.0.1 62.1.0.1 63.1.0.1 64.1.0.1 65.1.0.1 66.1.0.1"
topo_add_clients $direct

cf=$TMPDIR/keepalived.conf
sed -e 's/10\.0\.0\.1\([123]\)/10.255.0.1\1/' "$NC_REPO/packaging/keepalived/keepalived-pe.conf" > "$cf"
ip netns exec dir keepalived -n -l -D --check -f "$cf" -p "$TMPDIR/k.pid" -c "$TMPDIR/kc.pid" \
	>> "$TMPDIR/keepalived.log" 2>&1 &
kpid=$!
stop_keepalived() { kill "$kpid" 2>/dev/null || true; wait "$kpid" 2>/dev/null || true; }
trap 'stop_keepalived; topo_cleanup' EXIT

servers_up() { topo_exec dir ipvsadm -Ln -t "$VIP:80" 2>/dev/null | grep -c '^  -> 10\.255\.0\.' || true; }
nc_wait_eq 60 "real servers keepalived put in the service" 3 servers_up
topo_exec dir ipvsadm -Ln -t "$VIP:80" | grep -q "^TCP  $VIP:80 wlc persistent 1800 pe nc" ||
	nc_fail "keepalived's service is not wlc, persistent 1800, pe nc: $(topo_exec dir ipvsadm -Ln -t "$VIP:80")"

# round NAME: 2 connections per direct client, 8 per firewall user (direct
# clients first: wlc then spreads the first round's classes over all
# three servers).
round() {
	probe cli --to "$VIP:80" --from "$(echo $direct | tr ' ' ',')" --count 2 > "$TMPDIR/$1.direct"
	probe lan0 --to "$VIP:80" --from 10.200.0.2 --count 8 > "$TMPDIR/$1.fw0"
	probe lan1 --to "$VIP:80" --from 10.200.0.2 --count 8 > "$TMPDIR/$1.fw1"
}
# where NAME: "user-or-client server" per line, each answered by one server.
where() {
	echo "fw0 $(probe_server "$TMPDIR/$1.fw0" 10.200.0.2)"
	echo "fw1 $(probe_server "$TMPDIR/$1.fw1" 10.200.0.2)"
	for a in $direct; do echo "$a $(probe_server "$TMPDIR/$1.direct" "$a")"; done
}
round before
where before > "$TMPDIR/before"
nc_log "before: $(paste -sd' ' "$TMPDIR/before")"

# The server of fw0's user stops answering.
victim=$(awk '$1 == "fw0" { print $2 }' "$TMPDIR/before")
ip netns pids "$victim" | xargs -r kill
nc_wait_eq 60 "real servers after $victim stopped answering" 2 servers_up
round failed
where failed > "$TMPDIR/failed"
nc_log "$victim down: $(paste -sd' ' "$TMPDIR/failed")"
moved=0
while read -r who server; do
	now=$(awk -v w="$who" '$1 == w { print $2 }' "$TMPDIR/failed")
	if [ "$server" = "$victim" ]; then
		[ "$now" != "$victim" ] || nc_fail "$who still reached $victim after keepalived removed it"
		moved=$((moved + 1))
	else
		expect_eq "server of $who (not on $victim) after $victim failed" "$now" "$server"
	fi
done < "$TMPDIR/before"

# Back: keepalived re-adds it, and no class moves.
topo_exec "$victim" setsid -f "$NC_BIN/ncprobe" serve --id "$victim" --port 80
nc_wait_eq 60 "real servers after $victim came back" 3 servers_up
round back
where back > "$TMPDIR/back"
expect_eq "who reached which server after $victim came back" "$(cat "$TMPDIR/back")" "$(cat "$TMPDIR/failed")"
[ "$moved" -ge 2 ] || nc_fail "only $moved class on $victim: too few to tell its classes from the others"
nc_log "$moved of $(wc -l < "$TMPDIR/before") users/classes moved when $victim failed (exactly its own); none when it came back"
echo "PASS: ops_keepalived_pe"
