#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A director with -s nc (created with stock ipvsadm) and three real servers:
# clients of one first octet all reach one and the same real server on
# every request; clients of 30 other first octets reach all three servers.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
ipvsadm_service dir "$VIP:80" 3

topo_exec dir ipvsadm -Ln > "$TMPDIR/list"
cat "$TMPDIR/list"
grep -Eq "^TCP  $VIP:80 nc *\$" "$TMPDIR/list" || nc_fail "ipvsadm -Ln does not list the service with scheduler nc"
[ "$(grep -c -- '-> 10.255.0.1[123]:80 *Masq' "$TMPDIR/list")" = 3 ] || nc_fail "ipvsadm -Ln does not list the three real servers"

same="172.16.1.2 172.16.2.2 172.16.3.2 172.16.4.2"
others=""
for o in 11 23 31 37 41 45 53 61 67 71 79 83 89 97 101 103 107 109 113 191 131 137 139 149 151 157 163 167 173 179; do
	others+=" $o.$((o % 7)).$((o % 13)).$((o % 29 + 1))"
done
topo_add_clients $same $others

probe cli --to "$VIP:80" --from "${same// /,}" --count 5 > "$TMPDIR/same"
nc_log "class 172: $(sort "$TMPDIR/same" | uniq -c | tr -s ' ' | paste -sd,)"
[ "$(wc -l < "$TMPDIR/same")" = 20 ] || nc_fail "expected 20 answers from class 172"
[ "$(probe_servers "$TMPDIR/same" | wc -l)" = 1 ] || nc_fail "class 172 was split over servers: $(probe_servers "$TMPDIR/same" | paste -sd' ')"

probe cli --to "$VIP:80" --from "$(echo $others | tr ' ' ,)" --count 3 > "$TMPDIR/others"
for a in $others; do
	[ "$(probe_servers "$TMPDIR/others" "$a" | wc -l)" = 1 ] || nc_fail "client $a was split over servers"
done
spread=$(probe_servers "$TMPDIR/others" | wc -l)
nc_log "30 other classes spread over $spread servers: $(awk '{print $2}' "$TMPDIR/others" | sort | uniq -c | tr -s ' ' | paste -sd,)"
# The hash pick has no random seed: the same 30 classes always spread the
# same way, and three servers each get some (a server without any would
# be a broken pick; by chance it would happen in 3 x (2/3)^30 = 2e-5).
expect_eq "servers that 30 classes reached" "$spread" 3
echo "PASS: nc_basic"
