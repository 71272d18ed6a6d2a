#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The patent's case, side by side with what operators use instead. Three
# users sit behind firewall arrays that SNAT each new connection to the next
# address of their pool: fw0's pool spans several /16s of one first octet,
# fw1's several /24s of one /16, fw2's lies in one /24. 24 direct clients
# come from 24 other first octets. The same workload runs against nc (octet
# and classful), the nc persistence engine (octet and classful, first pick
# wlc), rr, sh, mh and IPVS persistence with /32, /24 and /8 masks; then
# the server of fw0's user is removed and it runs again.
# Printed per configuration (docs/scenarios.md has the table): each user's
# stickiness (share of its connections on its first server), max/mean
# connections over the servers, stickiness after the removal, and direct
# clients that moved although their server stayed.
# Asserted: nc (scheduler and engine) keeps every user on one server before and after and moves
# nothing else; rr, sh, mh and /32 persistence split some user, and /24
# persistence splits a user whose pool spans /24s (the patent's failure).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 4
topo_add_firewall 23.1.1.1 23.80.2.2 23.160.3.3 23.240.4.4
topo_add_firewall 100.64.1.1 100.64.2.1 100.64.3.1 100.64.4.1
topo_add_firewall 45.6.7.1 45.6.7.2 45.6.7.3 45.6.7.4
direct=$(for o in $(seq 60 83); do echo "$o.0.0.1"; done)
topo_add_clients $direct
direct_from=$(echo $direct | tr ' ' ,)
per_user=12

# run_workload PORT OUT: each firewall user's connections (OUT.fwK, in
# order) and the direct clients' (OUT.direct, two each).
run_workload() {
	local port=$1 out=$2 k
	for k in 0 1 2; do
		probe "lan$k" --to "$VIP:$port" --from 10.200.0.2 --count "$per_user" > "$out.fw$k"
		[ "$(awk '$2 != "-"' "$out.fw$k" | wc -l)" = "$per_user" ] || nc_fail "port $port: fw$k user not answered $per_user times"
	done
	probe cli --to "$VIP:$port" --from "$direct_from" --count 2 > "$out.direct"
	! grep -q ' -$' "$out.direct" || nc_fail "port $port: a direct client was not answered"
}
# stickiness FILE: percent of the connections on the first one's server.
stickiness() { awk 'NR == 1 { first = $2 } $2 == first { n++ } END { printf "%d", 100 * n / NR }' "$1"; }
# balance OUT: max/mean connections over the servers that are in the service.
balance() {
	cat "$1".fw* "$1.direct" | awk -v n="$2" '{ c[$2]++; t++ } END { for (s in c) if (c[s] > m) m = c[s]; printf "%.2f", m / (t / n) }'
}
# moved_direct BEFORE AFTER REMOVED: "moved/eligible" direct clients that
# were on one server, not the removed one, and are not on it alone now.
moved_direct() {
	local a b moved=0 eligible=0
	for a in $direct; do
		b=$(probe_servers "$1.direct" "$a")
		[ "$(echo "$b" | wc -l)" = 1 ] && [ "$b" != "$3" ] || continue
		eligible=$((eligible + 1))
		[ "$(probe_servers "$2.direct" "$a")" = "$b" ] || moved=$((moved + 1))
	done
	echo "$moved/$eligible"
}

configs=("nc octet|-s nc" "nc classful|-s nc -b flag-1"
	"--pe nc octet (wlc)|-s wlc -p 600 --pe nc" "--pe nc classful (wlc)|-s wlc -p 600 --pe nc --nc-key classful"
	"rr|-s rr" "sh|-s sh" "mh|-s mh"
	"-p /32|-s wlc -p 600" "-p /24|-s wlc -p 600 -M 255.255.255.0" "-p /8|-s wlc -p 600 -M 255.0.0.0")
echo "| configuration | fw0 (/16s) | fw1 (/24s) | fw2 (one /24) | max/mean | after removal: fw0 fw1 fw2 | direct clients moved |"
echo "|---|---|---|---|---|---|---|"
port=80
for c in "${configs[@]}"; do
	name=${c%%|*} args=${c#*|}
	case $args in	# the engine's class key is set by ncadm
	*--nc-key*) ncadm dir -A -t "$VIP:$port" $args || nc_fail "ncadm -A $args" ;;
	*) topo_exec dir ipvsadm -A -t "$VIP:$port" $args || nc_fail "ipvsadm -A $args" ;;
	esac
	for i in 1 2 3 4; do topo_exec dir ipvsadm -a -t "$VIP:$port" -r "$(topo_rs_addr "$i"):80" -m; done
	out=$TMPDIR/p$port
	run_workload "$port" "$out"
	if [ "$port" = 80 ]; then
		# The firewalls really rotate: the director saw every pool address.
		seen=$(topo_exec dir ipvsadm -Lnc | awk -v vs="$VIP:$port" '$5 == vs { split($4, a, ":"); print a[1] }' |
			grep -c '^23\.\|^100\.64\.\|^45\.6\.7\.' || true)
		[ "$seen" -ge 12 ] || nc_fail "the firewalls used only $seen pool addresses of 12"
	fi
	s0=$(stickiness "$out.fw0") s1=$(stickiness "$out.fw1") s2=$(stickiness "$out.fw2")
	bal=$(balance "$out" 4)

	removed=$(awk 'NR == 1 { print $2 }' "$out.fw0")
	topo_exec dir ipvsadm -d -t "$VIP:$port" -r "$(topo_rs_addr "${removed#rs}"):80"
	run_workload "$port" "$out.after"
	cat "$out".after.* | grep -q " $removed\$" && nc_fail "$name: a connection reached the removed server $removed"
	a0=$(stickiness "$out.after.fw0") a1=$(stickiness "$out.after.fw1") a2=$(stickiness "$out.after.fw2")
	moved=$(moved_direct "$out" "$out.after" "$removed")
	echo "| $name | $s0 % | $s1 % | $s2 % | $bal | $a0 % $a1 % $a2 % | $moved |"

	case $name in
	nc*|--pe*)
		expect_eq "$name: users' stickiness before, after the removal" "$s0 $s1 $s2 $a0 $a1 $a2" "100 100 100 100 100 100"
		expect_eq "$name: direct clients moved although their server stayed" "${moved%/*}" 0
		;;
	rr)
		[ "$s0" -lt 100 ] && [ "$s1" -lt 100 ] && [ "$s2" -lt 100 ] || nc_fail "rr kept a user on one server: $s0 $s1 $s2"
		;;
	sh|mh|"-p /32")
		[ "$s0" -lt 100 ] || [ "$s1" -lt 100 ] || [ "$s2" -lt 100 ] || nc_fail "$name split no user: the scenario does not exercise the problem"
		;;
	"-p /24")
		[ "$s0" -lt 100 ] || [ "$s1" -lt 100 ] || nc_fail "-p /24 split neither user whose pool spans /24s"
		expect_eq "-p /24: the user whose pool is one /24" "$s2" 100
		;;
	esac
	port=$((port + 1))
done
echo "PASS: nc_firewall_array"
