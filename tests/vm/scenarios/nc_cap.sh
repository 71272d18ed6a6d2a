#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Entry cap: with per-address keys (/32, /128) and a small cap, the table
# stops at the cap, the overflow is counted, every connection is still
# served, and with the hash pick an unremembered client still returns to
# the same server. Then a flood of 4000 distinct /32 and /128 sources:
# memory stays bounded by the caps and the service keeps answering.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
clients=""
for i in $(seq 1 20); do clients+=" 61.0.0.$i"; done
topo_add_clients $clients
f=$TMPDIR/probe
svc=$VIP:81
ncadm_service dir "$svc" 3 --nc-key /32 --nc-max-entries 8
probe cli --to "$svc" --from "$(echo $clients | tr ' ' ,)" --count 2 > "$f"
expect_eq "answers" "$(grep -vc ' -$' "$f")" 40
expect_eq "entries at the cap" "$(ncadm_counter dir "$svc" entries)" 8
expect_eq "overflow" "$(ncadm_counter dir "$svc" overflow)" 24
for a in $clients; do probe_server "$f" "$a" >/dev/null; done

clients6=""
for i in $(seq 1 10); do clients6+=" 2001:db8:5::$i"; done
topo_add_clients $clients6
ncadm dir -A -t "[$VIP6]:81" -s nc --nc-key octet,/128 --nc-max-entries 4
for i in 1 2 3; do ncadm dir -a -t "[$VIP6]:81" -r "[$(rs6_addr "$i")]:80" -m; done
probe cli --to "[$VIP6]:81" --from "$(echo $clients6 | tr ' ' ,)" > "$f"
expect_eq "IPv6 answers" "$(grep -vc ' -$' "$f")" 10
expect_eq "IPv6 entries at the cap" "$(ncadm_counter dir "[$VIP6]:81" entries)" 4

# A flood of 2000 distinct /32 and 2000 distinct /128 sources (bound
# anywhere in routes to lo): the tables stay at their caps, every
# connection is answered, and the entry cache (its own slab cache, the VM
# boots with slab_nomerge) stays small; uncapped it would need 4000+ entries.
ip -n cli route add local 100.64.0.0/16 dev lo
ip -n cli -6 route add local 2001:db8:6::/64 dev lo
topo_exec cli sysctl -qw net.ipv4.ip_nonlocal_bind=1 net.ipv6.ip_nonlocal_bind=1
for i in $(seq 0 1999); do echo "100.64.$((i / 250)).$((i % 250 + 1))"; done > "$TMPDIR/flood4"
for i in $(seq 1 2000); do printf '2001:db8:6::%x\n' "$i"; done > "$TMPDIR/flood6"
objs_before=$(nc_entry_cache_objects)
probe cli --to "$svc" --from-file "$TMPDIR/flood4" > "$f"
expect_eq "answers to the IPv4 flood" "$(grep -vc ' -$' "$f")" 2000
probe cli --to "[$VIP6]:81" --from-file "$TMPDIR/flood6" > "$f"
expect_eq "answers to the IPv6 flood" "$(grep -vc ' -$' "$f")" 2000
expect_eq "entries after the IPv4 flood" "$(ncadm_counter dir "$svc" entries)" 8
expect_eq "entries after the IPv6 flood" "$(ncadm_counter dir "[$VIP6]:81" entries)" 4
expect_eq "IPv6 overflow" "$(ncadm_counter dir "[$VIP6]:81" overflow)" $((6 + 2000))
objs_after=$(nc_entry_cache_objects)
nc_log "ip_vs_nc_entry objects (allocated slab slots): $objs_before before, $objs_after after 4000 new classes"
[ "$objs_after" -le $((objs_before + 256)) ] || nc_fail "the entry cache grew from $objs_before to $objs_after objects under a capped flood"
echo "PASS: nc_cap"
