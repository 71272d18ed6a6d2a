#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input against a configured director changes nothing. First every
# bad command line and bad restore file of tests/cli-errors, run as root
# in the director's namespace: each still gives its one-line error and
# exit 2. Then restore files that parse but that the kernel refuses
# part-way (a service that exists, one that does not, a missing
# scheduler, a missing real server): ncadm -R undoes the lines before
# the refused one. After each, the rules (ncadm -S), the timeouts and the
# nc service's sticky table are what they were.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
svc=$VIP:80
ncadm_service dir "$svc" 3 --sticky 20m --nc-key /16 --nc-subnet 172.16.0.0/12
ncadm dir -A -t "$VIP:81" -s rr
ncadm dir -a -t "$VIP:81" -r "$(topo_rs_addr 1):80" -m -w 3
ncadm dir -a -t "$VIP:81" -r "$(topo_rs_addr 2):80" -m -w 5
ncadm dir -A -t "$VIP:82" -s wlc -p 300 -M 255.255.255.0
ncadm dir -a -t "$VIP:82" -r "$(topo_rs_addr 3):80" -m
ncadm dir -A -u "$VIP:53" -s nc --nc-pick rr
ncadm dir -A -f 7 -s nc --nc-key classful
ncadm dir --set 900 60 300
clients="11.1.0.1 11.2.0.1 12.1.0.1 172.16.1.1 172.20.1.1 13.1.0.1"
topo_add_clients $clients
probe cli --to "$svc" --from "${clients// /,}" > /dev/null

state() {
	ncadm dir -S -n
	ncadm dir -L --timeout
	ncadm dir --nc-table "$svc" | awk 'NR > 2 { print $1, $2 }'
}
state > "$TMPDIR/before"
ncadm dir -S -n > "$TMPDIR/rules-before"
[ "$(grep -c '' "$TMPDIR/before")" -ge 16 ] || nc_fail "the configuration is smaller than expected: $(cat "$TMPDIR/before")"
unchanged() {
	state > "$TMPDIR/now"
	diff -u "$TMPDIR/before" "$TMPDIR/now" >&2 || nc_fail "the kernel state changed after $1"
}

# 1. The host's table of bad command lines and restore files, for real.
out=$(NC_CLI_VALGRIND=0 topo_exec dir "$NC_REPO/tests/cli-errors" "$NC_BIN/ncadm") || nc_fail "cli-errors in the VM: $out"
nc_log "cli-errors against the configured kernel: ${out##*$'\n'}"
unchanged "the bad command lines and restore files"

# 2. Restore files the kernel refuses part-way: the earlier lines are undone.
# expect_restore LINE WORDS FILE: ncadm -R fails with one line naming LINE
# and WORDS, exit 1, and nothing changes.
expect_restore() {
	local line=$1 words=$2 file=$3 out rc
	out=$(printf '%s\n' "$file" | topo_exec dir "$NC_BIN/ncadm" -R 2>&1) && rc=0 || rc=$?
	[ "$rc" = 1 ] || nc_fail "ncadm -R exited $rc, expected 1: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || nc_fail "ncadm -R printed more than one line: $out"
	case "$out" in
	"ncadm: restore line $line: "*"$words"*) ;;
	*) nc_fail "ncadm -R said '$out', expected line $line and '$words'" ;;
	esac
	unchanged "a restore refused at line $line ($words)"
	nc_log "$out"
}
expect_restore 3 "adding service TCP $svc: already exists (the lines before it were undone)" \
	"-A -t $VIP:90 -s nc --sticky 5
-a -t $VIP:90 -r $(topo_rs_addr 1):80 -m
-A -t $svc -s rr"
expect_restore 4 "no such real server (the lines before it were undone)" \
	"-E -t $svc -s nc --sticky 10m --nc-pick wlc
-e -t $VIP:81 -r $(topo_rs_addr 1):80 -m -w 7
-a -t $VIP:82 -r $(topo_rs_addr 1):80 -m
-d -t $VIP:81 -r 10.255.0.99:80"
expect_restore 3 "scheduler 'nosuch' not found" \
	"-D -t $VIP:81
--set 100 20 50
-A -t $VIP:95 -s nosuch"
expect_restore 1 "no such service" "-d -t $VIP:99 -r $(topo_rs_addr 1):80"
# -C drops every table; the rules come back, the nc table cannot.
out=$(printf '%s\n' "-C" "-A -t $VIP:96 -s sh" "-a -t $VIP:97 -r $(topo_rs_addr 1):80 -m" | topo_exec dir "$NC_BIN/ncadm" -R 2>&1) &&
	nc_fail "a restore refused at line 3 succeeded"
case "$out" in *"restore line 3: "*"no such service (the lines before it were undone)") ;; *) nc_fail "ncadm -R said '$out'" ;; esac
ncadm dir -S -n | diff -u "$TMPDIR/rules-before" - >&2 || nc_fail "the rules did not come back after a refused restore starting with -C"

# A good file still applies in full.
printf '%s\n' "-A -t $VIP:98 -s nc --sticky 7" "-a -t $VIP:98 -r $(topo_rs_addr 2):80 -m" | ncadm dir -R
ncadm dir -S -n | grep -q -- "-A -t $VIP:98 -s nc .*--sticky 7" || nc_fail "a good restore file was not applied"
echo "PASS: ncadm_restore"
