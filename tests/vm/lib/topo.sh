# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/vm/lib/topo.sh - network-namespace topology for the VM tests.
# Source it from a scenario script that runs inside the guest (tests/vm/run);
# it sources assert.sh and tools.sh. One naming scheme across the library:
# topo_* the topology (dirs_* its multi-director part, directors.sh); nc_*
# the harness itself (nc_fail, nc_log, nc_wait*, nc_entry_cache_objects);
# expect_* checks; tool wrappers after their tool (probe*, ncadm*, ipvsadm*).
#
#   lan_<fw> --- fw_<fw> ---+
#   (private clients) (SNAT)|  192.0.3.0/24 etc.
#                           |
#   cli ----- 192.0.2.0/24 ---- dir (IPVS, VIP) ---- br0 10.255.0.0/24 ---- rs1..rsN
#   (many client addresses                            (ncprobe serve --id rsI)
#    on lo, one per "user")
#
# The director routes every client address back through cli (its default
# route) or through the firewall that owns the SNAT pool. Real servers use
# the director as their default gateway, so IPVS NAT (-m) works. Client
# addresses may be anything except the VIPs and the topology's own networks:
# 10.200.0.0/24, 10.255.0.0/24, 192.0.2.0/24, 192.0.3.0/24 and up (one per
# firewall), 2001:db8:2::/64 and 2001:db8:ff::/64.

NC_REPO=${NC_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
NC_BIN=${NC_BIN:-$NC_REPO/build/bin}
NC_KMOD=${NC_KMOD:-$NC_REPO/kmod/ip_vs_nc.ko}
VIP=${VIP:-198.51.100.10}
VIP6=${VIP6:-2001:db8:100::10}
NC_FW_COUNT=0

# Failing, logging and waiting; the tools a scenario drives.
. "$(dirname "${BASH_SOURCE[0]}")/assert.sh"
. "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

topo_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

topo_sysctl() {
	local ns=$1 key=$2 val=$3
	topo_exec "$ns" sysctl -qw "$key=$val"
}

_topo_new_ns() {
	local ns=$1
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	topo_sysctl "$ns" net.ipv4.conf.all.rp_filter 0
	topo_sysctl "$ns" net.ipv4.conf.default.rp_filter 0
	topo_sysctl "$ns" net.ipv6.conf.all.accept_dad 0
	topo_sysctl "$ns" net.ipv6.conf.default.accept_dad 0
}

# Load ip_vs and the freshly built ip_vs_nc.ko.
topo_load_modules() {
	modprobe ip_vs || nc_fail "modprobe ip_vs"
	modprobe veth && modprobe bridge || nc_fail "modprobe veth/bridge"
	if ! grep -q '^ip_vs_nc ' /proc/modules; then
		insmod "$NC_KMOD" "$@" || nc_fail "insmod $NC_KMOD"
	fi
	# The module registers its netlink family just after init returns.
	nc_wait 60 "the IPVS_NC netlink family did not appear" \
		eval 'genl ctrl get name IPVS_NC > /dev/null 2>&1'
}

# topo_unload_nc WHEN: rmmod ip_vs_nc, retrying for up to 60 s (services
# in a deleted namespace are dismantled by a kernel worker); it must be
# gone, and its entry cache with it: kmem_cache_destroy() keeps a cache
# that still holds an entry.
topo_unload_nc() {
	local i
	for i in $(seq 300); do
		rmmod ip_vs_nc 2>/dev/null && break
		sleep 0.2
	done
	! grep -q '^ip_vs_nc ' /proc/modules ||
		nc_fail "rmmod ip_vs_nc failed $1 (refcount $(cat /sys/module/ip_vs_nc/refcnt))"
	[ -z "$(nc_entry_cache_objects)" ] ||
		nc_fail "the ip_vs_nc_entry cache outlived the module $1: $(nc_entry_cache_objects) objects"
}

# Director, client namespace and the link between them.
topo_setup_director() {
	trap topo_cleanup EXIT
	topo_load_modules
	_topo_new_ns dir
	_topo_new_ns cli
	topo_sysctl dir net.ipv4.ip_forward 1
	topo_sysctl dir net.ipv6.conf.all.forwarding 1
	topo_sysctl dir net.ipv4.vs.conntrack 0

	ip link add c0 netns dir type veth peer name d0 netns cli
	ip -n dir addr add 192.0.2.1/24 dev c0
	ip -n dir addr add 2001:db8:2::1/64 dev c0 nodad
	ip -n dir link set c0 up
	ip -n cli addr add 192.0.2.2/24 dev d0
	ip -n cli addr add 2001:db8:2::2/64 dev d0 nodad
	ip -n cli link set d0 up
	ip -n cli route add default via 192.0.2.1
	ip -n cli -6 route add default via 2001:db8:2::1
	ip -n dir route add default via 192.0.2.2
	ip -n dir -6 route add default via 2001:db8:2::2

	ip -n dir addr add "$VIP/32" dev lo
	ip -n dir addr add "$VIP6/128" dev lo nodad

	ip -n dir link add br0 type bridge
	ip -n dir addr add 10.255.0.1/24 dev br0
	ip -n dir addr add 2001:db8:ff::1/64 dev br0 nodad
	ip -n dir link set br0 up
}

# topo_add_servers N [PORT]: real servers rs1..rsN at 10.255.0.(10+i),
# each answering with its name.
topo_add_servers() {
	local n=$1 port=${2:-80} i ns
	for i in $(seq 1 "$n"); do
		ns=rs$i
		_topo_new_ns "$ns"
		ip link add "p$i" netns dir type veth peer name eth0 netns "$ns"
		ip -n dir link set "p$i" master br0 up
		ip -n "$ns" addr add "10.255.0.$((10 + i))/24" dev eth0
		ip -n "$ns" addr add "2001:db8:ff::$((10 + i))/64" dev eth0 nodad
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via 10.255.0.1
		ip -n "$ns" -6 route add default via 2001:db8:ff::1
		topo_exec "$ns" setsid -f "$NC_BIN/ncprobe" serve --id "$ns" --port "$port"
	done
	# Servers are ready once each one answers on its own address (until
	# its ncprobe has bound the port, a connection is refused at once).
	for i in $(seq 1 "$n"); do
		nc_wait_answer dir "10.255.0.$((10 + i)):$port" 10.255.0.1 "real server rs$i"
	done
}

# topo_add_holding_servers N PORT: on rs1..rsN (topo_add_servers), a second
# server on PORT whose connections stay open until the client closes them.
topo_add_holding_servers() {
	local n=$1 port=$2 i
	for i in $(seq 1 "$n"); do
		topo_exec "rs$i" setsid -f "$NC_BIN/ncprobe" serve --id "rs$i" --port "$port" --hold
	done
	for i in $(seq 1 "$n"); do
		nc_wait_answer dir "$(topo_rs_addr "$i"):$port" 10.255.0.1 "real server rs$i on port $port"
	done
}

# topo_rs_addr I: address of real server I.
topo_rs_addr() { echo "10.255.0.$((10 + $1))"; }
rs6_addr() { echo "2001:db8:ff::$((10 + $1))"; }

# topo_add_clients ADDR...: client source addresses, all in cli.
topo_add_clients() {
	local a
	for a in "$@"; do
		case "$a" in
		*:*) echo "address add $a/128 dev lo nodad" ;;
		*) echo "address add $a/32 dev lo" ;;
		esac
	done | ip -n cli -batch - || nc_fail "cannot add client addresses"
}

# topo_add_firewall POOL_ADDR...: a private client network behind a
# firewall that SNATs every new connection to the next address of POOL
# (a "firewall array" / carrier-grade NAT). The k-th firewall (from 0) is
# namespace fw<k>; its clients connect from 10.200.0.2 in namespace lan<k>.
topo_add_firewall() {
	local k=$NC_FW_COUNT lan fw map i=0 a
	NC_FW_COUNT=$((k + 1))
	lan=lan$k fw=fw$k
	_topo_new_ns "$lan"
	_topo_new_ns "$fw"
	topo_sysctl "$fw" net.ipv4.ip_forward 1
	ip link add i0 netns "$fw" type veth peer name eth0 netns "$lan"
	ip -n "$lan" addr add 10.200.0.2/24 dev eth0
	ip -n "$lan" link set eth0 up
	ip -n "$lan" route add default via 10.200.0.1
	ip -n "$fw" addr add 10.200.0.1/24 dev i0
	ip -n "$fw" link set i0 up
	ip link add "f$k" netns dir type veth peer name up0 netns "$fw"
	ip -n dir addr add "192.0.$((3 + k)).1/24" dev "f$k"
	ip -n dir link set "f$k" up
	ip -n "$fw" addr add "192.0.$((3 + k)).2/24" dev up0
	ip -n "$fw" link set up0 up
	ip -n "$fw" route add default via "192.0.$((3 + k)).1"
	map=
	for a in "$@"; do
		map+="${map:+, }$i : $a"
		ip -n dir route add "$a/32" via "192.0.$((3 + k)).2"
		i=$((i + 1))
	done
	topo_exec "$fw" nft -f - <<-EOF || nc_fail "nft SNAT rules for $fw"
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "up0" snat to numgen inc mod $# map { $map }
		}
	}
	EOF
}

topo_cleanup() {
	local ns
	# Scenarios' traffic loops run while $TMPDIR/sending exists: a
	# scenario that fails inside one must not wait for it for ever.
	rm -f "$TMPDIR/sending"
	{
		for ns in $(ip netns list | awk '{print $1}'); do
			ip netns pids "$ns" | xargs -r kill
			ip netns del "$ns"
		done
		wait
	} 2>/dev/null
}

# topo_fwmark NS PORT MARK: NS marks TCP to $VIP:PORT with MARK before
# IPVS sees it (the traffic of a fwmark service).
topo_fwmark() {
	topo_exec "$1" nft -f - <<-NFT
	table ip mangle {
		chain pre {
			type filter hook prerouting priority mangle; policy accept;
			ip daddr $VIP tcp dport $2 meta mark set $3
		}
	}
	NFT
}
