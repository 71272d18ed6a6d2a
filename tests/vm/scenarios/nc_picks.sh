#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# First picks: rr and wrr follow their sequences, lc and wlc avoid loaded
# servers, and hash gives the same class -> server map whatever the order
# the servers were added in, and in a second director (another network
# namespace, its own table and policy) that shares no state with the first;
# as servers join, change weight and leave, hash moves only the classes of
# the server that changed (the kernel's table of bucket owners follows
# add_dest, upd_dest and del_dest).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 4
octets="61 62 63 64 65 66 67 68 69 70 71 72"
clients=""
for o in $octets; do clients+=" $o.1.0.1"; done
topo_add_clients $clients
f=$TMPDIR/probe

# One connection per class, in order; prints the servers, one per line.
servers_in_order() {
	probe cli --to "$1" --from "$(echo $2 | tr ' ' ,)" > "$f"
	awk '{ print $2 }' "$f"
}

# rr: six new classes go round the three servers twice, in the same order.
ncadm_service dir "$VIP:81" 3 --nc-pick rr
seq6=$(servers_in_order "$VIP:81" "61.1.0.1 62.1.0.1 63.1.0.1 64.1.0.1 65.1.0.1 66.1.0.1" | paste -sd' ')
read -r a b c d e g <<< "$seq6"
nc_log "rr: $seq6"
[ "$a $b $c" = "$d $e $g" ] && [ "$a" != "$b" ] && [ "$b" != "$c" ] && [ "$a" != "$c" ] ||
	nc_fail "rr first picks are not a round-robin sequence: $seq6"

# wrr: weights 3 and 1 share eight new classes 6:2.
ncadm dir -A -t "$VIP:82" -s nc --nc-pick wrr
ncadm dir -a -t "$VIP:82" -r "$(topo_rs_addr 1):80" -m -w 3
ncadm dir -a -t "$VIP:82" -r "$(topo_rs_addr 2):80" -m -w 1
counts=$(servers_in_order "$VIP:82" "61.1.0.1 62.1.0.1 63.1.0.1 64.1.0.1 65.1.0.1 66.1.0.1 67.1.0.1 68.1.0.1" | sort | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' ')
nc_log "wrr 3:1: $counts"
expect_eq "wrr shares" "$counts" "rs1=6 rs2=2"

# lc: a class with five connections makes its server the most loaded, so
# the next three new classes go elsewhere, and to both other servers.
for pick in lc wlc; do
	port=$([ $pick = lc ] && echo 83 || echo 84)
	ncadm_service dir "$VIP:$port" 3 --nc-pick $pick
	probe cli --to "$VIP:$port" --from 61.1.0.1 --count 5 > "$f"
	busy=$(probe_server "$f" 61.1.0.1)
	others=$(servers_in_order "$VIP:$port" "62.1.0.1 63.1.0.1 64.1.0.1")
	nc_log "$pick: 61/8 has 5 connections on $busy; next classes: $(echo $others)"
	! echo "$others" | grep -qx "$busy" || nc_fail "$pick sent a new class to the loaded server $busy"
	[ "$(echo "$others" | sort -u | wc -l)" = 2 ] || nc_fail "$pick did not use both idle servers"
done

# hash: the same map whatever the order the servers were added in.
ncadm_service dir "$VIP:85" 3 --nc-pick hash
ncadm dir -A -t "$VIP:86" -s nc --nc-pick hash
for i in 3 2 1; do ncadm dir -a -t "$VIP:86" -r "$(topo_rs_addr "$i"):80" -m; done
map85=$(servers_in_order "$VIP:85" "$clients" | paste -sd' ')
map86=$(servers_in_order "$VIP:86" "$clients" | paste -sd' ')
nc_log "hash, servers added 1 2 3: $map85"
nc_log "hash, servers added 3 2 1: $map86"
expect_eq "hash map independent of server order" "$map86" "$map85"
[ "$(echo "$map85" | tr ' ' '\n' | sort -u | wc -l)" = 3 ] || nc_fail "hash did not use all servers for 12 classes"

# A second director, dir2, on the real servers' segment, with the same VIP
# and configuration but a different sticky time: its own table and policy.
# Its clients are local (IPVS schedules locally originated connections);
# the real servers route those clients' networks back through dir2.
ip netns add dir2
ip -n dir2 link set lo up
ip link add p9 netns dir type veth peer name eth0 netns dir2
ip -n dir link set p9 master br0 up
ip -n dir2 addr add 10.255.0.2/24 dev eth0
ip -n dir2 link set eth0 up
ip -n dir2 addr add "$VIP/32" dev lo
ncadm_service dir2 "$VIP:85" 3 --nc-pick hash --sticky 7m
clients2=""
for o in $octets; do
	clients2+=" $o.2.0.1"
	ip -n dir2 addr add "$o.2.0.1/32" dev lo
	for i in 1 2 3; do ip -n "rs$i" route add "$o.2.0.0/16" via 10.255.0.2; done
done
probe dir2 --to "$VIP:85" --from "$(echo $clients2 | tr ' ' ,)" > "$f"
map2=$(awk '{ print $2 }' "$f" | paste -sd' ')
nc_log "hash in dir2:                $map2"
expect_eq "hash map of a second director" "$map2" "$map85"
ncadm dir2 -L --nc "$VIP:85" | grep -q "sticky 7m" || nc_fail "dir2's policy is not its own"
ncadm dir -L --nc "$VIP:85" | grep -q "sticky 30m" || nc_fail "dir's policy changed with dir2's"
expect_eq "dir2 table" "$(ncadm_counter dir2 "$VIP:85" entries)" 12
expect_eq "dir table after dir2's traffic" "$(ncadm_counter dir "$VIP:85" lookups)" 12
# hash as the servers change: 64 /24 classes over rs1-rs3, then rs4 joins,
# goes to weight 0, comes back, leaves. Each map is taken after a flush:
# every class's first pick, not the table's memory of it.
many=""
for n in $(seq 0 63); do many+=" 100.64.$n.1"; done
topo_add_clients $many
ncadm_service dir "$VIP:87" 3 --nc-pick hash --nc-key /24
hash_map() {
	ncadm dir --nc-flush "$VIP:87" > /dev/null
	servers_in_order "$VIP:87" "$many" | paste -sd' '
}
# moved_to A B: how many classes differ between maps A and B, and how many
# of those went to a server other than rs4.
moved_to() {
	paste <(tr ' ' '\n' <<< "$1") <(tr ' ' '\n' <<< "$2") |
		awk '$1 != $2 { n++; if ($2 != "rs4") bad++ } END { print n + 0, bad + 0 }'
}
m3=$(hash_map)
ncadm dir -a -t "$VIP:87" -r "$(topo_rs_addr 4):80" -m
m4=$(hash_map)
read -r moved elsewhere <<< "$(moved_to "$m3" "$m4")"
nc_log "hash, rs4 joins rs1-rs3: $moved of 64 classes moved, $elsewhere not to rs4"
expect_eq "classes moved to a server other than the one joining" "$elsewhere" 0
[ "$moved" -ge 8 ] && [ "$moved" -le 24 ] || nc_fail "rs4 took $moved of 64 classes (1/4 is 16)"
ncadm dir -e -t "$VIP:87" -r "$(topo_rs_addr 4):80" -m -w 0
expect_eq "hash map with rs4 at weight 0" "$(hash_map)" "$m3"
ncadm dir -e -t "$VIP:87" -r "$(topo_rs_addr 4):80" -m -w 1
expect_eq "hash map with rs4 back at weight 1" "$(hash_map)" "$m4"
ncadm dir -e -t "$VIP:87" -r "$(topo_rs_addr 4):80" -m -w 3
m4w3=$(hash_map)
read -r moved elsewhere <<< "$(moved_to "$m4" "$m4w3")"
nc_log "hash, rs4 from weight 1 to 3: $moved more classes, $elsewhere not to rs4"
expect_eq "classes moved elsewhere than to the heavier server" "$elsewhere" 0
[ "$moved" -ge 1 ] || nc_fail "rs4 at weight 3 took no class from the others"
ncadm dir -d -t "$VIP:87" -r "$(topo_rs_addr 4):80"
expect_eq "hash map after rs4 left" "$(hash_map)" "$m3"
echo "PASS: nc_picks"
