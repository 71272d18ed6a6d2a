#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pins and moves (ncadm --nc-pin, --nc-unpin, --nc-move): a pinned
# network sends every client in it to its server, before the table and
# whatever the table says, the longest pinned network winning; a pinned
# network is one class when its server cannot be followed (weight 0 under
# the repick rule, or removed), and the pin holds again when it is back;
# pins are listed with their state and counters, saved by -S, restored by
# -R (and put back when -R fails part-way), capped at 64. A move sends one
# class to another server at once. Bad pins and moves change nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 4
# A partner's CGNAT network 100.64.0.0/10: four /16 classes inside it,
# one just outside; and ordinary classes.
partner="100.64.1.1 100.65.1.1 100.100.1.1 100.127.1.1"
others="100.128.1.1 61.1.0.1 62.1.0.1 71.1.0.1 72.1.0.1 73.1.0.1"
topo_add_clients $partner $others
all="${partner// /,},${others// /,}"
svc=$VIP:80
ncadm_service dir "$svc" 3 --sticky 10m --nc-key /16 --nc-drain keep
rs() { echo "$(topo_rs_addr "$1"):80"; }

probe cli --to "$svc" --from "$all" > "$TMPDIR/before"
classes_before=$(ncadm_table_classes dir "$svc")
# The pin's server: one that does not already hold every partner class.
for p in 1 2 3; do
	[ "$(probe_servers "$TMPDIR/before" $partner)" != "rs$p" ] && break
done
nc_log "partner classes before the pin: $(probe_servers "$TMPDIR/before" $partner | paste -sd' '); pinning to rs$p"

# 1. Pin the partner network: all of it goes to rs$p, nothing else moves.
ncadm dir --nc-pin "$svc" --class 100.64.0.0/10 -r "$(rs "$p")"
probe cli --to "$svc" --from "$all" --count 2 > "$TMPDIR/pinned"
expect_eq "partner clients with the pin" "$(probe_server "$TMPDIR/pinned" $partner)" "rs$p"
for c in $others; do
	expect_eq "client $c outside the pin" "$(probe_server "$TMPDIR/pinned" "$c")" \
		"$(probe_server "$TMPDIR/before" "$c")"
done
expect_eq "table after pinning (pins are not entries)" "$(ncadm_table_classes dir "$svc")" "$classes_before"
expect_eq "pinned connections (counter)" "$(ncadm_counter dir "$svc" pinned)" 8
expect_eq "pins (counter)" "$(ncadm_counter dir "$svc" pins)" 1
ncadm dir -L --nc "$svc" | grep -qx "  pin 100.64.0.0/10 -> $(rs "$p") conns 8" ||
	nc_fail "-L --nc does not show the pin: $(ncadm dir -L --nc "$svc")"
ncadm dir --nc-table "$svc" -o json | grep -q "\"pins\":\[{\"network\":\"100.64.0.0/10\",\"server\":\"$(rs "$p")\",\"conns\":8,\"state\":\"pinned\"}\]" ||
	nc_fail "--nc-table does not show the pin: $(ncadm dir --nc-table "$svc" -o json)"

# 2. The longest pinned network wins; an address stands for its class.
q=$((p % 3 + 1))
ncadm dir --nc-pin "$svc" --class 100.65.0.0/16 -r "$(rs "$q")"
ncadm dir --nc-pin "$svc" --class 61.1.200.200 -r "$(rs "$q")"
probe cli --to "$svc" --from "$all" > "$TMPDIR/longest"
expect_eq "client of the /16 pin" "$(probe_server "$TMPDIR/longest" 100.65.1.1)" "rs$q"
expect_eq "the rest of the /10" "$(probe_server "$TMPDIR/longest" 100.64.1.1 100.100.1.1 100.127.1.1)" "rs$p"
expect_eq "client of the pinned class 61.1.0.0/16" "$(probe_server "$TMPDIR/longest" 61.1.0.1)" "rs$q"
expect_eq "pins, longest first" "$(ncadm dir -L --nc "$svc" | awk '$1 == "pin" { print $2 }' | paste -sd' ')" \
	"61.1.0.0/16 100.65.0.0/16 100.64.0.0/10"

# 3. Refused, one line each, nothing changed.
ncadm dir -S -n > "$TMPDIR/rules"
expect_err "no such real server in the service" ncadm dir --nc-pin "$svc" --class 10.0.0.0/8 -r "$(rs 4)"
expect_err "no such real server in the service" ncadm dir --nc-move "$svc" --class 71.1.0.1 -r "$(rs 4)"
expect_err "a pin covers that class: change the pin instead" ncadm dir --nc-move "$svc" --class 100.64.1.1 -r "$(rs 1)"
expect_err "no pin for that network" ncadm dir --nc-unpin "$svc" --class 100.66.0.0/16
expect_err "no such service with scheduler nc" ncadm dir --nc-pin "$VIP:81" --class 10.0.0.0/8 -r "$(rs 1)"
ncadm dir -S -n | diff -u "$TMPDIR/rules" - >&2 || nc_fail "a refused pin or move changed the rules"

# 4. -S saves the pins; -C and -R bring them back, and they hold.
grep -qx -- "--nc-pin -t $svc --class 100.64.0.0/10 -r $(rs "$p")" "$TMPDIR/rules" ||
	nc_fail "-S does not save the pin: $(cat "$TMPDIR/rules")"
ncadm dir -C
ncadm dir -R < "$TMPDIR/rules"
ncadm dir -S -n | diff -u "$TMPDIR/rules" - >&2 || nc_fail "-R did not restore the rules and pins"
probe cli --to "$svc" --from "${partner// /,}" > "$TMPDIR/restored"
expect_eq "client of the /16 pin after -R" "$(probe_server "$TMPDIR/restored" 100.65.1.1)" "rs$q"
expect_eq "the rest of the /10 after -R" "$(probe_server "$TMPDIR/restored" 100.64.1.1 100.100.1.1 100.127.1.1)" "rs$p"
# A restore the kernel refuses part-way puts the pins back as they were.
out=$(printf '%s\n' "--nc-pin -t $svc --class 100.64.0.0/10 -r $(rs 3)" "--nc-pin -t $svc --class 72.0.0.0/8 -r $(rs 1)" \
	"-A -t $svc -s rr" | topo_exec dir "$NC_BIN/ncadm" -R 2>&1) && nc_fail "a restore with an existing service succeeded"
case "$out" in *"restore line 3: "*"already exists (the lines before it were undone)") ;; *) nc_fail "ncadm -R said '$out'" ;; esac
ncadm dir -S -n | diff -u "$TMPDIR/rules" - >&2 || nc_fail "a refused restore left its pins"

# 5. The drain rule applies to the pinned server.
weight() { ncadm dir -e -t "$svc" -r "$(rs "$1")" -m -w "$2"; }
pin_state() { ncadm dir -L --nc "$svc" -o json | grep -o "\"network\":\"100.64.0.0/10\"[^}]*" | grep -o '"state":"[a-z]*"' | cut -d'"' -f4; }
weight "$p" 0
probe cli --to "$svc" --from "${partner// /,}" > "$TMPDIR/keep"
expect_eq "the /10 at weight 0 under keep" "$(probe_server "$TMPDIR/keep" 100.64.1.1 100.100.1.1 100.127.1.1)" "rs$p"
expect_eq "pin state at weight 0 under keep" "$(pin_state)" draining
ncadm dir -E -t "$svc" --nc-drain repick
probe cli --to "$svc" --from "${partner// /,}" --count 2 > "$TMPDIR/repick"
moved=$(probe_server "$TMPDIR/repick" 100.64.1.1 100.100.1.1 100.127.1.1)
[ "$moved" != "rs$p" ] || nc_fail "the /10 still on drained rs$p under repick"
expect_eq "pin state at weight 0 under repick" "$(pin_state)" drained
expect_eq "the drained pin's network is one class" "$(ncadm_table_server dir "$svc" 100.64.0.0/10)" \
	"$(topo_rs_addr "${moved#rs}"):80"
expect_eq "client of the /16 pin while the /10's server drains" "$(probe_server "$TMPDIR/repick" 100.65.1.1)" "rs$q"
weight "$p" 1
probe cli --to "$svc" --from "${partner// /,}" > "$TMPDIR/back"
expect_eq "the /10 when its server's weight is back" "$(probe_server "$TMPDIR/back" 100.64.1.1 100.100.1.1 100.127.1.1)" "rs$p"
expect_eq "pin state with its weight back" "$(pin_state)" pinned

# 6. A removed server: the pin stays, listed as removed, its network one
# class elsewhere; added back, the pin holds again.
ncadm dir -d -t "$svc" -r "$(rs "$p")"
probe cli --to "$svc" --from "${partner// /,}" > "$TMPDIR/removed"
moved=$(probe_server "$TMPDIR/removed" 100.64.1.1 100.100.1.1 100.127.1.1)
[ "$moved" != "rs$p" ] || nc_fail "the /10 still on removed rs$p"
expect_eq "pin state with its server removed" "$(pin_state)" removed
ncadm dir -a -t "$svc" -r "$(rs "$p")" -m
probe cli --to "$svc" --from "${partner// /,}" > "$TMPDIR/readded"
expect_eq "the /10 when its server is back" "$(probe_server "$TMPDIR/readded" 100.64.1.1 100.100.1.1 100.127.1.1)" "rs$p"

# 7. Move one class: its next connection goes to the new server.
probe cli --to "$svc" --from 71.1.0.1,72.1.0.1 > "$TMPDIR/unmoved"
from=$(probe_server "$TMPDIR/unmoved" 71.1.0.1)
to=$(( ${from#rs} % 3 + 1 ))
out=$(ncadm dir --nc-move "$svc" --class 71.1.0.1 -r "$(rs "$to")")
expect_eq "--nc-move says" "$out" "TCP $svc: class 71.1.0.0/16 moved from $(topo_rs_addr "${from#rs}"):80 to $(rs "$to")"
probe cli --to "$svc" --from 71.1.0.1,72.1.0.1 --count 2 > "$TMPDIR/moved"
expect_eq "moved class" "$(probe_server "$TMPDIR/moved" 71.1.0.1)" "rs$to"
expect_eq "a class not moved" "$(probe_server "$TMPDIR/moved" 72.1.0.1)" "$(probe_server "$TMPDIR/unmoved" 72.1.0.1)"
expect_eq "moved class in the table" "$(ncadm_table_server dir "$svc" 71.1.0.0/16)" "$(rs "$to")"
weight 3 0
expect_err "the real server has weight 0: it takes no class" ncadm dir --nc-move "$svc" --class 73.1.0.1 -r "$(rs 3)"
weight 3 1

# 8. Unpin one, then all.
expect_eq "unpin the /16" "$(ncadm dir --nc-unpin "$svc" --class 100.65.0.0/16 -o json | grep -o '"unpinned":[0-9]*')" '"unpinned":1'
probe cli --to "$svc" --from 100.65.1.1 > "$TMPDIR/unpinned"
expect_eq "the /16's client after its pin went: the /10's" "$(probe_server "$TMPDIR/unpinned" 100.65.1.1)" "rs$p"
expect_eq "unpin all" "$(ncadm dir --nc-unpin "$svc")" "TCP $svc: 2 pins removed"
expect_eq "pins after unpinning all" "$(ncadm_counter dir "$svc" pins)" 0

# 9. The cap: a file of 65 pins is refused at the 65th, and undone.
for i in $(seq 0 64); do echo "--nc-pin -t $svc --class 30.$i.0.0/16 -r $(rs 1)"; done > "$TMPDIR/many"
out=$(topo_exec dir "$NC_BIN/ncadm" -R < "$TMPDIR/many" 2>&1) && nc_fail "65 pins were accepted"
case "$out" in *"restore line 65: "*"too many pins (at most 64 a service) (the lines before it were undone)") ;;
*) nc_fail "ncadm -R of 65 pins said '$out'" ;; esac
expect_eq "pins after the refused file" "$(ncadm_counter dir "$svc" pins)" 0
head -64 "$TMPDIR/many" | ncadm dir -R
expect_eq "pins after 64" "$(ncadm_counter dir "$svc" pins)" 64
probe cli --to "$svc" --from 61.1.0.1 > /dev/null
nc_log "$(ncadm dir -L --nc "$svc" | head -4)"
echo "PASS: nc_pin"
