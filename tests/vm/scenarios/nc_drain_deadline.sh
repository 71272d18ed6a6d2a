#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --nc-drain deadline=TIME: after a real server's weight goes to 0, its
# classes keep it until TIME has passed, then all of them move to other
# servers, with no connection refused on the way (a loop of connections
# from those classes runs across the deadline). --nc-summary and
# --nc-metrics show the classes left and the time to the deadline; the
# collector empties the drained server at the deadline without traffic.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
clients=""
for o in $(seq 61 72); do clients+=" $o.1.0.1"; done
topo_add_clients $clients
from=${clients// /,}
svc=$VIP:80
ncadm_service dir "$svc" 3 --sticky 10m --nc-drain keep

probe cli --to "$svc" --from "$from" > "$TMPDIR/before"
victim=$(probe_server "$TMPDIR/before" 61.1.0.1)
v=${victim#rs}
on_victim=$(awk -v s="$victim" '$2 == s { print $1 }' "$TMPDIR/before" | paste -sd' ')
n=$(echo "$on_victim" | wc -w)
nc_log "$n classes on $victim: $on_victim"

weight() { ncadm dir -e -t "$svc" -r "$(topo_rs_addr "$v"):80" -m -w "$1"; }
summary() { ncadm dir --nc-summary "$svc" --interval 0 -o json; }
# server_field NAME: a field of the drained server in the summary.
server_field() {
	summary | grep -o "\"address\":\"$(topo_rs_addr "$v")\"[^}]*" | grep -o "\"$1\":[0-9a-z]*" | cut -d: -f2
}

# Before the deadline: every class of the drained server still reaches it.
# The check counts only if the kernel says the deadline was still ahead
# once the connections were answered; a host too slow for that gets a
# longer deadline, never a verdict on its speed.
for d in 30 120 480; do
	ncadm dir -E -t "$svc" --nc-drain "deadline=$((d * NC_TIME_SCALE))s"
	# a try that ran past its deadline moved the classes: place them
	# again (the hash pick puts each on the same server as before)
	weight 1
	ncadm dir --nc-flush "$svc" > /dev/null
	probe cli --to "$svc" --from "$from" > /dev/null
	weight 0
	probe cli --to "$svc" --from "${on_victim// /,}" --count 2 > "$TMPDIR/during"
	left=$(server_field deadline_left_ms)
	[ "${left:-0}" -gt 0 ] && break
	nc_log "the connections ran past the ${d} s deadline; again with a longer one"
done
[ "${left:-0}" -gt 0 ] || nc_fail "no drain deadline ahead after three tries"
for c in $on_victim; do
	expect_eq "class of $c before the deadline (${left} ms left)" "$(probe_server "$TMPDIR/during" "$c")" "$victim"
done
expect_eq "classes left on $victim before the deadline" "$(server_field classes)" "$n"
expect_eq "$victim is draining" "$(server_field draining)" true
ncadm dir --nc-summary "$svc" --interval 0
ncadm dir --nc-metrics > "$TMPDIR/metrics"
grep -q "^ipvs_nc_server_drain_deadline_seconds{.*remote_address=\"$(topo_rs_addr "$v")\".*} [1-9]" "$TMPDIR/metrics" ||
	nc_fail "no time to the deadline in the metrics: $(grep drain "$TMPDIR/metrics")"
repicked_before=$(ncadm_counter dir "$svc" repicked)

# Across the deadline: the victim's classes keep connecting; none refused.
touch "$TMPDIR/sending"
(
	while [ -e "$TMPDIR/sending" ]; do
		probe cli --to "$svc" --from "${on_victim// /,}" --timeout-ms 10000 >> "$TMPDIR/across" || true
	done
) &
sender=$!
# The collector moves what is left at the deadline (traffic or not).
nc_wait_eq $((left / 1000 + 90)) "classes left on $victim after the deadline" 0 server_field classes
rm "$TMPDIR/sending"
wait "$sender"
refused=$(grep -c ' -$' "$TMPDIR/across" || true)
expect_eq "connections refused across the deadline (of $(wc -l < "$TMPDIR/across"))" "$refused" 0
expect_eq "time to the deadline after it" "$(server_field deadline_left_ms)" 0

# After: every class has moved, each to one other server.
probe cli --to "$svc" --from "${on_victim// /,}" --count 2 > "$TMPDIR/after"
for c in $on_victim; do
	s=$(probe_server "$TMPDIR/after" "$c")
	[ "$s" != "$victim" ] || nc_fail "class of $c still on drained $victim after the deadline"
done
expect_eq "classes moved by the deadline (repicked)" \
	"$(( $(ncadm_counter dir "$svc" repicked) - repicked_before ))" "$n"
nc_log "$n classes stayed on $victim until the deadline, then moved; $(wc -l < "$TMPDIR/across") connections across it, none refused"
echo "PASS: nc_drain_deadline"
