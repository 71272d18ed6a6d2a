#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Concurrency: two client processes (both vCPUs) keep opening connections
# from 2000 source addresses (1000 /16 classes, far more than the table's
# cap of 150) while another process removes, re-adds, drains and re-weights
# real servers, changes the policy and flushes the table every 100 ms
# (ncnl churn), a privileged fuzzer sends random and malformed requests
# mixed with valid policy changes to a second service that carries
# traffic too, and an unprivileged fuzzer targets both. Every connection
# must be answered by a server that was in the service, the counters must
# add up, the table must stay within its cap, no rejected request may
# change anything, and the kernel log must stay clean (the harness checks
# it).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 4
svc=$VIP:81
ncadm_service dir "$svc" 3 --nc-key /16 --sticky 2s --nc-max-entries 150
ncadm dir -a -t "$svc" -r "$(topo_rs_addr 4):80" -m -w 0   # rs4 is drained from the start
a="" b=""
for i in $(seq 1 1000); do a+=" $((i % 50 + 11)).$((i / 50)).0.1"; b+=" $((i % 50 + 11)).$((i / 50)).1.$((i % 200 + 1))"; done
topo_add_clients $a $b
echo $a | tr ' ' '\n' > "$TMPDIR/a"
echo $b | tr ' ' '\n' > "$TMPDIR/b"

svc2=$VIP:82
ncadm_service dir "$svc2" 3 --sticky 5m
seq 1 50 | sed 's/^/61.0.0./' > "$TMPDIR/c"
topo_add_clients $(cat "$TMPDIR/c")
saved2=$(ncadm dir -S -n | grep -F -- "-t $svc2 " | grep -v -- '-A ')

probe cli --to "$svc" --from-file "$TMPDIR/a" --count 10 --interval-ms 1000 --timeout-ms 2000 > "$TMPDIR/out.a" 2>/dev/null &
pa=$!
probe cli --to "$svc" --from-file "$TMPDIR/b" --count 10 --interval-ms 1000 --timeout-ms 2000 > "$TMPDIR/out.b" 2>/dev/null &
pb=$!
ip netns exec cli "$NC_BIN/ncprobe" connect --to "$svc2" --from-file "$TMPDIR/c" --count 40 --interval-ms 500 > "$TMPDIR/out.c" 2>/dev/null &
pc=$!
ip netns exec dir "$NC_BIN/ncnl" fuzz "$svc2" 3000 > "$TMPDIR/fuzz" 2>&1 &
pf=$!
ip netns exec dir setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	sh -c "'$NC_BIN/ncnl' fuzz-unprivileged $svc 1000 && '$NC_BIN/ncnl' fuzz-unprivileged $svc2 1000" > "$TMPDIR/fuzz-unpriv" 2>&1 &
pu=$!
topo_exec dir "$NC_BIN/ncnl" churn "$svc" "$(topo_rs_addr 1):80,$(topo_rs_addr 2):80,$(topo_rs_addr 3):80" 100 $pa $pb > "$TMPDIR/churn" ||
	nc_fail "the change driver failed: $(cat "$TMPDIR/churn")"
wait $pa || true
wait $pb || true
wait $pc || nc_fail "connections to $svc2 went unanswered during the fuzzing: $(grep -c ' -$' "$TMPDIR/out.c")"
wait $pf || nc_fail "privileged fuzzing: $(cat "$TMPDIR/fuzz")"
wait $pu || nc_fail "unprivileged fuzzing: $(cat "$TMPDIR/fuzz-unpriv")"
nc_log "$(grep -h '^ok: ' "$TMPDIR/fuzz" "$TMPDIR/fuzz-unpriv" | paste -sd';')"
expect_eq "$svc2's real servers after the fuzzing" "$(ncadm dir -S -n | grep -F -- "-t $svc2 " | grep -v -- '-A ')" "$saved2"
# (The fuzzer's accepted flushes and policy changes may move $svc2's classes.)
! awk '$2 !~ /^rs[123]$/' "$TMPDIR/out.c" | grep -q . || nc_fail "$svc2 answered from elsewhere: $(awk '$2 !~ /^rs[123]$/' "$TMPDIR/out.c" | head -1)"
changes=$(awk '/^churn:/ { print $2 }' "$TMPDIR/churn")
max_entries=$(awk '/^churn:/ { print $(NF - 1) }' "$TMPDIR/churn")
nc_log "$(grep '^churn:' "$TMPDIR/churn")"

total=$(cat "$TMPDIR/out.a" "$TMPDIR/out.b" | wc -l)
answered=$(cat "$TMPDIR/out.a" "$TMPDIR/out.b" | grep -vc ' -$' || true)
nc_log "$changes configuration changes during $total connections, $answered answered; table at most $max_entries entries, $(ncadm_counter dir "$svc" overflow) overflows"
expect_eq "connections made" "$total" 20000
# rs4 (weight 0 all along) never gets a new class.
! grep -q ' rs4$' "$TMPDIR/out.a" "$TMPDIR/out.b" || nc_fail "a connection reached rs4, drained from the start"
[ "$changes" -ge 80 ] || nc_fail "only $changes changes happened during the traffic"
# Connections may be refused only while rs2 is out; most must be answered.
[ "$answered" -ge $((total * 9 / 10)) ] || nc_fail "only $answered of $total connections answered"
lookups=$(ncadm_counter dir "$svc" lookups)
sum=$(( $(ncadm_counter dir "$svc" hits) + $(ncadm_counter dir "$svc" new) + $(ncadm_counter dir "$svc" noserver) ))
expect_eq "lookups = hits + new + noserver" "$lookups" "$sum"
[ "$lookups" -ge "$answered" ] || nc_fail "fewer lookups ($lookups) than answered connections"
[ "$max_entries" -le 150 ] || nc_fail "the table held $max_entries entries, above its cap of 150"
# How full the table got under churn depends on the machine's speed (the
# debug kernel's traffic filled 33 entries, Debian's 150): fill it for
# sure, with 1000 classes and a long sticky time.
ncadm dir --nc-flush "$svc" > /dev/null
ncadm dir -E -t "$svc" --nc-key /16 --sticky 10m
overflow=$(ncadm_counter dir "$svc" overflow)
probe cli --to "$svc" --from-file "$TMPDIR/a" > "$TMPDIR/out.fill" || nc_fail "connections went unanswered with a full table"
expect_eq "entries with 1000 classes and a cap of 150" "$(ncadm_counter dir "$svc" entries)" 150
expect_eq "overflows while filling" "$(( $(ncadm_counter dir "$svc" overflow) - overflow ))" 850
topo_exec dir ipvsadm -D -t "$svc"
echo "PASS: nc_churn"
