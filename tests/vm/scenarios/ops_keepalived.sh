#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Active/backup: two directors run keepalived VRRP for the VIP with the
# shipped configuration (packaging/keepalived/keepalived.conf); the notify
# script (ncadm-notify) restores the nc services from the rules file when a
# director becomes master. d1 starts as master with the services, the
# backup has none; keepalived on d1 stops -> d2 takes the VIP, restores the
# services and serves; d1 comes back -> it takes the VIP back. With the hash
# first pick every client class keeps its real server across both moves.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"
. "$(dirname "$0")/../lib/directors.sh"

dirs_setup 2 3
ip -n rtr route add "$VIP/32" dev seg0
# The rules file as the operator writes it: configure, ncadm -S -n, and
# start the directors empty (ncadm-notify restores it on the master).
rules=$TMPDIR/rules
dirs_rules 3 --nc-pick hash --sticky 30 | ncadm d1 -R || nc_fail "ncadm -R"
ncadm d1 -S -n > "$rules"
ncadm d1 -C

notify="/usr/bin/env NCADM_RULES=$rules NCADM=$NC_BIN/ncadm $NC_REPO/packaging/keepalived/ncadm-notify"
declare -A kpid
start_keepalived() {
	local i=$1 prio=$2 cf=$TMPDIR/keepalived-d$1.conf
	sed -e "s/interface eth0/interface seg0/" -e "s/dev eth0/dev seg0/" -e "s/priority 150/priority $prio/" \
		-e "s|notify \".*\"|notify \"$notify\"|" "$NC_REPO/packaging/keepalived/keepalived.conf" > "$cf"
	ip netns exec "d$i" keepalived -n -l -D --vrrp -f "$cf" -p "$TMPDIR/k$i.pid" -c "$TMPDIR/kc$i.pid" \
		-r "$TMPDIR/kv$i.pid" >> "$TMPDIR/keepalived-d$i.log" 2>&1 &
	kpid[$i]=$!
}
stop_keepalived() {
	kill "${kpid[$1]}" 2>/dev/null || true
	wait "${kpid[$1]}" 2>/dev/null || true
}
trap 'stop_keepalived 1; stop_keepalived 2; topo_cleanup' EXIT

# master_is dI: dI holds the VIP on the switch and has the nc service.
master_is() {
	ip -n "$1" addr show seg0 | grep -q " $VIP/32" &&
		topo_exec "$1" ipvsadm -Ln 2>/dev/null | grep -q "^TCP  $VIP:80 nc"
}
# router_uses dI: the router sends VIP traffic to dI (or will ask by ARP).
# A gratuitous ARP within the router's neighbour locktime (1 s) of the last
# update is ignored; keepalived repeats its gratuitous ARPs 5 s later.
router_uses() {
	local mac lladdr
	mac=$(ip -n "$1" -br link show seg0 | awk '{ print $3 }')
	lladdr=$(ip -n rtr neigh show "$VIP" dev seg0 | awk '{ print $3 }')
	[ -z "$lladdr" ] || [ "$lladdr" = "$mac" ]
}
wait_master() {
	local i
	for i in $(seq $((120 * NC_TIME_SCALE))); do
		master_is "$1" && router_uses "$1" && { nc_log "$1 is VRRP master with the services (after $((i / 2)) s)"; return 0; }
		sleep 0.5
	done
	tail -n 20 "$TMPDIR"/keepalived-d*.log
	nc_fail "$1 did not become master with the nc service"
}
# conns dI: connections dI's service has scheduled since it was created
# (6.1 sums the per-CPU counters in its 2-second estimator timer, so it is
# polled for: nc_wait_eq).
conns() { topo_exec "$1" ipvsadm -Ln --stats -t "$VIP:80" 2>/dev/null | awk '$1 == "TCP" { print $3 }'; }

clients=$(for o in $(seq 21 60); do echo "$o.0.0.1 $o.1.0.1"; done)
topo_add_clients $clients
from=$(echo $clients | tr ' ' ,)
nclients=$(echo $clients | wc -w)

start_keepalived 1 150
wait_master d1
# No second master: d2 enters BACKUP and stays there while it receives
# five of d1's adverts (four advert intervals, past its master-down
# interval of 3 x 1 s + skew 0.6 s), counted by an nft rule in d2: what
# keepalived did in that window, not a fixed sleep.
topo_exec d2 nft -f - <<-NFT
table ip vrrp_seen {
	chain input {
		type filter hook input priority filter; policy accept;
		ip protocol vrrp counter
	}
}
NFT
vrrp_adverts() { topo_exec d2 nft list chain ip vrrp_seen input | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
start_keepalived 2 100
nc_wait 60 "d2 did not enter the BACKUP state" grep -q "Entering BACKUP STATE" "$TMPDIR/keepalived-d2.log"
seen=$(vrrp_adverts)
nc_wait 60 "d2 received no five VRRP adverts from d1" eval '[ "$(vrrp_adverts)" -ge $((seen + 5)) ]'
! grep -q "Entering MASTER STATE" "$TMPDIR/keepalived-d2.log" || nc_fail "d2 became master next to d1: $(grep "Entering MASTER STATE" "$TMPDIR/keepalived-d2.log")"
! master_is d2 || nc_fail "d2 holds the VIP and the services next to d1"
[ -z "$(topo_exec d2 ipvsadm -Sn)" ] || nc_fail "the backup d2 has services before any failover"

probe cli --to "$VIP:80" --from "$from" > "$TMPDIR/d1"
nc_wait_eq 30 "connections handled by d1" "$nclients" conns d1
for a in $clients; do probe_server "$TMPDIR/d1" "$a" > /dev/null; done

stop_keepalived 1
wait_master d2
probe cli --to "$VIP:80" --from "$from" > "$TMPDIR/d2"
nc_wait_eq 30 "connections handled by d2 after the failover" "$nclients" conns d2
for a in $clients; do
	expect_eq "server of $a after the failover to d2" "$(probe_server "$TMPDIR/d2" "$a")" "$(probe_server "$TMPDIR/d1" "$a")"
done

start_keepalived 1 150
for i in $(seq $((120 * NC_TIME_SCALE))); do
	ip -n d2 addr show seg0 | grep -q " $VIP/32" || break
	sleep 0.5
done
wait_master d1
probe cli --to "$VIP:80" --from "$from" > "$TMPDIR/back"
# ncadm-notify kept d1's services (they were the saved ones), counters included.
nc_wait_eq 30 "connections handled by d1 after it came back" "$((2 * nclients))" conns d1
nc_wait_eq 30 "connections handled by d2 after d1 came back" "$nclients" conns d2
for a in $clients; do
	expect_eq "server of $a after the failback to d1" "$(probe_server "$TMPDIR/back" "$a")" "$(probe_server "$TMPDIR/d1" "$a")"
done
nc_log "$nclients clients of $(echo $clients | tr ' ' '\n' | cut -d. -f1 | sort -u | wc -l) classes kept their real server over failover and failback"
echo "PASS: ops_keepalived"
