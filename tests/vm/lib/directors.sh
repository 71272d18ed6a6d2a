# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/vm/lib/directors.sh - several directors in front of one set of real
# servers, as LVS is run for scale-out and failover (source after topo.sh).
#
#   cli ---- rtr ---- seg (switch, 10.10.0.0/24) ----+---- d1..dN (IPVS)
#  (client   192.0.2.0/24                           +---- rs1..rsM
#   addresses                                            (VIP on lo, ARP-silent)
#   on lo)
#
# Direct routing (-g): a director forwards the client's packet to the real
# server's MAC; the real server answers the client directly through rtr.
# So any director can hand a connection to any real server, and which
# director a packet reaches is rtr's business (an ECMP route, or the VRRP
# master's ARP answer for the VIP). Every director holds the VIP on lo and
# answers ARP only for addresses on the interface asked (arp_ignore=1).

dirs_addr() { echo "10.10.0.$((10 + $1))"; }
dirs_rs_addr() { echo "10.10.0.$((100 + $1))"; }

# _dirs_port NS IFNAME: a port of the switch named IFNAME in NS.
_dirs_port() {
	local ns=$1 ifname=$2 port=sw$((++_dirs_ports))
	ip link add "$port" netns sw type veth peer name "$ifname" netns "$ns"
	ip -n sw link set "$port" master br0 up
	ip -n "$ns" link set "$ifname" up
}

_dirs_arp_silent() {
	topo_sysctl "$1" net.ipv4.conf.all.arp_ignore 1
	topo_sysctl "$1" net.ipv4.conf.all.arp_announce 2
}

# dirs_setup N M: N directors d1..dN (with nothing configured in IPVS) and
# M real servers rs1..rsM answering with their names, all on the switch.
dirs_setup() {
	local n=$1 m=$2 i ns
	trap topo_cleanup EXIT
	topo_load_modules
	_dirs_ports=0
	_topo_new_ns sw
	ip -n sw link add br0 type bridge
	ip -n sw link set br0 up
	_topo_new_ns cli
	_topo_new_ns rtr
	topo_sysctl rtr net.ipv4.ip_forward 1
	ip link add r0 netns rtr type veth peer name eth0 netns cli
	ip -n rtr addr add 192.0.2.1/24 dev r0
	ip -n rtr link set r0 up
	ip -n cli addr add 192.0.2.2/24 dev eth0
	ip -n cli link set eth0 up
	ip -n cli route add default via 192.0.2.1
	ip -n rtr route add default via 192.0.2.2
	_dirs_port rtr seg0
	ip -n rtr addr add 10.10.0.1/24 dev seg0

	for i in $(seq 1 "$n"); do
		ns=d$i
		_topo_new_ns "$ns"
		_dirs_arp_silent "$ns"
		topo_sysctl "$ns" net.ipv4.vs.conntrack 0
		_dirs_port "$ns" seg0
		ip -n "$ns" addr add "$(dirs_addr "$i")/24" dev seg0
		ip -n "$ns" addr add "$VIP/32" dev lo
		ip -n "$ns" route add default via 10.10.0.1
	done
	for i in $(seq 1 "$m"); do
		dirs_add_server "$i"
	done
}

# dirs_add_server J: real server rsJ on the switch (not yet in any service).
dirs_add_server() {
	local j=$1 ns=rs$1
	_topo_new_ns "$ns"
	_dirs_arp_silent "$ns"
	_dirs_port "$ns" seg0
	ip -n "$ns" addr add "$(dirs_rs_addr "$j")/24" dev seg0
	ip -n "$ns" addr add "$VIP/32" dev lo
	ip -n "$ns" route add default via 10.10.0.1
	topo_exec "$ns" setsid -f "$NC_BIN/ncprobe" serve --id "$ns" --port 80
	nc_wait_answer rtr "$(dirs_rs_addr "$j"):80" 10.10.0.1 "real server $ns"
}

# dirs_rules M [NC-OPTIONS...]: the ncadm -R lines of the nc service on VIP:80
# with real servers rs1..rsM in direct routing.
dirs_rules() {
	local m=$1 j
	shift
	echo "-A -t $VIP:80 -s nc $*"
	for j in $(seq 1 "$m"); do
		echo "-a -t $VIP:80 -r $(dirs_rs_addr "$j"):80 -g -w 1"
	done
}

# dirs_served_by NS: "source director" lines for every connection that
# director NS's IPVS has seen (its connection table).
dirs_served_by() {
	topo_exec "$1" ipvsadm -Lcn | awk -v d="$1" 'NR > 2 { split($4, a, ":"); print a[1], d }'
}
