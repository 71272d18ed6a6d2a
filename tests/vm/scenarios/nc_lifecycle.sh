#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real server removal and module lifecycle: classes stuck to a removed
# server are re-picked onto the remaining ones and no connection reaches
# it again; rmmod is refused while a service uses nc and works after.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
ipvsadm_service dir "$VIP:80" 3
clients="11.0.0.1 12.0.0.1 13.0.0.1 14.0.0.1 15.0.0.1 16.0.0.1"
topo_add_clients $clients
from=${clients// /,}

probe cli --to "$VIP:80" --from "$from" > "$TMPDIR/before"
on_rs1=$(awk '$2 == "rs1" { print $1 }' "$TMPDIR/before" | paste -sd' ')
[ -n "$on_rs1" ] || nc_fail "no class went to rs1: $(cat "$TMPDIR/before")"
nc_log "classes on rs1 before removal: $on_rs1"

topo_exec dir ipvsadm -d -t "$VIP:80" -r "$(topo_rs_addr 1):80"
probe cli --to "$VIP:80" --from "$from" --count 3 > "$TMPDIR/after"
! grep -q ' rs1$' "$TMPDIR/after" || nc_fail "a connection reached the removed server rs1"
for a in $clients; do
	[ "$(probe_servers "$TMPDIR/after" "$a" | wc -l)" = 1 ] || nc_fail "client $a split after the removal"
	case " $on_rs1 " in
	*" $a "*) ;;
	*) [ "$(probe_servers "$TMPDIR/before" "$a")" = "$(probe_servers "$TMPDIR/after" "$a")" ] ||
		nc_fail "client $a moved although its server stayed" ;;
	esac
done

# The removed server comes back (IPVS resurrects the same dest from its
# trash): it must only get new classes, never a stale entry.
topo_exec dir ipvsadm -a -t "$VIP:80" -r "$(topo_rs_addr 1):80" -m
probe cli --to "$VIP:80" --from "$from" > "$TMPDIR/back"
for a in $clients; do
	[ "$(probe_servers "$TMPDIR/after" "$a")" = "$(probe_servers "$TMPDIR/back" "$a")" ] ||
		nc_fail "client $a moved when rs1 was re-added"
done

if rmmod ip_vs_nc 2>/dev/null; then nc_fail "rmmod ip_vs_nc succeeded while a service uses nc"; fi
topo_exec dir ipvsadm -D -t "$VIP:80"
rmmod ip_vs_nc || nc_fail "rmmod ip_vs_nc failed after the service was deleted"
insmod "$NC_KMOD"
topo_exec dir ipvsadm -A -t "$VIP:80" -s nc
topo_exec dir ipvsadm -a -t "$VIP:80" -r "$(topo_rs_addr 2):80" -m
probe cli --to "$VIP:80" --from "$from" > /dev/null
# Deleting the namespace with a live nc service and table must be clean.
# Namespaces are dismantled by a kernel worker: give it a few seconds.
topo_cleanup
topo_unload_nc "after the namespace was deleted"
echo "PASS: nc_lifecycle"
