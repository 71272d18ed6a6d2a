#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A drained real server (weight 0): its classes stay while
# net.ipv4.vs.expire_quiescent_template is 0 and are re-picked when it is
# 1, as IPVS persistence does; --nc-drain keep/repick and ipvsadm's
# -b flag-3 override the sysctl. New classes never go to a drained server.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
clients=""
for o in $(seq 61 72); do clients+=" $o.1.0.1"; done
topo_add_clients $clients 81.1.0.1 82.1.0.1 83.1.0.1 84.1.0.1
f=$TMPDIR/probe

# first_on SERVICE SERVER: a client whose class sticks to SERVER.
first_on() {
	probe cli --to "$1" --from "$(echo $clients | tr ' ' ,)" > "$f"
	awk -v s="$2" '$2 == s { print $1; exit }' "$f"
}

weight() { ncadm dir -e -t "$1" -r "$(topo_rs_addr 1):80" -m -w "$2"; }
quiescent() { topo_exec dir sysctl -qw net.ipv4.vs.expire_quiescent_template="$1"; }
answer() { probe cli --to "$1" --from "$2" --count "${3:-1}" | awk '{ print $2 }' | sort -u | paste -sd' '; }

# drain_case SERVICE SYSCTL EXPECT(stay|move)
drain_case() {
	local svc=$1 sysctl=$2 expect=$3 c got
	weight "$svc" 1
	quiescent 0
	c=$(first_on "$svc" rs1)
	[ -n "$c" ] || nc_fail "$svc: no class on rs1"
	quiescent "$sysctl"
	weight "$svc" 0
	got=$(answer "$svc" "$c" 3)
	nc_log "$svc sysctl=$sysctl: class of $c on drained rs1 -> $got"
	case $expect in
	stay) expect_eq "$svc: class of $c with rs1 drained" "$got" rs1 ;;
	move) [ "$got" != rs1 ] && [ "$(echo "$got" | wc -w)" = 1 ] ||
		nc_fail "$svc: class of $c did not move to one other server: $got" ;;
	esac
	# New classes never go to the drained server.
	got=$(answer "$svc" 81.1.0.1,82.1.0.1,83.1.0.1,84.1.0.1)
	case " $got " in *" rs1 "*) nc_fail "$svc: a new class went to drained rs1" ;; esac
	ncadm dir --nc-flush "$svc" >/dev/null
}

ncadm_service dir "$VIP:81" 3
drain_case "$VIP:81" 0 stay
drain_case "$VIP:81" 1 move
[ "$(ncadm_counter dir "$VIP:81" repicked)" -ge 1 ] || nc_fail "re-pick not counted"

ncadm_service dir "$VIP:82" 3 --nc-drain repick
drain_case "$VIP:82" 0 move
ncadm_service dir "$VIP:83" 3 --nc-drain keep
drain_case "$VIP:83" 1 stay

ipvsadm_service dir "$VIP:84" 3 -b flag-3
drain_case "$VIP:84" 0 move
ncadm dir -L --nc "$VIP:84" | grep -q "drain repick" || nc_fail "-b flag-3 not shown as drain repick"

# Overload (upper threshold reached): as with persistence templates, a
# class keeps its server; new classes go elsewhere.
ncadm dir -A -t "$VIP:85" -s nc
ncadm dir -a -t "$VIP:85" -r "$(topo_rs_addr 1):80" -m -x 3
for i in 2 3; do ncadm dir -a -t "$VIP:85" -r "$(topo_rs_addr "$i"):80" -m; done
c=$(first_on "$VIP:85" rs1)
[ -n "$c" ] || nc_fail "$VIP:85: no class on rs1"
expect_eq "class of $c with rs1 overloaded" "$(answer "$VIP:85" "$c" 5)" rs1
topo_exec dir ipvsadm -Ln | grep -A3 "$VIP:85" | grep "$(topo_rs_addr 1):80" | awk '{ exit !($5 + $6 >= 3) }' ||
	nc_fail "rs1 did not reach its upper threshold"
got=$(answer "$VIP:85" 81.1.0.1,82.1.0.1,83.1.0.1,84.1.0.1)
case " $got " in *" rs1 "*) nc_fail "a new class went to overloaded rs1" ;; esac
nc_log "$VIP:85: class of $c stays on overloaded rs1; new classes -> $got"
echo "PASS: nc_drain"
