#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Class keys: classful (set by ipvsadm -b flag-1, and by ncadm), a prefix
# length, nc-subnet scope in and out, IPv6 prefixes, and a key change at
# run time. The sticky table must hold exactly the expected classes, and
# every client of a class must reach that class's server (the one the
# table gives the class).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3

# check SERVICE "CLASS=CLIENT,CLIENT... ...": probe twice from each client.
# The sticky table holds exactly these classes, and all clients of a class
# reached one server: the one the table gives the class.
check() {
	local svc=$1 groups=$2 f=$TMPDIR/probe g class clients server got
	clients=$(for g in $groups; do echo "${g#*=}"; done | paste -sd,)
	probe cli --to "$svc" --from "$clients" --count 2 > "$f"
	got=$(ncadm_table_classes dir "$svc")
	expect_eq "classes of $svc" "$got" "$(for g in $groups; do echo "${g%%=*}"; done | sort | paste -sd' ')"
	for g in $groups; do
		class=${g%%=*} clients=${g#*=}
		server=$(probe_server "$f" ${clients//,/ })
		expect_eq "server of class $class of $svc (table)" "$(ncadm_table_server dir "$svc" "$class")" \
			"$(server_addr "$svc" "$server")"
	done
	nc_log "$svc: $got"
}

# server_addr SERVICE rsI: rsI's address as the sticky table shows it.
server_addr() {
	case "$1" in
	\[*) echo "[$(rs6_addr "${2#rs}")]:80" ;;
	*) echo "$(topo_rs_addr "${2#rs}"):80" ;;
	esac
}

# ipvsadm users: -b flag-1 selects the classful key.
ipvsadm_service dir "$VIP:81" 3 -b flag-1
topo_add_clients 20.1.2.3 20.200.1.1 130.1.5.5 130.1.9.9 130.2.1.1 200.1.2.3 200.1.2.99 200.1.3.1
check "$VIP:81" "20.0.0.0/8=20.1.2.3,20.200.1.1 130.1.0.0/16=130.1.5.5,130.1.9.9 130.2.0.0/16=130.2.1.1
	200.1.2.0/24=200.1.2.3,200.1.2.99 200.1.3.0/24=200.1.3.1"
ncadm dir -L --nc "$VIP:81" | grep -q "key classful" || nc_fail "-b flag-1 not shown as key classful"

# A prefix length.
ncadm_service dir "$VIP:82" 3 --nc-key /20
topo_add_clients 10.1.16.1 10.1.31.1 10.1.32.1
check "$VIP:82" "10.1.16.0/20=10.1.16.1,10.1.31.1 10.1.32.0/20=10.1.32.1"

# nc-subnet: only 172/8 and 100.64/10 are grouped (by first octet); every
# other client is sticky on its own address.
ncadm_service dir "$VIP:83" 3 --nc-subnet 172,100.64.0.0/10
topo_add_clients 172.16.1.2 172.20.1.2 100.64.1.1 100.100.1.1 100.200.1.1 45.1.1.1 45.1.1.2
check "$VIP:83" "172.0.0.0/8=172.16.1.2,172.20.1.2 100.0.0.0/8=100.64.1.1,100.100.1.1 100.200.1.1/32=100.200.1.1
	45.1.1.1/32=45.1.1.1 45.1.1.2/32=45.1.1.2"

# IPv6: grouped by /48 by default, by /56 when asked.
nc_service6() {
	ncadm dir -A -t "[$VIP6]:$1" -s nc "${@:2}"
	for i in 1 2 3; do ncadm dir -a -t "[$VIP6]:$1" -r "[$(rs6_addr "$i")]:80" -m; done
}
nc_service6 80
topo_add_clients 2001:db8:1:1::1 2001:db8:1:2::1 2001:db8:3::1
check "[$VIP6]:80" "2001:db8:1::/48=2001:db8:1:1::1,2001:db8:1:2::1 2001:db8:3::/48=2001:db8:3::1"
nc_service6 81 --nc-key octet,/56
topo_add_clients 2001:db8:1:100::1
check "[$VIP6]:81" "2001:db8:1::/56=2001:db8:1:1::1,2001:db8:1:2::1 2001:db8:1:100::/56=2001:db8:1:100::1"

# Changing the key at run time empties the table and takes effect at once.
ncadm dir -E -t "$VIP:82" --nc-key /24
expect_eq "entries after a key change" "$(ncadm_counter dir "$VIP:82" entries)" 0
check "$VIP:82" "10.1.16.0/24=10.1.16.1 10.1.31.0/24=10.1.31.1 10.1.32.0/24=10.1.32.1"
echo "PASS: nc_keys"
