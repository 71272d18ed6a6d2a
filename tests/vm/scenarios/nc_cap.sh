#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Entry cap: with per-address keys (/32, /128) and a small cap, the table
# stops at the cap, the overflow is counted, every connection is still
# served, and with the hash pick an unremembered client still returns to
# the same server.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
clients=""
for i in $(seq 1 20); do clients+=" 61.0.0.$i"; done
topo_add_clients $clients
f=$TMPDIR/probe
svc=$VIP:81
nc_service dir "$svc" 3 --nc-key /32 --nc-max-entries 8
probe cli --to "$svc" --from "$(echo $clients | tr ' ' ,)" --count 2 > "$f"
expect_eq "answers" "$(grep -vc ' -$' "$f")" 40
expect_eq "entries at the cap" "$(nc_counter dir "$svc" entries)" 8
expect_eq "overflow" "$(nc_counter dir "$svc" overflow)" 24
for a in $clients; do server_of "$f" "$a" >/dev/null; done

clients6=""
for i in $(seq 1 10); do clients6+=" 2001:db8:5::$i"; done
topo_add_clients $clients6
ncadm dir -A -t "[$VIP6]:81" -s nc --nc-key octet,/128 --nc-max-entries 4
for i in 1 2 3; do ncadm dir -a -t "[$VIP6]:81" -r "[$(rs6_addr "$i")]:80" -m; done
probe cli --to "[$VIP6]:81" --from "$(echo $clients6 | tr ' ' ,)" > "$f"
expect_eq "IPv6 answers" "$(grep -vc ' -$' "$f")" 10
expect_eq "IPv6 entries at the cap" "$(nc_counter dir "[$VIP6]:81" entries)" 4
echo "PASS: nc_cap"
