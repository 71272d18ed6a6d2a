# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/vm/lib/tools.sh - the tools a scenario drives, each run in a
# namespace (sourced by topo.sh): ncprobe (probe, and servers_of /
# server_of to read its answers), ncadm and ipvsadm (nc_service,
# ipvsadm_service, table_classes, nc_counter).

# nc_wait_answer NS ADDR:PORT FROM WHAT: poll (60 s) until a server
# answers a connection from FROM in NS.
nc_wait_answer() {
	nc_wait 60 "$4 does not answer on $2" \
		in_ns "$1" "$NC_BIN/ncprobe" connect --to "$2" --from "$3" --timeout-ms 5000 >/dev/null 2>&1
}

# probe NS ARGS...: run the probe client in namespace NS.
probe() {
	local ns=$1
	shift
	in_ns "$ns" "$NC_BIN/ncprobe" connect "$@"
}

# servers_of FILE [SOURCE...]: the distinct servers that answered the
# given sources (all sources when none are given), one per line.
servers_of() {
	local f=$1
	shift
	awk -v list="$*" 'BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		(n == 0 || ($1 in want)) && $2 != "-" { print $2 }' "$f" | sort -u
}

# server_of FILE SOURCE: the one server that answered SOURCE (fails if split).
server_of() {
	local s
	s=$(servers_of "$1" "$2")
	[ "$(echo "$s" | wc -l)" = 1 ] && [ -n "$s" ] || nc_fail "client $2 answered by '$(echo $s)', expected one server"
	echo "$s"
}

# ncadm NS ARGS...: run ncadm in namespace NS.
ncadm() {
	local ns=$1
	shift
	in_ns "$ns" "$NC_BIN/ncadm" "$@"
}

# nc_counter NS SERVICE NAME: one counter of an nc service (ncadm JSON).
nc_counter() {
	ncadm "$1" -L --nc "$2" -o json | grep -o "\"$3\":[0-9]*" | cut -d: -f2
}

# ipvsadm_service NS SERVICE N [ADD-ARGS...]: an nc service on SERVICE
# (VIP:PORT) with real servers rs1..rsN (NAT), created with stock ipvsadm.
ipvsadm_service() {
	local ns=$1 svc=$2 n=$3 i
	shift 3
	in_ns "$ns" ipvsadm -A -t "$svc" -s nc "$@" || nc_fail "ipvsadm -A -t $svc $*"
	for i in $(seq 1 "$n"); do
		in_ns "$ns" ipvsadm -a -t "$svc" -r "$(rs_addr "$i"):80" -m || nc_fail "ipvsadm -a rs$i"
	done
}

# nc_service NS SERVICE N [ADD-ARGS...]: the same, created with ncadm.
nc_service() {
	local ns=$1 svc=$2 n=$3 i
	shift 3
	ncadm "$ns" -A -t "$svc" -s nc "$@" || nc_fail "ncadm -A -t $svc $*"
	for i in $(seq 1 "$n"); do
		ncadm "$ns" -a -t "$svc" -r "$(rs_addr "$i"):80" -m || nc_fail "ncadm -a rs$i"
	done
}

# table_classes NS SERVICE...: the classes in the sticky table, sorted
# (SERVICE as ncadm takes it: VIP:PORT, or -u VIP:PORT, -f MARK).
table_classes() {
	local ns=$1
	shift
	ncadm "$ns" --nc-table "$@" | awk 'NR > 2 { print $1 }' | sort | paste -sd' '
}

# table_server_of NS SERVICE CLASS: the real server a class sticks to.
table_server_of() {
	ncadm "$1" --nc-table "$2" | awk -v c="$3" 'NR > 2 && $1 == c { print $2 }'
}
