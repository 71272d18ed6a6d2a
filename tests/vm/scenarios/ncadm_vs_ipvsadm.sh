#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ncadm's ipvsadm listings are byte-identical to ipvsadm's for the same
# kernel state, over many kinds of service; -S/-R round trips between the
# two tools; a bad restore file changes nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 4
modprobe ip_vs_rr; modprobe ip_vs_wlc; modprobe ip_vs_sh; modprobe ip_vs_mh; modprobe ip_vs_lc; modprobe ip_vs_dh
ipv() { topo_exec dir ipvsadm "$@"; }
ipv -A -t "$VIP:80" -s rr
ipv -a -t "$VIP:80" -r "$(topo_rs_addr 1):80" -m
ipv -a -t "$VIP:80" -r "$(topo_rs_addr 2):80" -m -w 3 -x 100 -y 50
ipv -a -t "$VIP:80" -r "$(topo_rs_addr 3)" -g -w 0
ipv -A -t "$VIP:443" -s wlc -p 600 -M 255.255.255.0
ipv -a -t "$VIP:443" -r "$(topo_rs_addr 4):443" -m -w 7
ipv -A -u "$VIP:53" -s sh -b sh-fallback,sh-port
ipv -a -u "$VIP:53" -r "$(topo_rs_addr 1):5353" -m
ipv -A -f 7 -s mh -b mh-port
ipv -a -f 7 -r "$(topo_rs_addr 2)" -m
ipv -A -f 8 -6 -s rr
ipv -A -t "[$VIP6]:80" -s lc -p 300 -M 64
ipv -a -t "[$VIP6]:80" -r "[$(rs6_addr 1)]:80" -m -w 2
ipv -A -t "$VIP:8080" -s nc -b flag-1,flag-3
ipv -a -t "$VIP:8080" -r "$(topo_rs_addr 1):80" -m
ipv -A --sctp-service "$VIP:99" -s dh
ipv -A -t "$VIP:81" -s wlc -p
ipv -A -t 10.0.0.5:21 -s rr
ipv -A -u "$VIP:54" -s rr -o
ipv -A -t 203.0.113.7:80 -s rr
ipv -a -t 203.0.113.7:80 -r "$(topo_rs_addr 4):80" -m
# Tunnel servers, ipip and gue: the listings must cover their columns
# (Debian's kernels have both modules; a kernel without them fails here).
modprobe ipip || nc_fail "modprobe ipip"
modprobe fou || nc_fail "modprobe fou"
ipv -a -t "$VIP:80" -r 10.255.0.99 -i -w 2 || nc_fail "ipvsadm cannot add an ipip real server"
ipv -a -t "$VIP:443" -r 10.255.0.98 -i --tun-type gue --tun-port 6080 --tun-csum ||
	nc_fail "ipvsadm cannot add a gue real server"
expect_eq "tunnel servers listed by ipvsadm -Ln" "$(ipv -Ln | grep -c ' Tunnel ')" 2
# the nc persistence engine: templates whose data ipvsadm prints
ipv -A -t "$VIP:83" -s wlc -p 600 --pe nc
ipv -a -t "$VIP:83" -r "$(topo_rs_addr 1):80" -m
ipv -a -t "$VIP:83" -r "$(topo_rs_addr 2):80" -m
topo_add_clients 61.1.0.1 62.1.0.1 61.2.0.1
probe cli --to "$VIP:80" --from 61.1.0.1,62.1.0.1 --count 3 > /dev/null || true
probe cli --to "$VIP:83" --from 61.1.0.1,61.2.0.1,62.1.0.1 > /dev/null
expect_eq "nc templates listed by ipvsadm" "$(ipv -Lnc --persistent-conn | grep -c ' nc  *6[12]\.0\.0\.0/8$' || true)" 2

# same ARGS...: ncadm ARGS prints what ipvsadm ARGS prints. The state
# moves (connection timers count down, the rate estimator runs), so ncadm
# runs between two ipvsadm runs and must print what one of them printed.
# In connection listings the expire column can tick between all three
# runs (a CI run saw five tries in a row fail so), so there it is enough
# that every expire time lies between the two ipvsadm runs'.
same() {
	local a b c try matched=0 conns=0
	case " $* " in *" -Lc "*|*" -Lnc "*) conns=1 ;; esac
	for try in 1 2 3 4 5; do
		a=$(ipv "$@" 2>&1) || true
		b=$(ncadm dir "$@" 2>&1) || true
		c=$(ipv "$@" 2>&1) || true
		if [ "$b" = "$a" ] || [ "$b" = "$c" ] ||
		   { [ "$conns" = 1 ] && expires_between "$a" "$b" "$c"; }; then
			matched=1; break
		fi
	done
	if [ "$matched" = 0 ]; then
		echo "--- ipvsadm $*"; echo "$a"; echo "--- ncadm $*"; echo "$b"
		diff <(echo "$a") <(echo "$b") || true
		nc_fail "ncadm $* differs from ipvsadm"
	fi
	nc_log "same: $* ($(echo "$a" | wc -l) lines)"
}
# expires_between BEFORE MIDDLE AFTER: three connection listings that are
# identical but for the expire column (MM:SS, 2nd field), where every
# line's expire time in MIDDLE lies between BEFORE's and AFTER's.
expires_between() {
	local mask='s/^([A-Z]+ +)[0-9]+:[0-9][0-9] /\1--:-- /' m2
	m2=$(sed -E "$mask" <<<"$2")
	[ "$(sed -E "$mask" <<<"$1")" = "$m2" ] && [ "$m2" = "$(sed -E "$mask" <<<"$3")" ] || return 1
	paste -d'|' <(echo "$1") <(echo "$2") <(echo "$3") | awk -F'|' '
		function secs(line,  f) { split(line, f, " "); if (f[2] !~ /^[0-9]+:[0-9][0-9]$/) return -1
			split(f[2], t, ":"); return t[1] * 60 + t[2] }
		{ a = secs($1); b = secs($2); c = secs($3)
		  if (a >= 0 && !(b <= a && b >= c)) bad = 1 }
		END { exit bad }'
}
for args in "-Ln" "-L" "-l -n" "-Ln --stats" "-Ln --stats --exact" "-L --stats" "-Ln --thresholds" \
	"-Ln --persistent-conn" "-Ln --nosort" "-Ln -t $VIP:80" "-Ln -f 7" "-Ln -t [$VIP6]:80" \
	"-Ln -u $VIP:53 --stats" "-Ln --rate" "-Lnc" "-Lc" "-Lnc --persistent-conn" "-Lc --persistent-conn" "-L --timeout" "-Ln --tun-info"; do
	same $args
done
ncadm dir --set 100 20 30
expect_eq "timeouts set by ncadm" "$(ipv -L --timeout)" "Timeout (tcp tcpfin udp): 100 20 30"

# -S: identical but for the nc options ncadm adds to nc services (and the
# engine's class key to --pe nc services).
strip_nc() { sed -E 's/ --(sticky|nc-key) .*$//'; }
expect_eq "ncadm -S -n" "$(ncadm dir -S -n | strip_nc)" "$(ipv -S -n)"
expect_eq "ncadm -S" "$(ncadm dir -S | strip_nc)" "$(ipv -S)"
ncadm dir -S -n | grep -q -- "-A -t $VIP:8080 -s nc -b flag-1,flag-3 --sticky 30m --nc-key classful,/48 --nc-pick hash --nc-drain repick" ||
	nc_fail "ncadm -S does not save the nc policy: $(ncadm dir -S -n | grep 8080)"

# Round trips.
before=$(ipv -S -n)
ipv -S -n > "$TMPDIR/ipvsadm.rules"
ncadm dir -C
ncadm dir -R < "$TMPDIR/ipvsadm.rules"
expect_eq "ipvsadm -S | ncadm -R" "$(ipv -S -n)" "$before"
ncadm dir -E -t "$VIP:8080" --sticky 2h --nc-subnet 172,100.64.0.0/10 -b flag-1
ncadm dir -S -n > "$TMPDIR/ncadm.rules"
saved_policy=$(ncadm dir -L --nc "$VIP:8080")
ncadm dir -C
ncadm dir -R < "$TMPDIR/ncadm.rules"
expect_eq "ncadm -S | ncadm -R: nc policy" "$(ncadm dir -L --nc "$VIP:8080" | head -2)" "$(echo "$saved_policy" | head -2)"
grep -q -- "-A -t $VIP:83 -s wlc -p 600 --pe nc --nc-key octet,/48\$" "$TMPDIR/ncadm.rules" ||
	nc_fail "ncadm -S does not save the engine's class key: $(grep ":83 " "$TMPDIR/ncadm.rules")"
grep -v -- "-s nc\|8080\|$VIP:83 " "$TMPDIR/ncadm.rules" > "$TMPDIR/plain.rules"
ipv -C
ipv -R < "$TMPDIR/plain.rules"
expect_eq "ncadm -S | ipvsadm -R (services without nc)" "$(ipv -S -n)" "$(echo "$before" | grep -v "8080\|$VIP:83 ")"

# A bad restore file applies nothing and names the line.
state=$(ipv -S -n)
printf -- '-A -t 192.0.2.50:80 -s rr\n-a -t 192.0.2.50:80 -r 10.255.0.11:80 -w 99999\n' > "$TMPDIR/bad.rules"
if out=$(ncadm dir -R < "$TMPDIR/bad.rules" 2>&1); then nc_fail "bad restore file accepted"; fi
expect_eq "bad restore message" "$out" "ncadm: restore line 2: weight '99999' out of range 0..65535"
expect_eq "state after a bad restore file" "$(ipv -S -n)" "$state"

# Bad commands, refused by ncadm or by the kernel: one line, non-zero
# exit, and the kernel state as it was.
state=$(ipv -S -n)
while read -r args; do
	# shellcheck disable=SC2086 # word splitting wanted
	if out=$(ncadm dir $args 2>&1); then nc_fail "ncadm $args succeeded"; fi
	[ "$(echo "$out" | wc -l)" = 1 ] || nc_fail "ncadm $args: more than one line: $out"
	expect_eq "state after 'ncadm $args' ($out)" "$(ipv -S -n)" "$state"
	nc_log "refused: ncadm $args: $out"
	case $args in
	*nosuchsched*) expect_eq "unknown scheduler" "$out" \
		"ncadm: adding service TCP $VIP:90: scheduler 'nosuchsched' not found (modprobe ip_vs_nosuchsched)" ;;
	-d*) expect_eq "unknown real server" "$out" \
		"ncadm: deleting real server of TCP $VIP:80: no such real server" ;;
	esac
done <<EOF_BAD
-A -t $VIP:80 -s rr
-A -t $VIP:90 -s nosuchsched
-A -t $VIP:90 -s rr -p 60 --pe nosuchpe
-E -t $VIP:90 -s rr
-a -t $VIP:90 -r 10.255.0.11:80
-a -t $VIP:80 -r 10.255.0.11:80 -m
-d -t $VIP:80 -r 10.255.0.77:80
-e -t $VIP:80 -r 10.255.0.77:80 -w 2
-D -u $VIP:80
-A -t $VIP:91 -s nc --nc-max-entries 99999999
-a -t $VIP:80 -r 10.255.0.11:80 -w 70000
--nc-flush $VIP:80
--nc-table $VIP:90
-Z -t $VIP:90
EOF_BAD

# -Z zeroes the counters.
# IPVS folds per-CPU counters into the listed ones every 2 s (estimator):
# zero only after this traffic has been folded in (every connection is
# counted when it is scheduled, answered or not).
listed_conns() { ipv -Ln --stats -t "$VIP:80" | awk 'NR == 3 { print $3 }'; }
before_z=$(listed_conns)
probe cli --to "$VIP:80" --from 61.1.0.1 --count 2 > /dev/null || true
nc_wait 30 "the 2 new connections are not counted before -Z (listed: $(listed_conns), before: $before_z)" \
	eval '[ "$(listed_conns)" -ge $((before_z + 2)) ]'
ncadm dir -Z
expect_eq "conns after -Z" "$(listed_conns)" 0
ncadm dir -Ln -o json | grep -q '"services":\[{"service":' || nc_fail "ncadm -Ln -o json"

# One-packet scheduling (-o) and host names, as ipvsadm takes them.
ncadm dir -A -u "$VIP:55" -s wlc -o
ipv -Ln -u "$VIP:55" | grep -q "^UDP  $VIP:55 wlc ops\$" || nc_fail "ncadm -o: $(ipv -Ln -u "$VIP:55")"
ncadm dir -A -t localhost:82 -s rr
ncadm dir -a -t localhost:82 -r localhost:8082 -m
ipv -Ln -t 127.0.0.1:82 | grep -q -- "-> 127.0.0.1:8082 " || nc_fail "host names: $(ipv -Ln)"

# The connection sync daemon: started, listed and stopped by either tool.
ncadm dir --start-daemon master --mcast-interface br0 --syncid 5 --sync-maxlen 1400 \
	--mcast-group 239.1.2.3 --mcast-port 9000 --mcast-ttl 2
ipv --start-daemon backup --mcast-interface c0 --syncid 6
same -L --daemon
ipv -L --daemon | grep -q "^master sync daemon (mcast=br0, syncid=5, maxlen=1400, group=239.1.2.3, port=9000, ttl=2)$" ||
	nc_fail "master daemon as started by ncadm: $(ipv -L --daemon)"
out=$(ncadm dir -L --daemon -o json)
case $out in
'{"daemons":[{"state":"master","mcast_interface":"br0","syncid":5,"sync_maxlen":1400,"mcast_group":"239.1.2.3","mcast_port":9000,"mcast_ttl":2},{"state":"backup","mcast_interface":"c0","syncid":6,'*'}]}') ;;
*) nc_fail "ncadm -L --daemon -o json: $out" ;;
esac
if out=$(ncadm dir --start-daemon master --mcast-interface br0 2>&1); then nc_fail "second master daemon started"; fi
expect_eq "second master" "$out" "ncadm: a master sync daemon is already running"
ncadm dir --stop-daemon master
ncadm dir --stop-daemon backup
expect_eq "daemons after --stop-daemon" "$(ipv -L --daemon)" ""
if out=$(ncadm dir --stop-daemon backup 2>&1); then nc_fail "stopped a daemon that does not run"; fi
expect_eq "stop without daemon" "$out" "ncadm: no backup sync daemon is running"

# JSON for the other listings.
probe cli --to "$VIP:80" --from 61.1.0.1 --count 1 > /dev/null || true
ncadm dir -Lc -o json | grep -q '^{"connections":\[.*{"protocol":"tcp","state":"[A-Z_]*","expires_s":[0-9]*,"client":{"address":"61.1.0.1","port":[0-9]*},"virtual":{"address":"198.51.100.10","port":80},"server":{"address":"10.255.0.[0-9]*","port":80}}' ||
	nc_fail "ncadm -Lc -o json: $(ncadm dir -Lc -o json)"
expect_eq "timeouts as JSON" "$(ncadm dir -L --timeout --json)" '{"timeouts":{"tcp":100,"tcpfin":20,"udp":30}}'
echo "PASS: ncadm_vs_ipvsadm"
