#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The IPVS_NC family: table dump and the three flushes; clearing the
# nc-subnet list; malformed requests
# refused with the right errno and message and nothing changed; random
# requests all answered; unprivileged callers refused; and ncadm's
# one-line errors for the same situations.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
svc=$VIP:81
ncadm_service dir "$svc" 3 --sticky 20m --nc-subnet 172,61.0.0.0/8
clients="172.16.1.2 172.17.1.2 61.1.0.1 62.1.0.1 62.1.0.2 63.1.0.1"
topo_add_clients $clients
probe cli --to "$svc" --from "${clients// /,}" --count 2 > "$TMPDIR/probe"

# Dump: the classes, their servers and connection counts.
expect_eq "table" "$(ncadm_table_classes dir "$svc")" "172.0.0.0/8 61.0.0.0/8 62.1.0.1/32 62.1.0.2/32 63.1.0.1/32"
conns=$(ncadm dir --nc-table "$svc" -o json | grep -o '"class":"172.0.0.0/8"[^}]*"conns":[0-9]*' | grep -o '[0-9]*$')
expect_eq "connections of class 172" "$conns" 4
s172=$(probe_server "$TMPDIR/probe" 172.16.1.2)
expect_eq "table server of class 172" "$(ncadm_table_server dir "$svc" 172.0.0.0/8)" "$(topo_rs_addr "${s172#rs}"):80"
filtered=$(ncadm dir --nc-table "$svc" --server "$(topo_rs_addr "${s172#rs}")" | awk 'NR > 2 { print $2 }' | sort -u)
expect_eq "table filtered by server" "$filtered" "$(topo_rs_addr "${s172#rs}"):80"

# Flushes: one class (given by any address in it), one server, everything.
expect_eq "flush class" "$(ncadm dir --nc-flush "$svc" --class 172.31.9.9)" "TCP $svc: 1 entry flushed"
on_rs2=$(ncadm dir --nc-table "$svc" | awk -v s="$(topo_rs_addr 2):80" 'NR > 2 && $2 == s' | wc -l)
expect_eq "flush server" "$(ncadm dir --nc-flush "$svc" --server "$(topo_rs_addr 2)" -o json | grep -o '"flushed":[0-9]*')" "\"flushed\":$on_rs2"
left=$(ncadm_counter dir "$svc" entries)
expect_eq "flush all" "$(ncadm dir --nc-flush "$svc" -o json | grep -o '"flushed":[0-9]*')" "\"flushed\":$left"
expect_eq "entries after flush" "$(ncadm_counter dir "$svc" entries)" 0
# --nc-subnet all clears the list (an empty nest, which libnl drops unless
# told to keep it): every client is grouped by class again.
ncadm dir -E -t "$svc" --nc-subnet all
expect_eq "nc-subnet list after --nc-subnet all" \
	"$(ncadm dir -L --nc "$svc" -o json | grep -o '"nc_subnets":\[[^]]*\]')" '"nc_subnets":[]'

# Malformed requests, random requests, unprivileged requests.
topo_exec dir "$NC_BIN/ncnl" cases "$svc"
topo_exec dir "$NC_BIN/ncnl" fuzz "$svc" 400
nobody() { topo_exec dir setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
nobody "$NC_BIN/ncnl" eperm "$svc"

# ncadm's one-line errors.
expect_err "permission denied (ncadm needs CAP_NET_ADMIN)" nobody "$NC_BIN/ncadm" -E -t "$svc" --sticky 5
expect_err "no such service with scheduler nc" ncadm dir --nc-table "$VIP:99"
expect_err "adding service TCP $svc: already exists" ncadm dir -A -t "$svc" -s nc
expect_err "nc options need -s nc, not -s rr" ncadm dir -A -t "$VIP:90" -s rr --sticky 5
expect_err "bad service address '1.2.3'" ncadm dir -A -t 1.2.3:80
expect_err "weight '70000' out of range 0..65535" ncadm dir -a -t "$svc" -r 10.255.0.11 -w 70000
expect_err "--sticky '0': sticky time must be 1 s to 31 days" ncadm dir -E -t "$svc" --sticky 0
# A refused policy on -A leaves no service behind.
ncadm dir -A -t "$VIP:91" -s nc --nc-max-entries 5 || nc_fail "valid -A refused"
topo_exec dir ipvsadm -Ln | grep -q "$VIP:91" || nc_fail "service 91 missing"
# Without the module, ncadm says what to load.
ncadm dir -C
rmmod ip_vs_nc
expect_err "the nc scheduler is not loaded (modprobe ip_vs_nc)" ncadm dir -L --nc
expect_eq "services after a refused add" "$(topo_exec dir ipvsadm -Ln | grep -c "$VIP" || true)" 0
echo "PASS: nc_netlink"
