#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the natural-class scenario. Users behind two firewall arrays
# (each new connection leaves from another address of the array's pool)
# and direct clients reach a VIP with three real servers, first through
# -s nc, then through -s rr, and the demo shows who served whom.
set -euo pipefail
. "$(dirname "$0")/lib/topo.sh"

topo_setup_director >/dev/null
topo_add_servers 3
topo_add_firewall 100.64.1.1 100.71.2.1 100.96.3.1 100.127.4.1   # fw0: CGNAT pool, one first octet
topo_add_firewall 23.1.1.1 23.80.2.2 23.160.3.3                   # fw1: firewall array
direct="172.16.1.2 172.16.2.2 172.16.3.2 172.16.4.2 45.1.2.3 61.2.3.4 88.3.4.5 131.4.5.6 199.5.6.7"
topo_add_clients $direct

# run_round SCHED PORT: the workload against a service on VIP:PORT.
run_round() {
	local sched=$1 port=$2 f i
	topo_exec dir ipvsadm -A -t "$VIP:$port" -s "$sched"
	for i in 1 2 3; do
		topo_exec dir ipvsadm -a -t "$VIP:$port" -r "$(topo_rs_addr "$i"):80" -m
	done
	for f in fw0 fw1; do
		probe "lan${f#fw}" --to "$VIP:$port" --from 10.200.0.2 --count 8 > "$TMPDIR/$sched.$f"
	done
	probe cli --to "$VIP:$port" --from "${direct// /,}" --count 2 > "$TMPDIR/$sched.direct"
	# The director sees the firewalls' pool addresses: take them from IPVS.
	topo_exec dir ipvsadm -Lnc | awk -v vs="$VIP:$port" '$5 == vs' > "$TMPDIR/$sched.conns"
}

show() {
	local sched=$1 f
	echo
	echo "=== -s $sched ==="
	for f in fw0 fw1; do
		printf '%-34s' "user behind $f (8 connections):"
		awk '{print $2}' "$TMPDIR/$sched.$f" | sort | uniq -c | awk '{printf " %s x%s", $2, $1} END {print ""}'
	done
	echo "  source addresses the director saw, and the server each reached:"
	awk '{ split($4, s, ":"); split($6, d, ":"); print s[1] " -> " d[1] }' "$TMPDIR/$sched.conns" |
		sed -e 's/10\.255\.0\.11$/rs1/' -e 's/10\.255\.0\.12$/rs2/' -e 's/10\.255\.0\.13$/rs3/' |
		sort -t. -k1,1n -k2,2n -k3,3n -k4,4n | uniq -c |
		awk '{printf "    %-12s -> %s x%s\n", $2, $4, $1}'
}

run_round nc 80
echo "Director configured with stock ipvsadm:"
topo_exec dir ipvsadm -Ln | sed 's/^/  /'
show nc

# The same workload against the stock round-robin scheduler, on port 81
# so that its connection entries are told apart from the first round's.
run_round rr 81
show rr
echo
echo "With nc every user behind a firewall array stays on one server, and all"
echo "clients of one first octet (172.x, 100.x, 23.x) share it; with rr each"
echo "user's connections are spread over all servers."
