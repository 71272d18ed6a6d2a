#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A module reload (a DKMS upgrade) keeps every class on its server: the
# rules and the sticky table saved (ncadm -S, ncadm --nc-save-table),
# every service cleared, ip_vs_nc unloaded and loaded again, both
# restored (ncadm -R), as ncadm.service does around stop and start. The
# classes are first moved off their hash owners (--nc-move), so that a
# table lost on the way would send them elsewhere; traffic runs through
# the reload, and afterwards every class is answered by its server. A
# class left idle keeps its time left, not a fresh sticky time.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
clients=""
for o in $(seq 61 84); do clients+=" $o.1.0.1"; done
topo_add_clients $clients 99.1.0.1
from=${clients// /,}
from=${from#,}
svc=$VIP:80
ncadm_service dir "$svc" 3 --sticky 10m
rs() { echo "$(topo_rs_addr "$1"):80"; }

# Every class one server past its hash owner.
probe cli --to "$svc" --from "$from,99.1.0.1" > "$TMPDIR/hash"
for c in $clients; do
	h=$(probe_server "$TMPDIR/hash" "$c")
	echo "$c rs$(( ${h#rs} % 3 + 1 ))"
done > "$TMPDIR/want"
while read -r c s; do ncadm dir --nc-move "$svc" --class "$c" -r "$(rs "${s#rs}")" > /dev/null; done < "$TMPDIR/want"
probe cli --to "$svc" --from "$from" > "$TMPDIR/moved"
while read -r c s; do expect_eq "class of $c after the move" "$(probe_server "$TMPDIR/moved" "$c")" "$s"; done < "$TMPDIR/want"
# left_ms: the idle class's time left (nothing if it has no entry).
left_ms() {
	ncadm dir --nc-table "$svc" -o json | { grep -o '"class":"99.0.0.0/8"[^}]*"left_ms":[0-9]*' || true; } |
		grep -o '[0-9]*$' || true
}

# Traffic through the reload: every class, again and again.
touch "$TMPDIR/sending"
(
	while [ -e "$TMPDIR/sending" ]; do
		probe cli --to "$svc" --from "$from" --timeout-ms 5000 >> "$TMPDIR/during" || true
	done
) &
sender=$!
nc_wait 120 "no traffic before the reload" test -s "$TMPDIR/during"

left_before=$(left_ms)
t0=$(date +%s)
ncadm dir -S -n > "$TMPDIR/rules"
ncadm dir --nc-save-table > "$TMPDIR/tables"
expect_eq "saved entries" "$(grep -c -- '^--nc-entry ' "$TMPDIR/tables")" 25
ncadm dir -C
topo_unload_nc "for the reload"
topo_load_modules
ncadm dir -R < "$TMPDIR/rules"
ncadm dir -R < "$TMPDIR/tables"
left_after=$(left_ms)
elapsed=$(( $(date +%s) - t0 + 1 )) # whole seconds: up to one more
during=$(wc -l < "$TMPDIR/during")
probe cli --to "$svc" --from "$from" --count 2 > "$TMPDIR/after1"
rm "$TMPDIR/sending"
wait "$sender"

# After the reload, every class on its server.
probe cli --to "$svc" --from "$from" --count 2 > "$TMPDIR/after"
while read -r c s; do
	expect_eq "class of $c after the reload" "$(probe_server "$TMPDIR/after1" "$c")" "$s"
	expect_eq "class of $c after the reload and the traffic" "$(probe_server "$TMPDIR/after" "$c")" "$s"
done < "$TMPDIR/want"
# The idle class kept its time left: saved and restored in whole seconds
# of the wall clock (2 s of rounding), less the reload's time; not the
# fresh 600 s a new entry gets.
[ -n "$left_after" ] || nc_fail "the idle class has no entry after the reload"
[ $((left_before + 2000)) -lt 600000 ] || nc_fail "the idle class was used too recently to tell (${left_before} ms left)"
[ "$left_after" -le $((left_before + 2000)) ] && [ "$left_after" -ge $((left_before - elapsed * 1000 - 2000)) ] ||
	nc_fail "the idle class had ${left_before} ms left before a ${elapsed} s reload and ${left_after} ms after"
# What the traffic saw while the module was away: refused, or (between
# the service's return and its table's) answered by a fresh pick.
total=$(wc -l < "$TMPDIR/during")
refused=$(awk '$2 == "-"' "$TMPDIR/during" | wc -l)
elsewhere=$(awk 'NR == FNR { want[$1] = $2; next } $2 != "-" && $2 != want[$1]' "$TMPDIR/want" "$TMPDIR/during" | wc -l)
nc_log "reload in ${elapsed} s under traffic: $total connections ($during before the restore ended), $refused refused, $elsewhere answered by another server before the table was back; the idle class had ${left_before} ms left, then ${left_after} ms"
echo "PASS: ops_reload"
