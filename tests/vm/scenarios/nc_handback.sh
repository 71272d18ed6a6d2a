#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --nc-handback IDLE,RATE: when a fourth server joins, the classes whose
# hash owner it now is move to it once they have been idle IDLE, at most
# RATE a second; classes that keep connecting stay where they are, and no
# other class moves. The owners come from a second service with the four
# servers from the start (the hash pick depends on the servers, not the
# service).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

idle=$((10 * NC_TIME_SCALE)) rate=2
topo_setup_director
topo_add_servers 4
clients=""
for o in $(seq 11 50); do clients+=" $o.1.0.1"; done
topo_add_clients $clients
from=${clients// /,}
svc=$VIP:80
ncadm_service dir "$svc" 3 --sticky 10m --nc-handback "${idle}s,$rate"
ncadm_service dir "$VIP:81" 4
ncadm dir -L --nc "$svc" | grep -q "handback ${idle}s,$rate" || nc_fail "no hand-back in the policy: $(ncadm dir -L --nc "$svc")"

probe cli --to "$svc" --from "$from" > "$TMPDIR/before"
probe cli --to "$VIP:81" --from "$from" > "$TMPDIR/owners"
for c in $clients; do probe_server "$TMPDIR/before" "$c" > /dev/null; done
to_rs4=$(awk '$2 == "rs4" { print $1 }' "$TMPDIR/owners" | paste -sd' ')
set -- $to_rs4
[ $# -ge 4 ] || nc_fail "only $# of 40 classes hash to rs4: $to_rs4"
busy="$1 $2"
shift 2
idle_ones="$*"
nc_log "hash to rs4 with four servers: $to_rs4; kept busy: $busy"

# The busy classes connect in a loop, well within the idle time.
touch "$TMPDIR/busy"
(
	while [ -e "$TMPDIR/busy" ]; do
		probe cli --to "$svc" --from "${busy// /,}" > /dev/null || nc_fail "a busy class's connection"
		sleep 0.5
	done
) &
loop=$!

# Every other class idle long enough before rs4 joins: they could all
# move at the first pass, and only the rate holds them back. The moves
# are timed by the kernel's own clock (nc_repick reason handback).
sleep $((idle + 1))
tr=/sys/kernel/tracing
echo > $tr/trace
echo 1 > $tr/events/ip_vs_nc/nc_repick/enable
ncadm dir -a -t "$svc" -r "$(topo_rs_addr 4):80" -m
t0=$(date +%s%N)
on_rs4() { ncadm dir --nc-table "$svc" | awk -v s="$(topo_rs_addr 4):80" 'NR > 2 && $2 == s { print $1 }' | sort | paste -sd' '; }
want=$(for c in $idle_ones; do echo "${c%%.*}.0.0.0/8"; done | sort | paste -sd' ')
n=$(echo "$want" | wc -w)
nc_wait_eq $(( idle + n / rate + 120 )) "classes on rs4" "$want" on_rs4
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
grep 'reason handback' $tr/trace | awk '{ sub(":", "", $4); print $4 }' > "$TMPDIR/moves"
expect_eq "hand-back events" "$(wc -l < "$TMPDIR/moves")" "$n"
# Never more than RATE within a second: move i and move i + RATE are a
# pass apart (the collector waits a second between passes).
awk -v r=$rate '{ t[NR] = $1 } END { for (i = 1; i + r <= NR; i++) if (t[i + r] - t[i] < 0.9)
	{ printf "moves %d and %d %.3f s apart\n", i, i + r, t[i + r] - t[i]; exit 1 } }' "$TMPDIR/moves" > "$TMPDIR/fast" ||
	nc_fail "more than $rate hand-backs a second: $(cat "$TMPDIR/fast")"
nc_log "$n idle classes moved to rs4 within $elapsed ms of its join, at $(awk 'NR == 1 { a = $1 } END { printf "%.1f", $1 - a }' "$TMPDIR/moves") s from the first move to the last ($rate a second)"

# The busy ones stayed, every other class too (read while they are still
# busy: once the loop stops they go idle and move as well).
ncadm dir --nc-table "$svc" > "$TMPDIR/table"
handed_back=$(ncadm_counter dir "$svc" handed_back)
rm "$TMPDIR/busy"
wait "$loop"
for c in $clients; do
	cls="${c%%.*}.0.0.0/8"
	now=$(awk -v c="$cls" 'NR > 2 && $1 == c { print $2 }' "$TMPDIR/table")
	case " $idle_ones " in
	*" $c "*) expect_eq "class $cls (idle, hashes to rs4)" "$now" "$(topo_rs_addr 4):80" ;;
	*) expect_eq "class $cls" "$now" "$(topo_rs_addr "$(probe_server "$TMPDIR/before" "$c" | tr -d rs)"):80" ;;
	esac
done
expect_eq "handed_back counter" "$handed_back" "$n"
echo "PASS: nc_handback"
