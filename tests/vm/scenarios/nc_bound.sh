#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bounded load (--nc-bound) on the hash first pick. rs1 carries four open
# connections (from four classes the hash sends there) while rs2-rs4 are
# idle. With --nc-bound 1.25 a new class whose hash server is rs1 goes to
# another server (rs1 is above 1.25 times its share of the connections,
# counted as wlc counts them), a class whose hash server is idle still
# goes there, and the four classes on rs1 stay on it (their entries
# stick); with the bound off, the same new classes go to rs1 again.
# Also: the bound in the listing (text and JSON) and in -S.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 4
topo_add_holding_servers 4 8080
svc=$VIP:8080
ncadm dir -A -t "$svc" -s nc --nc-key /24
for i in 1 2 3 4; do ncadm dir -a -t "$svc" -r "$(topo_rs_addr "$i"):8080" -m; done
classes=""
for n in $(seq 0 47); do classes+=" 100.64.$n.1"; done
topo_add_clients $classes
f=$TMPDIR/probe
first_picks() {	# SOURCES...: "SOURCE SERVER" per line, each a new class
	ncadm dir --nc-flush "$svc" > /dev/null
	probe cli --to "$svc" --from "$(echo "$@" | tr ' ' ',')" > "$f"
	cat "$f"
}
active() {	# the active connections of rs1
	topo_exec dir ipvsadm -Ln -t "$svc" |
		awk -v rs="$(topo_rs_addr 1):8080" '$1 == "->" && $2 == rs { print $5 }'
}

first_picks $classes > "$TMPDIR/map0"	# no bound, nothing loaded
on_rs1=$(awk '$2 == "rs1" { print $1 }' "$TMPDIR/map0")
holders=$(echo "$on_rs1" | head -n 4 | paste -sd' ')
tested=$(echo "$on_rs1" | tail -n +5 | paste -sd' ')
others=$(awk '$2 != "rs1" { print $1 }' "$TMPDIR/map0" | head -n 8 | paste -sd' ')
nc_log "hash sends $(echo "$on_rs1" | wc -l) of 48 classes to rs1; 4 hold connections there, $(echo $tested | wc -w) are tested"
[ "$(echo $tested | wc -w)" -ge 3 ] || nc_fail "too few classes on rs1 to test: $on_rs1"
ncadm dir --nc-flush "$svc" > /dev/null
pids=""
for h in $holders; do
	probe cli --to "$svc" --from "$h" --hold-ms 600000 > "$TMPDIR/hold.$h" &
	pids+=" $!"
done
nc_wait_eq 60 "open connections on rs1" 4 active

ncadm dir -E -t "$svc" --nc-bound 1.25
ncadm dir -L --nc "$svc" | grep -q "pick hash  bound 1.25  drain" || nc_fail "no 'bound 1.25' in the listing: $(ncadm dir -L --nc "$svc")"
expect_eq "bound in JSON" "$(ncadm_counter dir "$svc" bound_percent)" 125
ncadm dir -S -n | grep -q -- "--nc-bound 1.25" || nc_fail "-S does not keep the bound"
# The classes already on rs1 stay: their entries stick.
probe cli --to "$svc" --from "$(echo $holders | tr ' ' ,)" > "$f"
expect_eq "classes placed before the bound" "$(awk '{ print $2 }' "$f" | sort -u)" rs1
probe cli --to "$svc" --from "$(echo $tested | tr ' ' ,)" > "$f"
nc_log "bound 1.25, rs1 busy, new classes of rs1: $(awk '{ print $2 }' "$f" | sort | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' ')"
expect_eq "new classes of rs1 sent to rs1 while it is above the bound" "$(awk '$2 == "rs1"' "$f" | wc -l)" 0
probe cli --to "$svc" --from "$(echo $others | tr ' ' ,)" > "$f"
expect_eq "new classes of idle servers, bound 1.25" "$(sort "$f" | paste -sd' ')" \
	"$(grep -wFf <(echo $others | tr ' ' '\n') "$TMPDIR/map0" | sort | paste -sd' ')"
# Each new class of rs1 went past its hash owner: one bound spill each.
expect_eq "bound spills counted" "$(ncadm_counter dir "$svc" spilled)" "$(echo $tested | wc -w)"

ncadm dir -E -t "$svc" --nc-bound off
ncadm dir --nc-flush "$svc" > /dev/null
probe cli --to "$svc" --from "$(echo $tested | tr ' ' ,)" > "$f"
expect_eq "the same classes without a bound" "$(awk '$2 != "rs1"' "$f" | wc -l)" 0
expect_eq "bound off in JSON" "$(ncadm_counter dir "$svc" bound_percent)" 0

pkill -f -- "--hold-ms" 2>/dev/null || true
wait $pids 2>/dev/null || true
echo "PASS: nc_bound"
