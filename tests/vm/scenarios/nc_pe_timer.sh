#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The engine's timer, exactly (docs/design.md, "The engine's timer"): a
# class's template is kept past the persistence time P while one of its
# connections is open (IPVS re-arms it for 60 s at a time and keeps 60 s
# as its timeout); a new connection of the class then gets the full P
# again (the engine restores it; stock IPVS re-arms 60 s); after the
# class's last connection has ended, the template, and the class's
# server with it, stays while any connection entry of the class is left
# (closing states included) and at least P after its last new connection,
# and goes only after the last such entry. Measured and printed: the
# timeouts seen and how long the class kept its server after its last
# connection ended.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
topo_add_holding_servers 3 8080
topo_add_clients 81.1.0.1 81.2.0.1
P=$((8 * NC_TIME_SCALE))
topo_exec dir ipvsadm -A -t "$VIP:8080" -s rr -p "$P" --pe nc
for i in 1 2 3; do topo_exec dir ipvsadm -a -t "$VIP:8080" -r "$(topo_rs_addr "$i"):8080" -m; done

# One read of IPVS's connection table: class 81's template ("T EXPIRES
# DEST", DEST in hex as /proc shows it) and its connection entries
# ("C STATE"), one per line.
class_entries() {
	topo_exec dir cat /proc/net/ip_vs_conn | awk '
		$(NF - 1) == "nc" && $NF == "81.0.0.0/8" { print "T " $9 " " $6 }
		$2 ~ /^51/ && $(NF - 1) != "nc" { print "C " $8 }'
}
template_expires() { class_entries | awk '$1 == "T" { print $2 }'; }
# template_server: rsI, from the template's destination 0AFF00xx (10.255.0.(10+I)).
template_server() {
	local hex
	hex=$(class_entries | awk '$1 == "T" { print $3 }')
	[ -n "$hex" ] || nc_fail "class 81 has no template"
	echo "rs$(( 0x${hex:6:2} - 10 ))"
}

# 1. An open connection holds the template past P.
probe cli --to "$VIP:8080" --from 81.1.0.1 --hold-ms $((4 * P * 1000)) > "$TMPDIR/long" &
long=$!
nc_wait 30 "class 81 has no template" eval '[ -n "$(template_expires)" ]'
held_on=$(template_server)
nc_wait $((3 * P)) "IPVS did not keep class 81's template past its $P s for the open connection" \
	eval '[ "$(template_expires)" -gt "$P" ]'
held=$(template_expires)
nc_log "P = $P s; with its connection open after P the template has ${held} s left (IPVS's 'expire later')"

# 2. A new connection of the class: same server, the full P again.
probe cli --to "$VIP:8080" --from 81.2.0.1 > "$TMPDIR/again"
expect_eq "server of 81.2.0.1 (class 81's template on $held_on)" "$(probe_server "$TMPDIR/again" 81.2.0.1)" "$held_on"
rearmed=$(template_expires)
nc_log "a new connection of the class re-armed the template: ${rearmed} s left (stock IPVS: the 60 s it kept)"
[ "$rearmed" -le "$P" ] || nc_fail "a new connection re-armed the template for $rearmed s, not the persistence time $P s"

# 3. After the last connection ended: the template stays while any
# connection entry of the class is left, and goes after the last one.
wait "$long" || nc_fail "the long connection of class 81 failed: $(cat "$TMPDIR/long")"
ended=$SECONDS first_states="" conns_gone="" states="" now=""
while now=$(class_entries); grep -q '^T' <<<"$now"; do
	[ $((SECONDS - ended)) -lt $((400 * NC_TIME_SCALE)) ] ||
		nc_fail "class 81's template still there $((SECONDS - ended)) s after its last connection ended: $(echo $now)"
	states=$(awk '$1 == "C" { print $2 }' <<<"$now" | sort | uniq -c | awk '{ print $2 " x" $1 }' | paste -sd' ')
	[ -n "$first_states" ] || first_states=${states:-none}
	[ -n "$states" ] || [ -n "$conns_gone" ] || conns_gone=$((SECONDS - ended))
	sleep 1
done
kept=$((SECONDS - ended))
! grep -q '^C' <<<"$now" || nc_fail "class 81's template went before its connection entries: $(echo $now)"
nc_log "after its last connection ended: its entries ($first_states) went after" \
	"${conns_gone:-$kept} s, the template after $kept s: the class kept its server $kept s"
[ "$kept" -ge $((P - 1)) ] ||
	nc_fail "class 81 kept its server only $kept s after its last connection, less than P = $P s"
echo "PASS: nc_pe_timer"
