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

ncadm dir -a -t "$svc" -r "$(topo_rs_addr 4):80" -m
t0=$(date +%s%N)
on_rs4() { ncadm dir --nc-table "$svc" | awk -v s="$(topo_rs_addr 4):80" 'NR > 2 && $2 == s { print $1 }' | sort | paste -sd' '; }
want=$(for c in $idle_ones; do echo "${c%%.*}.0.0.0/8"; done | sort | paste -sd' ')
n=$(echo "$want" | wc -w)
# Until all have moved: never more than RATE a second since the join
# (the collector's first pass may come at once, then one a second).
deadline=$(( $(date +%s) + (idle + n / rate + 120) * NC_TIME_SCALE ))
while :; do
	got=$(on_rs4)
	t=$(date +%s%N)
	moved=$(echo "$got" | wc -w)
	allowed=$(( rate * ((t - t0) / 1000000000 + 2) ))
	[ "$moved" -le "$allowed" ] || nc_fail "$moved classes moved $(( (t - t0) / 1000000 )) ms after the join: more than $rate a second"
	[ "$got" = "$want" ] && break
	[ "$(date +%s)" -lt "$deadline" ] || nc_fail "classes on rs4: '$got', expected '$want'"
	sleep 0.3
done
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
rm "$TMPDIR/busy"
wait "$loop"
nc_log "$n idle classes moved to rs4 within $elapsed ms of its join (at most $rate a second)"

# The busy ones stayed, every other class too.
ncadm dir --nc-table "$svc" > "$TMPDIR/table"
for c in $clients; do
	cls="${c%%.*}.0.0.0/8"
	now=$(awk -v c="$cls" 'NR > 2 && $1 == c { print $2 }' "$TMPDIR/table")
	case " $idle_ones " in
	*" $c "*) expect_eq "class $cls (idle, hashes to rs4)" "$now" "$(topo_rs_addr 4):80" ;;
	*) expect_eq "class $cls" "$now" "$(topo_rs_addr "$(probe_server "$TMPDIR/before" "$c" | tr -d rs)"):80" ;;
	esac
done
expect_eq "handed_back counter" "$(ncadm_counter dir "$svc" handed_back)" "$n"
echo "PASS: nc_handback"
