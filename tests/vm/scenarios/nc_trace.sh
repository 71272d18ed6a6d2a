#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module's tracepoints (kmod/nc_trace.h), read from tracefs and counted
# by bpftrace, against known traffic on one nc service (three servers, a
# 6-entry cap, drain rule repick): five new classes give five nc_new
# (pick hash, why new, the server that answered) and a second connection
# of each none (a hit has no event); a seventh class overflows the cap
# (nc_overflow, its nc_new still there); a drained server's class is
# moved at its next connection (nc_repick drained, then nc_new moved to
# another server); a removed server's classes are dropped at once
# (nc_repick removed, exactly the classes the table had on it); a shorter
# sticky time lets the collector expire the rest (nc_expire collector,
# idle at least the sticky time). Every event type counts exactly the
# steps of its counter (new, overflow, repicked, expired). bpftrace,
# attached to nc_new and nc_overflow, and perf stat count the same as
# tracefs for a last round of three new classes.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

tr=/sys/kernel/tracing
svc=$VIP:80
topo_setup_director
topo_add_servers 3
ncadm_service dir "$svc" 3 --sticky 5m --nc-max-entries 6 --nc-drain repick
topo_add_clients 10.0.0.1 11.0.0.1 12.0.0.1 13.0.0.1 14.0.0.1 15.0.0.1 16.0.0.1 \
	20.0.0.1 21.0.0.1 22.0.0.1

expect_eq "events of ip_vs_nc" "$(cd $tr/events/ip_vs_nc && ls -d nc_* | paste -sd' ')" \
	"nc_expire nc_new nc_overflow nc_repick"
# The clock of /proc/uptime, so that trace times and listings compare.
echo boot > $tr/trace_clock
echo > $tr/trace
echo 1 > $tr/events/ip_vs_nc/enable

# events NAME [PATTERN]: how many NAME events the trace holds (matching
# PATTERN, an extended regular expression on the line).
events() {
	grep " $1: " $tr/trace | grep -Ec -- "${2:-.}" || true
}
# The event lines of NAME, without the task/CPU/time columns.
event_lines() {
	grep " $1: " $tr/trace | sed 's/.* \(nc_[a-z]*: \)/\1/' || true
}
counter() { ncadm_counter dir "$svc" "$1"; }
rs_of() { topo_rs_addr "${1#rs}"; }	# rsN -> its address
declare -A before
for c in new expired repicked overflow; do before[$c]=$(counter $c); done

# Five new classes, twice each: five nc_new, hits silent.
probe cli --to "$svc" --from 10.0.0.1,11.0.0.1,12.0.0.1,13.0.0.1,14.0.0.1 --count 2 > "$TMPDIR/first"
expect_eq "nc_new events after 5 new classes, 10 connections" "$(events nc_new)" 5
for o in 10 11 12 13 14; do
	srv=$(probe_server "$TMPDIR/first" "$o.0.0.1")
	expect_eq "nc_new of class $o" "$(event_lines nc_new | grep -c "class $o.0.0.0/8 server $(rs_of "$srv"):80 pick hash why new$" || true)" 1
done
event_lines nc_new | head -n 1 | sed 's/^/# /'

# The cap: class 15 is the sixth entry, class 16 overflows.
probe cli --to "$svc" --from 15.0.0.1 > /dev/null
probe cli --to "$svc" --from 16.0.0.1 > "$TMPDIR/over"
expect_eq "nc_overflow events" "$(events nc_overflow)" 1
expect_eq "nc_overflow of class 16" "$(events nc_overflow "class 16.0.0.0/8 max_entries 6$")" 1
expect_eq "nc_new of the class not stored" "$(events nc_new "class 16.0.0.0/8 server $(rs_of "$(probe_server "$TMPDIR/over" 16.0.0.1)"):80 pick hash why new$")" 1
expect_eq "table" "$(ncadm_table_classes dir "$svc")" "10.0.0.0/8 11.0.0.0/8 12.0.0.0/8 13.0.0.0/8 14.0.0.0/8 15.0.0.0/8"

# Drain class 10's server: its next connection moves it.
drained=$(rs_of "$(probe_server "$TMPDIR/first" 10.0.0.1)")
ncadm dir -e -t "$svc" -r "$drained:80" -m -w 0
probe cli --to "$svc" --from 10.0.0.1 > "$TMPDIR/moved"
moved_to=$(rs_of "$(probe_server "$TMPDIR/moved" 10.0.0.1)")
[ "$moved_to" != "$drained" ] || nc_fail "class 10 stayed on its drained server $drained"
expect_eq "nc_repick of class 10" "$(events nc_repick "class 10.0.0.0/8 server $drained:80 reason drained$")" 1
expect_eq "nc_new of class 10 (moved)" "$(events nc_new "class 10.0.0.0/8 server $moved_to:80 pick hash why moved$")" 1

# Remove the server class 11 is on: every class the table has there is
# dropped at once, one nc_repick each.
gone=$(ncadm_table_server dir "$svc" 11.0.0.0/8)
gone=${gone%:80}
on_gone=$(ncadm dir --nc-table "$svc" | awk -v s="$gone:80" 'NR > 2 && $2 == s { print $1 }' | sort | paste -sd' ')
[ -n "$on_gone" ] || nc_fail "no class on $gone to drop"
ncadm dir -d -t "$svc" -r "$gone:80"
expect_eq "classes dropped with $gone (nc_repick removed)" \
	"$(event_lines nc_repick | sed -n "s|.* class \([^ ]*\) server $gone:80 reason removed$|\1|p" | sort | paste -sd' ')" "$on_gone"

# A 2 s sticky time: the collector expires what is left, one nc_expire
# each, whose idle time is the entry's: what --nc-table said, plus the
# time from the listing to the event (the clock read before and after the
# listing bounds it, to ticks and the clocks' 10 ms, however slow the
# guest is).
left=$(ncadm_table_classes dir "$svc")
t1=$(cut -d' ' -f1 /proc/uptime)
ncadm dir --nc-table "$svc" -o json | grep -o '"class":"[^"]*","server":"[^"]*","age_ms":[0-9]*,"idle_ms":[0-9]*' |
	sed 's/"class":"\([^"]*\)".*"idle_ms":\([0-9]*\)/\1 \2/' > "$TMPDIR/idle0"
t2=$(cut -d' ' -f1 /proc/uptime)
ncadm dir -E -t "$svc" -s nc --sticky 2s --nc-max-entries 6 --nc-drain repick
nc_wait_eq 120 "table after the collector" "" ncadm_table_classes dir "$svc"
expect_eq "classes the collector expired (nc_expire)" \
	"$(event_lines nc_expire | sed -n 's|.* class \([^ ]*\) server .* at collector$|\1|p' | sort | paste -sd' ')" "$left"
grep ' nc_expire: ' $tr/trace > "$TMPDIR/expire"
wrong=$(awk -v t1="$t1" -v t2="$t2" 'NR == FNR { idle[$1] = $2; next }
	{
		for (i = 2; i < NF; i++) {
			if ($i == "nc_expire:") { ts = $(i - 1); sub(/:$/, "", ts) }
			if ($i == "class") c = $(i + 1)
			if ($i == "idle_ms") ms = $(i + 1)
		}
		lo = idle[c] + (ts - t2) * 1000 - 50
		hi = idle[c] + (ts - t1) * 1000 + 50
		if (!(c in idle) || ms < 2000 || ms < lo || ms > hi)
			printf "%s idle_ms %d, expected %d to %d (listed %d ms idle)\n", c, ms, lo, hi, idle[c]
	}' "$TMPDIR/idle0" "$TMPDIR/expire")
[ -z "$wrong" ] || nc_fail "nc_expire's idle time is not the entry's: $wrong"

# Each event type steps with its counter, no more, no less.
for pair in new:nc_new expired:nc_expire repicked:nc_repick overflow:nc_overflow; do
	c=${pair%%:*} e=${pair#*:}
	expect_eq "$e events against counter $c" "$(events "$e")" "$(( $(counter "$c") - ${before[$c]} ))"
done
nc_log "tracefs: $(for e in nc_new nc_expire nc_repick nc_overflow; do printf '%s %s  ' "$e" "$(events $e)"; done)"

# bpftrace on the same tracepoints: three new classes.
command -v bpftrace > /dev/null || nc_fail "bpftrace is not installed (make deps)"
echo > $tr/trace
bpftrace -e 'tracepoint:ip_vs_nc:nc_new { @new[args->why] = count(); }
	tracepoint:ip_vs_nc:nc_overflow { @overflow = count(); }' > "$TMPDIR/bpftrace" 2>&1 &
bt=$!
nc_wait 300 "bpftrace did not attach: $(cat "$TMPDIR/bpftrace")" grep -q '^Attaching 2 probes' "$TMPDIR/bpftrace"
# perf counts them too, for the probe's run.
perf stat -x, -e ip_vs_nc:nc_new -a -o "$TMPDIR/perf" -- \
	ip netns exec cli "$NC_BIN/ncprobe" connect --to "$svc" --from 20.0.0.1,21.0.0.1,22.0.0.1 > /dev/null ||
	nc_fail "perf stat: $(cat "$TMPDIR/perf")"
kill -INT $bt 2>/dev/null || nc_fail "bpftrace exited before it was stopped: $(cat "$TMPDIR/bpftrace")"
wait $bt || nc_fail "bpftrace exited with status $?: $(cat "$TMPDIR/bpftrace")"
sed 's/^/# bpftrace: /' "$TMPDIR/bpftrace"
expect_eq "bpftrace's nc_new count (why new)" "$(sed -n 's/^@new\[0\]: //p' "$TMPDIR/bpftrace")" 3
expect_eq "tracefs's nc_new count" "$(events nc_new "why new$")" 3
expect_eq "perf's nc_new count" "$(awk -F, '$3 == "ip_vs_nc:nc_new" { print $1 }' "$TMPDIR/perf")" 3
expect_eq "bpftrace's nc_overflow count" "$(sed -n 's/^@overflow: //p' "$TMPDIR/bpftrace")" 0

echo 0 > $tr/events/ip_vs_nc/enable
echo "PASS: nc_trace"
