#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-smp: 4
# New classes arriving on four CPUs at once (the line above gives the
# guest four vCPUs, in make check and the debug check alike):
# schedule() picks and stores without a lock of ours, so two CPUs can miss the same class together; the one that stores
# second must follow the first. Four probes, each pinned to its own CPU
# (a locally sent SYN is scheduled on the CPU that sends it), connect from
# the same 256 /32 classes in the same order at the same moment, with the
# wlc first pick (on which racing CPUs could choose differently).
# Asserted: every class got all its answers from one server, that server
# is the one its entry holds, the table holds exactly the 256 classes,
# and 256 classes were new (the rest followed an entry).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

cpus=$(nproc)
[ "$cpus" -ge 4 ] || nc_fail "needs 4 vCPUs, has $cpus"
topo_setup_director
topo_add_servers 4
classes=$TMPDIR/classes
for n in $(seq 1 256); do echo "100.64.$((n / 256)).$((n % 256))"; done > "$classes"
topo_add_clients $(cat "$classes")
ncadm_service dir "$VIP:80" 4 --nc-pick wlc --nc-key /32

for cpu in 0 1 2 3; do
	topo_exec cli taskset -c "$cpu" "$NC_BIN/ncprobe" connect --to "$VIP:80" \
		--from-file "$classes" > "$TMPDIR/answers.$cpu" &
done
wait
cat "$TMPDIR"/answers.? > "$TMPDIR/answers"
expect_eq "answers" "$(awk '$2 != "-"' "$TMPDIR/answers" | wc -l)" 1024
split=$(sort -u "$TMPDIR/answers" | awk '{ print $1 }' | uniq -d | wc -l)
nc_log "4 CPUs x 256 new classes: $split classes answered by more than one server"
expect_eq "classes answered by two servers" "$split" 0

ncadm dir --nc-table "$VIP:80" | awk 'NR > 2 { sub("/32$", "", $1); print $1, $2 }' | sort > "$TMPDIR/table"
expect_eq "classes in the table" "$(wc -l < "$TMPDIR/table")" 256
sort -u "$TMPDIR/answers" | while read -r client server; do
	echo "$client 10.255.0.$((10 + ${server#rs})):80"
done | sort > "$TMPDIR/expected"
expect_eq "entries holding the server that answered" "$(comm -3 "$TMPDIR/table" "$TMPDIR/expected" | wc -l)" 0
expect_eq "new classes" "$(ncadm_counter dir "$VIP:80" new)" 256
expect_eq "lookups" "$(ncadm_counter dir "$VIP:80" lookups)" 1024
echo "PASS: nc_smp"
