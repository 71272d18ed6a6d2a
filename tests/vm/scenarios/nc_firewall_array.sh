#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The patent's case: a user behind a firewall array whose every new
# connection leaves from another pool address. Under -s nc all of the
# user's connections reach one real server; under -s rr, on the same
# topology, they are split (so the scenario really exercises the problem).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
topo_add_firewall 100.64.1.1 100.71.2.1 100.96.3.1 100.127.4.1
port=80
for sched in nc rr; do
	in_ns dir ipvsadm -A -t "$VIP:$port" -s "$sched"
	for i in 1 2 3; do
		in_ns dir ipvsadm -a -t "$VIP:$port" -r "$(rs_addr "$i"):80" -m
	done
	probe lan0 --to "$VIP:$port" --from 10.200.0.2 --count 12 > "$TMPDIR/$sched"
	seen=$(in_ns dir ipvsadm -Lnc | awk -v vs="$VIP:$port" '$5 == vs { split($4, a, ":"); print a[1] }' | sort -u | wc -l)
	servers=$(servers_of "$TMPDIR/$sched" | paste -sd' ')
	nc_log "-s $sched: 12 connections from $seen pool addresses reached: $servers"
	[ "$(wc -l < "$TMPDIR/$sched")" = 12 ] || nc_fail "$sched: expected 12 answers"
	[ "$seen" = 4 ] || nc_fail "$sched: the firewall used $seen pool addresses, expected all 4"
	case $sched in
	nc) [ "$(servers_of "$TMPDIR/$sched" | wc -l)" = 1 ] || nc_fail "nc split the user over: $servers" ;;
	rr) [ "$(servers_of "$TMPDIR/$sched" | wc -l)" -gt 1 ] || nc_fail "rr kept the user on one server: the scenario does not exercise the problem" ;;
	esac
	port=$((port + 1))
done
echo "PASS: nc_firewall_array"
