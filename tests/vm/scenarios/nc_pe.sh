#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The nc persistence engine (ipvsadm -p TIME --pe nc): IPVS keeps one
# persistence template per natural class, whatever the client's address,
# and ipvsadm -Lnc shows the class. The patent's timer: a class whose
# connection is still open keeps its server past the persistence time
# since its last *new* connection (the template outlives its open
# connections), where the nc scheduler, whose sticky time counts from
# the last new connection, re-picks it. The first pick is wlc, made to
# disagree with the remembered server. The module cannot be unloaded while
# a service or a template uses the engine; deleting the namespace with
# live templates frees them, and then it can.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
topo_add_holding_servers 3 8080
clients="61.1.0.1 61.2.0.1 61.3.0.1 62.1.0.1 62.2.0.1 63.1.0.1 63.2.0.1 63.3.0.1"
topo_add_clients $clients 71.1.0.1 71.2.0.1 72.1.0.1 72.2.0.1 73.1.0.1 74.1.0.1
ipv() { topo_exec dir ipvsadm "$@"; }
add_service() {	# SERVICE PORT IPVSADM-SERVICE-OPTIONS...
	local svc=$1 port=$2 i
	shift 2
	ipv -A -t "$svc" "$@"
	for i in 1 2 3; do ipv -a -t "$svc" -r "$(topo_rs_addr "$i"):$port" -m; done
}

nc_log "topology ready after ${SECONDS} s"
# 1. One template per class. rr as the first pick would spread the
# addresses of a class over all servers without the engine.
# Their 600 s must outlast section 3's rmmod: scaled, like every time here
# (on the debug kernel, under load, sections 1 and 2 took 650 s).
add_service "$VIP:80" 80 -s rr -p $((600 * NC_TIME_SCALE)) --pe nc
probe cli --to "$VIP:80" --from "$(echo $clients | tr ' ' ',')" --count 2 > "$TMPDIR/classes"
for a in $clients; do probe_server "$TMPDIR/classes" "$a" > /dev/null; done
for c in 61 62 63; do
	expect_eq "servers of class $c" "$(probe_servers "$TMPDIR/classes" $(echo $clients | tr ' ' '\n' | grep "^$c\."))" \
		"$(probe_server "$TMPDIR/classes" "$c.1.0.1")"
done
# ipvsadm shows a template's engine and data with --persistent-conn.
ipv -Lnc --persistent-conn > "$TMPDIR/lnc"
templates=$(grep -c ' nc  *[0-9./]*$' "$TMPDIR/lnc" || true)
expect_eq "templates (ipvsadm -Lnc --persistent-conn lines with nc data)" "$templates" 3
for c in 61 62 63; do
	grep -q " nc  *$c\.0\.0\.0/8\$" "$TMPDIR/lnc" ||
		nc_fail "no template for class $c.0.0.0/8 in ipvsadm -Lnc --persistent-conn: $(grep -v TIME_WAIT "$TMPDIR/lnc")"
done
# ncadm lists the same template lines (expire column aside: it ticks).
templates_of() { grep ' nc  *[0-9./]*$' | sed -E 's/^([A-Z]+ +)[0-9]+:[0-9]+/\1--:--/' | sort; }
expect_eq "ncadm -Lnc --persistent-conn's templates" \
	"$(ncadm dir -Lnc --persistent-conn | templates_of)" "$(templates_of < "$TMPDIR/lnc")"
json=$(ncadm dir -Lnc -o json)
for c in 61 62 63; do
	grep -q "\"pe\":\"nc\",\"pe_data\":\"$c\.0\.0\.0/8\"" <<<"$json" ||
		nc_fail "ncadm -Lnc -o json has no template of class $c.0.0.0/8"
done
nc_log "8 addresses of 3 classes, 16 connections: $templates templates ($(grep ' nc  *[0-9./]*$' "$TMPDIR/lnc" | awk '{ print $NF }' | paste -sd' '))"

nc_log "section 1 done after ${SECONDS} s"
# 2. The timer. P is the persistence time; the long connection lasts 6 P
# and the class's next new connection comes 2 P after its last one.
P=$((4 * NC_TIME_SCALE))
add_service "$VIP:8080" 8080 -s wlc -p "$P" --pe nc
ncadm dir -A -t "$VIP:8081" -s nc --sticky "${P}s" --nc-pick wlc
for i in 1 2 3; do ipv -a -t "$VIP:8081" -r "$(topo_rs_addr "$i"):8080" -m; done
probe cli --to "$VIP:8080" --from 71.1.0.1 --hold-ms $((6 * P * 1000)) > "$TMPDIR/long-pe" &
long_pe=$!
probe cli --to "$VIP:8081" --from 72.1.0.1 --hold-ms $((6 * P * 1000)) > "$TMPDIR/long-sched" &
long_sched=$!
active() {	# SERVICE: the real servers with an active connection
	ipv -Ln -t "$1" | awk '$1 == "->" && $2 ~ /^[0-9]/ && $5 > 0 { print $2 }' | sort | paste -sd' '
}
nc_wait 30 "the long connections are not both active" \
	eval '[ -n "$(active "$VIP:8080")" ] && [ -n "$(active "$VIP:8081")" ]'
sleep $((2 * P))
# Made to disagree: wlc sends a new class elsewhere than the busy server.
probe cli --to "$VIP:8080" --from 73.1.0.1 > "$TMPDIR/other-pe"
probe cli --to "$VIP:8081" --from 74.1.0.1 > "$TMPDIR/other-sched"
probe cli --to "$VIP:8080" --from 71.2.0.1 > "$TMPDIR/again-pe"
probe cli --to "$VIP:8081" --from 72.2.0.1 > "$TMPDIR/again-sched"
busy_pe=$(active "$VIP:8080") busy_sched=$(active "$VIP:8081")
pkill -f -- "--hold-ms" 2>/dev/null || true
wait "$long_pe" "$long_sched" 2>/dev/null || true
nc_log "--pe nc: class 71's open connection on $busy_pe; after $((2 * P)) s (persistence $P s): 71.2.0.1 -> $(probe_server "$TMPDIR/again-pe" 71.2.0.1), new class 73 (wlc) -> $(probe_server "$TMPDIR/other-pe" 73.1.0.1)"
nc_log "-s nc: class 72's open connection on $busy_sched; after $((2 * P)) s (sticky $P s): 72.2.0.1 -> $(probe_server "$TMPDIR/again-sched" 72.2.0.1), new class 74 (wlc) -> $(probe_server "$TMPDIR/other-sched" 74.1.0.1)"
[ "$(probe_server "$TMPDIR/other-pe" 73.1.0.1)" != "$(probe_server "$TMPDIR/long-pe" 71.1.0.1)" ] ||
	nc_fail "wlc did not avoid the busy server: the test cannot tell a kept class from a re-pick"
expect_eq "class 71 (--pe nc) after the persistence time, its connection open" \
	"$(probe_server "$TMPDIR/again-pe" 71.2.0.1)" "$(probe_server "$TMPDIR/long-pe" 71.1.0.1)"
[ "$(probe_server "$TMPDIR/again-sched" 72.2.0.1)" != "$(probe_server "$TMPDIR/long-sched" 72.1.0.1)" ] ||
	nc_fail "the nc scheduler kept class 72 past its sticky time (expected a wlc re-pick)"

nc_log "section 2 done after ${SECONDS} s"
# 3. Lifecycle: services and templates of the engine hold the module.
# Deleting a service leaves its templates to their timers (600 s x
# NC_TIME_SCALE here);
# deleting the namespace flushes them.
! rmmod ip_vs_nc 2>/dev/null || nc_fail "rmmod ip_vs_nc succeeded while services use it"
ipv -D -t "$VIP:8081"
ipv -D -t "$VIP:80"
ipv -D -t "$VIP:8080"
left=$(topo_exec dir cat /proc/net/ip_vs_conn | grep -c ' nc ' || true)
[ "$left" -gt 0 ] || nc_fail "no template left after deleting the services"
! rmmod ip_vs_nc 2>/dev/null || nc_fail "rmmod ip_vs_nc succeeded while $left templates of the engine exist"
ip netns del dir
topo_unload_nc "after the namespace with $left templates was deleted"
nc_log "rmmod refused with services, then with $left templates left; clean after the namespace went"
nc_log "section 3 done after ${SECONDS} s"
echo "PASS: nc_pe"
