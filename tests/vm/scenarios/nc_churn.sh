#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Concurrency: two client processes (both vCPUs) keep opening connections
# from 2000 source addresses (1000 /16 classes, more than the table's cap
# of 600) while another process removes, re-adds, drains and re-weights
# real servers, changes the policy and flushes the table. Every connection
# must be answered by a server that was in the service, the counters must
# add up, the table must stay within its cap, and the kernel log must stay
# clean (the harness checks it).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 4
svc=$VIP:81
nc_service dir "$svc" 3 --nc-key /16 --sticky 2s --nc-max-entries 600
ncadm dir -a -t "$svc" -r "$(rs_addr 4):80" -m -w 0   # rs4 is drained from the start
a="" b=""
for i in $(seq 1 1000); do a+=" $((i % 50 + 11)).$((i / 50)).0.1"; b+=" $((i % 50 + 11)).$((i / 50)).1.$((i % 200 + 1))"; done
topo_add_clients $a $b
echo $a | tr ' ' '\n' > "$TMPDIR/a"
echo $b | tr ' ' '\n' > "$TMPDIR/b"

probe cli --to "$svc" --from-file "$TMPDIR/a" --count 10 --interval-ms 1000 --timeout-ms 2000 > "$TMPDIR/out.a" 2>/dev/null &
pa=$!
probe cli --to "$svc" --from-file "$TMPDIR/b" --count 10 --interval-ms 1000 --timeout-ms 2000 > "$TMPDIR/out.b" 2>/dev/null &
pb=$!

changes=0 max_entries=0
while kill -0 $pa 2>/dev/null || kill -0 $pb 2>/dev/null; do
	entries=$(nc_counter dir "$svc" entries)
	[ "$entries" -le "$max_entries" ] || max_entries=$entries
	case $((changes % 8)) in
	0) ncadm dir -d -t "$svc" -r "$(rs_addr 2):80" ;;
	1) ncadm dir -E -t "$svc" --nc-pick wlc --sticky 1s ;;
	2) ncadm dir -a -t "$svc" -r "$(rs_addr 2):80" -m -w 2 ;;
	3) ncadm dir --nc-flush "$svc" --server "$(rs_addr 3)" >/dev/null ;;
	4) ncadm dir -e -t "$svc" -r "$(rs_addr 1):80" -m -w 0 ;;
	5) ncadm dir -E -t "$svc" --nc-key classful --nc-pick hash ;;
	6) ncadm dir -e -t "$svc" -r "$(rs_addr 1):80" -m -w 1 ;;
	7) ncadm dir --nc-flush "$svc" >/dev/null; ncadm dir -E -t "$svc" --nc-key /16 --sticky 2s ;;
	esac
	changes=$((changes + 1))
	sleep 0.1
done
wait $pa || true
wait $pb || true

total=$(cat "$TMPDIR/out.a" "$TMPDIR/out.b" | wc -l)
answered=$(cat "$TMPDIR/out.a" "$TMPDIR/out.b" | grep -vc ' -$' || true)
nc_log "$changes configuration changes during $total connections, $answered answered; table at most $max_entries entries, $(nc_counter dir "$svc" overflow) overflows"
expect_eq "connections made" "$total" 20000
# rs4 (weight 0 all along) never gets a new class.
! grep -q ' rs4$' "$TMPDIR/out.a" "$TMPDIR/out.b" || nc_fail "a connection reached rs4, drained from the start"
[ "$changes" -ge 8 ] || nc_fail "only $changes changes happened during the traffic"
# Connections may be refused only while rs2 is out; most must be answered.
[ "$answered" -ge $((total * 9 / 10)) ] || nc_fail "only $answered of $total connections answered"
lookups=$(nc_counter dir "$svc" lookups)
sum=$(( $(nc_counter dir "$svc" hits) + $(nc_counter dir "$svc" new) + $(nc_counter dir "$svc" noserver) ))
expect_eq "lookups = hits + new + noserver" "$lookups" "$sum"
[ "$lookups" -ge "$answered" ] || nc_fail "fewer lookups ($lookups) than answered connections"
[ "$max_entries" -le 600 ] || nc_fail "the table held $max_entries entries, above its cap of 600"
in_ns dir ipvsadm -D -t "$svc"
echo "PASS: nc_churn"
