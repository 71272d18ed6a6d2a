# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/vm/lib/assert.sh - how a VM scenario fails, logs and waits
# (sourced by topo.sh). nc_fail ends the scenario naming the problem, from
# wherever it is called: it also records the failure in the job's failure
# file (NC_VM_FAILURES, set by tests/vm/guest-init), which tests/vm/run
# turns into a failed test even when nc_fail only left a command
# substitution, a pipeline, a subshell or a background job;
# nc_wait* poll with a bound far above the usual time; expect_* compare;
# nc_entry_cache_objects reads the module's entry cache.

# Scenarios whose assertions race a timer stretch their times by this
# factor; tests/debug-kernel/check sets it, since KASAN and lockdep make
# every connection several times slower.
NC_TIME_SCALE=${NC_TIME_SCALE:-1}

nc_fail() {
	echo "FAIL: $*" >&2
	[ -z "${NC_VM_FAILURES:-}" ] || echo "FAIL: $*" >> "$NC_VM_FAILURES"
	exit 1
}

# A background job that fails must be counted: the scenario's end waits
# for its jobs (topo_cleanup waits too, after stopping the namespaces'
# processes), so their nc_fail lands before the verdict.
trap 'wait' EXIT

nc_log() {
	echo "# $*"
}

# A command that stops a scenario through set -e says so; otherwise a
# failed pipeline in an assignment ends the scenario without a word.
trap 'echo "FAIL: ${BASH_SOURCE[0]##*/} line $LINENO: $BASH_COMMAND (status $?)" >&2' ERR

# nc_wait SECONDS WHAT CMD...: poll CMD (every 0.2 s) until it succeeds;
# fail naming WHAT after SECONDS x NC_TIME_SCALE. Anything that becomes
# true "after a while" (a timer ran, a daemon reacted) is waited for this
# way, with a bound far above the usual time: the verdict must not depend
# on how fast an emulated guest on a busy host happens to be.
nc_wait() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$(( $(date +%s) + secs * NC_TIME_SCALE ))
	until "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || nc_fail "$what (not within $((secs * NC_TIME_SCALE)) s)"
		sleep 0.2
	done
}

# nc_wait_eq SECONDS WHAT EXPECTED CMD...: poll until CMD prints EXPECTED.
nc_wait_eq() {
	local secs=$1 what=$2 want=$3 deadline got
	shift 3
	deadline=$(( $(date +%s) + secs * NC_TIME_SCALE ))
	while got=$("$@"); [ "$got" != "$want" ]; do
		[ "$(date +%s)" -lt "$deadline" ] ||
			nc_fail "$what: '$got', expected '$want' (waited $((secs * NC_TIME_SCALE)) s)"
		sleep 0.2
	done
	echo "ok: $what = $want"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || nc_fail "$1: got '$2', expected '$3'"
}

# expect_err WANT CMD...: CMD fails with one line of error containing WANT.
expect_err() {
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then nc_fail "'$*' succeeded"; fi
	[ "$(echo "$out" | wc -l)" = 1 ] || nc_fail "'$*' printed more than one line: $out"
	case "$out" in *"$want"*) ;; *) nc_fail "'$*' said '$out', expected '$want'" ;; esac
}

# nc_wait_answer NS ADDR:PORT FROM WHAT: poll (60 s) until a server
# answers a connection from FROM in NS.
nc_wait_answer() {
	nc_wait 60 "$4 does not answer on $2" \
		topo_exec "$1" "$NC_BIN/ncprobe" connect --to "$2" --from "$3" --timeout-ms 5000 >/dev/null 2>&1
}

# nc_entry_cache_objects: the objects allocated in ip_vs_nc_entry, the
# module's slab cache, or nothing when it does not exist (the VM boots with
# slab_nomerge, so the cache is never an alias of another).
nc_entry_cache_objects() {
	awk '$1 == "ip_vs_nc_entry" { print $3 }' /proc/slabinfo
}
