#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Who is stuck where, and Prometheus: after known traffic to an -s nc
# service and a --pe nc service, ncadm --nc-summary reports each server's
# classes as the table holds them and the heaviest class first (since first
# seen, and over an interval during which only one class sends); ncadm
# --nc-metrics --textfile writes the series that Debian's real
# prometheus-node-exporter (textfile collector, beside its ipvs collector)
# serves over HTTP with the counters of that traffic, the per-server class
# counts and, after a server's weight goes to 0, its draining classes;
# promtool check metrics accepts the series. ncadm --nc-top under tmux
# shows the same classes per server and the class that sends, and quits
# on q.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
topo_add_holding_servers 3 8081
ncadm_service dir "$VIP:80" 3 --sticky 10m --nc-drain keep
ncadm dir -A -t "$VIP:8080" -s wlc -p 600 --pe nc || nc_fail "ncadm -A --pe nc"
for i in 1 2 3; do
	ncadm dir -a -t "$VIP:8080" -r "$(topo_rs_addr "$i"):8081" -m || nc_fail "ncadm -a rs$i to :8080"
done

# Known traffic. -s nc: class 71 (four clients, 5 connections each: 20)
# and twelve classes of one client and 2 connections: 13 classes,
# 44 lookups, 13 new, 31 hits. --pe nc: three classes of two clients,
# each connection held open (its template controls it until the end).
heavy="71.1.0.1 71.2.0.1 71.3.0.1 71.4.0.1"
light=""
for o in 72 73 74 75 76 77 78 79 81 82 83 84; do light+=" $o.1.0.1"; done
engine="91.1.0.1 91.2.0.1 92.1.0.1 92.2.0.1 93.1.0.1 93.2.0.1"
topo_add_clients $heavy $light $engine
probe cli --to "$VIP:80" --from "${heavy// /,}" --count 5 > "$TMPDIR/heavy"
probe cli --to "$VIP:80" --from "$(echo $light | tr ' ' ,)" --count 2 > "$TMPDIR/light"
for a in $engine; do
	probe cli --to "$VIP:8080" --from "$a" --hold-ms 600000 > "$TMPDIR/engine.$a" &
done
expect_eq "answers to the -s nc service" "$(cat "$TMPDIR/heavy" "$TMPDIR/light" | grep -vc ' -$')" 44
engine_answers() { cat "$TMPDIR"/engine.* | grep -c ' rs[0-9]$' || true; }
nc_wait_eq 120 "answers to the --pe nc service" 6 engine_answers

# The table per server, as --nc-table lists it: the reference.
ncadm dir --nc-table "$VIP:80" > "$TMPDIR/table"
table_count() { awk -v s="$(topo_rs_addr "$1"):80" 'NR > 2 && $2 == s' "$TMPDIR/table" | wc -l; }
expected_counts="$(table_count 1) $(table_count 2) $(table_count 3)"
nc_log "classes per server in the table: $expected_counts"
heavy_server=$(awk '$1 == "71.0.0.0/8" { print $2 }' "$TMPDIR/table")
[ -n "$heavy_server" ] || nc_fail "class 71 is not in the table: $(cat "$TMPDIR/table")"

# send_from_72 / stop_sending: class 72 connects in a loop in between.
send_from_72() {
	touch "$TMPDIR/sending"
	(
		while [ -e "$TMPDIR/sending" ]; do
			probe cli --to "$VIP:80" --from 72.1.0.1 > /dev/null || nc_fail "class 72's connection in a loop"
		done
	) &
	sender=$!
}
stop_sending() {
	rm "$TMPDIR/sending"
	wait "$sender"
}

# 1. --nc-summary, since first seen: per-server classes, class 71 first.
ncadm dir --nc-summary "$VIP:80" --interval 0 --top 1 -o json > "$TMPDIR/summary.json"
ncadm dir --nc-summary "$VIP:80" --interval 0 --top 3
json_servers() { grep -o '"address":"10.255.0.1[0-9]","port":80,"weight":[0-9]*,"draining":[a-z]*,"classes":[0-9]*' "$1"; }
summary_counts=$(json_servers "$TMPDIR/summary.json" | sed 's/.*"classes"://' | paste -sd' ')
expect_eq "--nc-summary classes per server" "$summary_counts" "$expected_counts"
grep -q '"mode":"scheduler","classes":13,' "$TMPDIR/summary.json" ||
	nc_fail "--nc-summary does not count 13 classes: $(cat "$TMPDIR/summary.json")"
grep -q "\"top\":\[{\"class\":\"71.0.0.0/8\",\"server\":\"$heavy_server\",\"conns\":20," "$TMPDIR/summary.json" ||
	nc_fail "--nc-summary's heaviest class is not 71 with 20 connections on $heavy_server: $(cat "$TMPDIR/summary.json")"

# Over an interval: only class 72 sends while the summary watches (a
# loop that starts before it and stops after it), so 72 leads and 71,
# silent, weighs 0.
send_from_72
ncadm dir --nc-summary "$VIP:80" --interval 3 --top 13 -o json > "$TMPDIR/interval.json"
stop_sending
grep -q '"interval_ms":3000' "$TMPDIR/interval.json" || nc_fail "no 3 s interval: $(cat "$TMPDIR/interval.json")"
grep -Eq '"top":\[\{"class":"72.0.0.0/8","server":"[^"]*","conns":[1-9]' "$TMPDIR/interval.json" ||
	nc_fail "class 72 does not lead the 3 s interval: $(cat "$TMPDIR/interval.json")"
grep -q '{"class":"71.0.0.0/8","server":"[^"]*","conns":0,' "$TMPDIR/interval.json" ||
	nc_fail "class 71 sent nothing in the interval but weighs otherwise: $(cat "$TMPDIR/interval.json")"

# The engine's summary: three templates, two connections each.
ncadm dir --nc-summary "$VIP:8080" -o json > "$TMPDIR/engine.json"
ncadm dir --nc-summary "$VIP:8080"
grep -q '"mode":"engine","classes":3,' "$TMPDIR/engine.json" ||
	nc_fail "--nc-summary of --pe nc does not count 3 templates: $(cat "$TMPDIR/engine.json")"
expect_eq "connections each template controls" \
	"$(sed 's/.*"top"://' "$TMPDIR/engine.json" | grep -o '"conns":[0-9]*' | paste -sd' ')" \
	'"conns":2 "conns":2 "conns":2'

# 2. The metrics, through node_exporter's textfile collector.
textdir=$TMPDIR/textfile
mkdir "$textdir"
prom=$textdir/ip_vs_nc.prom
ncadm dir --nc-metrics --textfile "$prom" || nc_fail "ncadm --nc-metrics --textfile"
[ -z "$(find "$textdir" -name '*.tmp.*')" ] || nc_fail "a temporary file was left in $textdir"
promtool check metrics < "$prom" || nc_fail "promtool check metrics refuses ncadm's series: $(cat "$prom")"
topo_exec dir setsid -f prometheus-node-exporter --web.listen-address=127.0.0.1:9100 \
	--collector.disable-defaults --collector.textfile --collector.textfile.directory="$textdir" \
	--collector.ipvs > "$TMPDIR/node-exporter.log" 2>&1
scrape() { topo_exec dir curl -sf http://127.0.0.1:9100/metrics > "$TMPDIR/scrape"; }
nc_wait 60 "node_exporter does not answer on 127.0.0.1:9100" scrape
grep -q '^node_textfile_scrape_error 0$' "$TMPDIR/scrape" ||
	nc_fail "node_exporter could not read the textfile: $(grep textfile "$TMPDIR/scrape"; cat "$TMPDIR/node-exporter.log")"
grep '^ipvs_nc_\|^# [A-Z]* ipvs_nc_' "$TMPDIR/scrape" > "$TMPDIR/scraped.prom"
promtool check metrics < "$TMPDIR/scraped.prom" || nc_fail "promtool check metrics refuses the scraped series"

svc="local_address=\"$VIP\",local_mark=\"\",local_port=\"80\",proto=\"TCP\""
eng="local_address=\"$VIP\",local_mark=\"\",local_port=\"8080\",proto=\"TCP\""
# series NAME LABELS: its value in the scrape (node_exporter sorts labels).
series() { awk -v k="$1{$2}" '$1 == k { print $2 }' "$TMPDIR/scrape"; }
server() { echo "$1,remote_address=\"$(topo_rs_addr "$2")\",remote_port=\"80\""; }
lookups=$(ncadm_counter dir "$VIP:80" lookups)
[ "$lookups" -gt 44 ] || nc_fail "lookups $lookups: class 72's interval traffic is missing"
expect_eq "ipvs_nc_lookups_total" "$(series ipvs_nc_lookups_total "$svc")" "$lookups"
expect_eq "ipvs_nc_hits_total" "$(series ipvs_nc_hits_total "$svc")" "$((lookups - 13))"
expect_eq "ipvs_nc_new_classes_total" "$(series ipvs_nc_new_classes_total "$svc")" 13
expect_eq "ipvs_nc_classes" "$(series ipvs_nc_classes "$svc")" 13
expect_eq "ipvs_nc_classes of the --pe nc service" "$(series ipvs_nc_classes "$eng")" 3
expect_eq "ipvs_nc_server_classes" \
	"$(series ipvs_nc_server_classes "$(server "$svc" 1)") $(series ipvs_nc_server_classes "$(server "$svc" 2)") $(series ipvs_nc_server_classes "$(server "$svc" 3)")" \
	"$expected_counts"
# The same labels as node_exporter's ipvs collector: the two join.
[ -n "$(series node_ipvs_backend_weight "$(server "$svc" 1)")" ] ||
	nc_fail "no node_ipvs_backend_weight with the labels of ipvs_nc_server_classes: $(grep node_ipvs_backend_weight "$TMPDIR/scrape")"
grep -qx "ipvs_nc_service_info{drain=\"\",key=\"\",$(echo "$eng" | sed 's/,proto=/,mode="engine",pick="",proto=/')} 1" \
	"$TMPDIR/scrape" || nc_fail "no ipvs_nc_service_info of the --pe nc service: $(grep ipvs_nc_service_info "$TMPDIR/scrape")"
# Cardinality as docs/operations.md counts it: 1 + (14 + 4 x 3) for the
# -s nc service + (3 + 4 x 3) for the --pe nc one.
expect_eq "ipvs_nc_ samples for two services of three servers" "$(grep -c '^ipvs_nc_' "$TMPDIR/scrape")" 44

# 3. The live view, in a terminal under tmux: the same per-server classes,
# class 72 (sending in a loop) the heaviest of the last second with a
# lookup rate above 0, and q quits with status 0.
export TERM=xterm
tm() { tmux -S "$TMPDIR/tmux.sock" "$@"; }
send_from_72
tm new-session -d -s top -x 120 -y 40 \
	"ip netns exec dir $NC_BIN/ncadm --nc-top $VIP:80 --interval 1 --top 3; echo \"status \$?\" > $TMPDIR/top.rc; sleep 600"
screen() { tm capture-pane -p -t top > "$TMPDIR/screen"; }
shows_traffic() {
	screen
	grep -q "^TCP $VIP:80 nc: 13 classes  lookups [1-9][0-9.]*/s" "$TMPDIR/screen" &&
		grep -A1 '^  Heaviest class' "$TMPDIR/screen" | grep -q '^  72\.0\.0\.0/8 '
}
nc_wait 120 "the live view does not show class 72's traffic: $(cat "$TMPDIR/screen" 2>/dev/null)" shows_traffic
cat "$TMPDIR/screen"
stop_sending
for i in 1 2 3; do
	grep -Eq "^  $(topo_rs_addr "$i"):80 +1 +$(table_count "$i") " "$TMPDIR/screen" ||
		nc_fail "the live view's line of rs$i does not show its $(table_count "$i") classes: $(cat "$TMPDIR/screen")"
done
tm send-keys -t top q
nc_wait 30 "ncadm --nc-top did not quit on q" test -s "$TMPDIR/top.rc"
expect_eq "ncadm --nc-top after q" "$(cat "$TMPDIR/top.rc")" "status 0"
tm kill-server
expect_err "needs a terminal" ncadm dir --nc-top "$VIP:80"

# 4. Drain: the heavy class's server goes to weight 0 (drain keep: its
# classes stay); the next file shows them as draining.
hs=$(echo "$heavy_server" | sed 's/:80$//')
n=$(awk -v s="$heavy_server" 'NR > 2 && $2 == s' "$TMPDIR/table" | wc -l)
ncadm dir -e -t "$VIP:80" -r "$heavy_server" -m -w 0
ncadm dir --nc-metrics --textfile "$prom"
scrape
expect_eq "ipvs_nc_server_draining of $heavy_server" \
	"$(series ipvs_nc_server_draining "$svc,remote_address=\"$hs\",remote_port=\"80\"")" 1
expect_eq "ipvs_nc_draining_classes" "$(series ipvs_nc_draining_classes "$svc")" "$n"
pkill -f -- "--hold-ms" 2>/dev/null || true
echo "PASS: ops_metrics"
