#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sticky table's self-test (kmod/selftest/table.c), run at load with
# selftest=1: insert and find, replace an entry in place, expiry by the
# collector, a server's entries dropped (and not stored after it left),
# the entry cap, the table growing to 100 000 classes and shrinking back,
# and threads on every CPU inserting the same classes at once (one entry
# per class, every thread sent where it points); each part gives back every
# server reference it took. Every check must report passed, as many as
# NC_ST_CHECKS in kmod/selftest/table.c says there are (the module refuses
# to load when fewer ran), and the module must then work and unload as
# usual.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

checks=$(sed -n 's/^#define NC_ST_CHECKS[[:space:]]*\([0-9]*\)$/\1/p' "$(dirname "$0")/../../../kmod/selftest/table.c")
[ -n "$checks" ] || nc_fail "no NC_ST_CHECKS in kmod/selftest/table.c"
modprobe ip_vs || nc_fail "modprobe ip_vs"
insmod "$NC_KMOD" selftest=1 || nc_fail "insmod selftest=1 refused: $(dmesg | grep 'nc self-test' | tail -n 5)"
line=$(dmesg | grep 'nc self-test' || true)
nc_log "$line"
expect_eq "self-test report" "$(printf '%s\n' "$line" | sed -n 's/.*nc self-test: table: \(all [0-9]* checks passed\).*/\1/p')" \
	"all $checks checks passed"
expect_eq "self-test failures" "$(printf '%s\n' "$line" | grep -c 'failed' || true)" 0
cpus=$(nproc)
printf '%s\n' "$line" | grep -q "($cpus CPUs)" || nc_fail "the self-test did not report $cpus CPUs"
expect_eq "selftest parameter" "$(cat /sys/module/ip_vs_nc/parameters/selftest)" Y

# The module the self-test ran in still schedules.
topo_setup_director
topo_add_servers 2
topo_add_clients 10.0.0.1 10.0.0.2 11.0.0.1
ncadm_service dir "$VIP:80" 2
probe cli --to "$VIP:80" --from 10.0.0.1,10.0.0.2,11.0.0.1 --count 3 > "$TMPDIR/answers"
expect_eq "answers" "$(awk '$2 != "-"' "$TMPDIR/answers" | wc -l)" 9
expect_eq "servers of class 10" "$(probe_servers "$TMPDIR/answers" 10.0.0.1 10.0.0.2 | wc -l)" 1
expect_eq "classes in the table" "$(ncadm_table_classes dir "$VIP:80" | paste -sd' ')" "10.0.0.0/8 11.0.0.0/8"
topo_exec dir ipvsadm -C
topo_unload_nc "after the self-test"

# Without the parameter nothing is tested and nothing is said.
dmesg -C
insmod "$NC_KMOD" || nc_fail "insmod without selftest"
expect_eq "self-test lines without selftest=1" "$(dmesg | grep -c 'nc self-test' || true)" 0
rmmod ip_vs_nc
echo PASS
