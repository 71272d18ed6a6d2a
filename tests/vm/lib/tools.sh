# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/vm/lib/tools.sh - the tools a scenario drives, each run in a
# namespace (sourced by topo.sh): ncprobe (probe, and probe_servers /
# probe_server to read its answers), ncadm and ipvsadm (ncadm_service,
# ipvsadm_service, ncadm_table_classes, ncadm_counter).

# probe NS ARGS...: run the probe client in namespace NS.
probe() {
	local ns=$1
	shift
	topo_exec "$ns" "$NC_BIN/ncprobe" connect "$@"
}

# probe_servers FILE [SOURCE...]: the distinct servers that answered the
# given sources (all sources when none are given), one per line.
probe_servers() {
	local f=$1
	shift
	awk -v list="$*" 'BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		(n == 0 || ($1 in want)) && $2 != "-" { print $2 }' "$f" | sort -u
}

# probe_server FILE SOURCE...: the one server that answered these sources
# (fails if they were split or got no answer).
probe_server() {
	local f=$1 s
	shift
	s=$(probe_servers "$f" "$@")
	[ "$(echo "$s" | wc -l)" = 1 ] && [ -n "$s" ] || nc_fail "client $* answered by '$(echo $s)', expected one server"
	echo "$s"
}

# ncadm NS ARGS...: run ncadm in namespace NS.
ncadm() {
	local ns=$1
	shift
	topo_exec "$ns" "$NC_BIN/ncadm" "$@"
}

# ncadm_counter NS SERVICE NAME: one counter of an nc service (ncadm JSON).
ncadm_counter() {
	ncadm "$1" -L --nc "$2" -o json | grep -o "\"$3\":[0-9]*" | cut -d: -f2
}

# ipvsadm_service NS SERVICE N [ADD-ARGS...]: an nc service on SERVICE
# (VIP:PORT) with real servers rs1..rsN (NAT), created with stock ipvsadm.
ipvsadm_service() {
	local ns=$1 svc=$2 n=$3 i
	shift 3
	topo_exec "$ns" ipvsadm -A -t "$svc" -s nc "$@" || nc_fail "ipvsadm -A -t $svc $*"
	for i in $(seq 1 "$n"); do
		topo_exec "$ns" ipvsadm -a -t "$svc" -r "$(topo_rs_addr "$i"):80" -m || nc_fail "ipvsadm -a rs$i"
	done
}

# ncadm_service NS SERVICE N [ADD-ARGS...]: the same, created with ncadm.
ncadm_service() {
	local ns=$1 svc=$2 n=$3 i
	shift 3
	ncadm "$ns" -A -t "$svc" -s nc "$@" || nc_fail "ncadm -A -t $svc $*"
	for i in $(seq 1 "$n"); do
		ncadm "$ns" -a -t "$svc" -r "$(topo_rs_addr "$i"):80" -m || nc_fail "ncadm -a rs$i"
	done
}

# ncadm_table_classes NS SERVICE...: the classes in the sticky table, sorted
# (SERVICE as ncadm takes it: VIP:PORT, or -u VIP:PORT, -f MARK).
# Read from the JSON listing, as ncadm_counter reads counters: its
# entries are {"class":..,"server":..,...} (pins have "network" instead).
ncadm_table_classes() {
	local ns=$1
	shift
	ncadm "$ns" --nc-table "$@" -o json | grep -o '"class":"[^"]*"' | cut -d'"' -f4 | sort | paste -sd' '
}

# ncadm_table_server NS SERVICE CLASS: the real server a class sticks to.
ncadm_table_server() {
	ncadm "$1" --nc-table "$2" -o json | grep -o "\"class\":\"$3\",\"server\":\"[^\"]*\"" | cut -d'"' -f8
}
