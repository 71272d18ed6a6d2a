#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sticky time: an entry lives while the time since its class's last new
# connection is shorter than the sticky time, is reclaimed without any
# traffic once it has run out, and its class is then picked anew. The
# counters add up to what the test did.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
topo_add_clients 61.1.0.1 61.2.0.1 62.1.0.1
svc=$VIP:81
# Times in seconds, stretched on slow kernels (NC_TIME_SCALE). The paced
# connections come 2 s apart against a 6 s sticky time: a connection may
# be 4 s late (a guest 3x slower than usual on a busy host) before the
# class would lapse between two of them. What must happen *after* a time
# (reclaim) is polled for, with a bound far above the usual time.
sticky=$((6 * NC_TIME_SCALE)) pace=$((2 * NC_TIME_SCALE))
ncadm_service dir "$svc" 3 --sticky "${sticky}s" --nc-pick rr
answer() { probe cli --to "$svc" --from "$1" | awk '{ print $2 }'; }

first=$(answer 61.1.0.1)
other=$(answer 62.1.0.1)
# Four connections "pace" apart keep the class for 3 x pace, well past
# the sticky time, because each one renews it.
probe cli --to "$svc" --from 61.2.0.1 --count 4 --interval-ms $((pace * 1000)) > "$TMPDIR/paced"
# Read the table first: the entries live only one sticky time from here.
table=$(ncadm dir --nc-table "$svc" -o json)
left=$(grep -o '"left_ms":[0-9]*' <<<"$table" | cut -d: -f2 | sort -n | tail -n 1) || true
[ -n "$left" ] && [ "$left" -gt 0 ] && [ "$left" -le $((sticky * 1000)) ] ||
	nc_fail "time left '$left' ms not within the ${sticky} s sticky time: $table"
expect_eq "class 61 within its sticky time" "$(probe_servers "$TMPDIR/paced")" "$first"
expect_eq "hits" "$(ncadm_counter dir "$svc" hits)" 4
expect_eq "new classes" "$(ncadm_counter dir "$svc" new)" 2

# No traffic: both entries expire and are reclaimed by the timer (it runs
# every sticky/2, so within 1.5 x sticky).
nc_wait_eq $((4 * sticky / NC_TIME_SCALE)) "entries after the sticky time, without traffic" 0 ncadm_counter dir "$svc" entries
expect_eq "expired" "$(ncadm_counter dir "$svc" expired)" 2

# The class is picked anew: rr continues with the server after $other.
again=$(answer 61.1.0.1)
nc_log "class 61: $first, then $again after expiry (62 was on $other)"
[ "$again" != "$first" ] && [ "$again" != "$other" ] || nc_fail "class 61 was not picked anew after expiry"
expect_eq "lookups = hits + new + noserver" "$(ncadm_counter dir "$svc" lookups)" \
	$(( $(ncadm_counter dir "$svc" hits) + $(ncadm_counter dir "$svc" new) + $(ncadm_counter dir "$svc" noserver) ))
expect_eq "lookups" "$(ncadm_counter dir "$svc" lookups)" 7

# A shorter sticky time set at run time applies to existing entries.
ncadm dir -E -t "$svc" --sticky 30m
answer 62.1.0.1 >/dev/null
ncadm dir -E -t "$svc" --sticky "${NC_TIME_SCALE}s"
nc_wait_eq 30 "entries after shortening the sticky time" 0 ncadm_counter dir "$svc" entries
echo "PASS: nc_expiry"
