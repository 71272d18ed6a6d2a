#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# UDP and fwmark services group clients like TCP ones.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
same="172.16.1.2 172.16.2.2 172.16.3.2 172.16.4.2"
topo_add_clients $same 61.1.0.1 62.1.0.1 63.1.0.1
f=$TMPDIR/probe

ncadm dir -A -u "$VIP:80" -s nc
for i in 1 2 3; do ncadm dir -a -u "$VIP:80" -r "$(topo_rs_addr "$i"):80" -m; done
probe cli --udp --to "$VIP:80" --from "${same// /,}" --count 3 > "$f"
[ "$(probe_servers "$f" | wc -l)" = 1 ] || nc_fail "UDP class 172 split: $(probe_servers "$f" | paste -sd' ')"
expect_eq "UDP answers" "$(grep -vc ' -$' "$f")" 12
expect_eq "UDP table" "$(ncadm_table_classes dir -u "$VIP:80")" "172.0.0.0/8"

topo_fwmark dir 8080 7
ncadm dir -A -f 7 -s nc --sticky 10m
for i in 1 2 3; do ncadm dir -a -f 7 -r "$(topo_rs_addr "$i"):80" -m; done
probe cli --to "$VIP:8080" --from "${same// /,},61.1.0.1,62.1.0.1,63.1.0.1" --count 2 > "$f"
[ "$(probe_servers "$f" $same | wc -l)" = 1 ] || nc_fail "fwmark class 172 split"
expect_eq "fwmark table" "$(ncadm_table_classes dir -f 7)" "172.0.0.0/8 61.0.0.0/8 62.0.0.0/8 63.0.0.0/8"
ncadm dir -L --nc -f 7 | grep -q '^FWM 7 nc' || nc_fail "fwmark service not listed"
echo "PASS: nc_udp_fwmark"
