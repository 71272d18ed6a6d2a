#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scale-out: a router spreads connections over three directors with an
# ECMP route hashed on L4 (so one client class's connections land on
# different directors). The directors share nothing, but with the hash
# first pick every director gives a class the same real server: every
# class must reach exactly one server. When a fourth real server joins,
# live tables keep every class where it is; a class picked anew (table
# flushed, as when its entry expires) moves only to the new server, and
# the share that moves is reported against the ideal 1/N.
# Directors share no table: a director that has not yet seen a class picks
# it with the new server set. Such classes may split until the tables are
# flushed on every director (what the operator guide tells to do after a
# server-set change); classes every director knew must not move.
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"
. "$(dirname "$0")/../lib/directors.sh"

ndir=3
dirs_setup "$ndir" 3
topo_sysctl rtr net.ipv4.fib_multipath_hash_policy 1
ip -n rtr route add "$VIP/32" $(for i in $(seq 1 "$ndir"); do echo "nexthop via $(dirs_addr "$i")"; done)
for i in $(seq 1 "$ndir"); do
	dirs_rules 3 --nc-key /24 --nc-pick hash --sticky 30 | ncadm "d$i" -R || nc_fail "ncadm -R on d$i"
done

# 200 classes (/24 networks), four addresses each.
: > "$TMPDIR/clients"
for c in $(seq 1 200); do
	for h in 1 2 3 4; do echo "20.$((c / 100)).$((c % 100)).$h"; done
done > "$TMPDIR/clients"
topo_add_clients $(cat "$TMPDIR/clients")
class_of() { awk '{ split($1, a, "."); print a[1] "." a[2] "." a[3] ".0/24", $2 }'; }

probe cli --to "$VIP:80" --from-file "$TMPDIR/clients" > "$TMPDIR/before"
! grep -q ' -$' "$TMPDIR/before" || nc_fail "unanswered connections: $(grep -c ' -$' "$TMPDIR/before")"
class_of < "$TMPDIR/before" | sort -u > "$TMPDIR/class_server"
split=$(awk '{ print $1 }' "$TMPDIR/class_server" | uniq -d | wc -l)
expect_eq "classes answered by more than one real server" "$split" 0

# The scenario is only worth something if classes really were split over
# directors.
for i in $(seq 1 "$ndir"); do dirs_served_by "d$i"; done | class_of | sort -u > "$TMPDIR/class_director"
multi=$(awk '{ print $1 }' "$TMPDIR/class_director" | uniq -d | wc -l)
per_dir=$(for i in $(seq 1 "$ndir"); do printf 'd%s:%s ' "$i" "$(awk -v d="d$i" '$2 == d' "$TMPDIR/class_director" | wc -l)"; done)
nc_log "classes seen per director: $per_dir; classes spread over 2+ directors: $multi of 200"
[ "$multi" -ge 100 ] || nc_fail "only $multi classes were spread over several directors: ECMP did not spread"
nc_log "servers: $(awk '{ print $2 }' "$TMPDIR/class_server" | sort | uniq -c | paste -sd' ')"

# A fourth real server joins every director.
dirs_add_server 4
for i in $(seq 1 "$ndir"); do
	ncadm "d$i" -a -t "$VIP:80" -r "$(dirs_rs_addr 4):80" -g -w 1 || nc_fail "ncadm -a rs4 on d$i"
done
probe cli --to "$VIP:80" --from-file "$TMPDIR/clients" | class_of | sort -u > "$TMPDIR/live"
awk '{ print $1 }' "$TMPDIR/class_director" | uniq -c | awk -v n="$ndir" '$1 == n { print $2 }' > "$TMPDIR/known_everywhere"
join "$TMPDIR/class_server" "$TMPDIR/live" | awk '$2 != $3 { print $1 }' | sort -u > "$TMPDIR/moved_live"
moved_known=$(join "$TMPDIR/moved_live" "$TMPDIR/known_everywhere" | wc -l)
expect_eq "classes known to every director that moved while their entries live" "$moved_known" 0
nc_log "rs4 joined, tables live: $(wc -l < "$TMPDIR/known_everywhere") classes known to every director, none moved;" \
	"$(wc -l < "$TMPDIR/moved_live") of the $((200 - $(wc -l < "$TMPDIR/known_everywhere"))) others reached rs4 on a director that had not seen them"

for i in $(seq 1 "$ndir"); do ncadm "d$i" --nc-flush "$VIP:80" > /dev/null; done
probe cli --to "$VIP:80" --from-file "$TMPDIR/clients" | class_of | sort -u > "$TMPDIR/after"
split=$(awk '{ print $1 }' "$TMPDIR/after" | uniq -d | wc -l)
expect_eq "classes answered by more than one real server after rs4 joined" "$split" 0
join "$TMPDIR/class_server" "$TMPDIR/after" | awk '$2 != $3' > "$TMPDIR/moved"
moved=$(wc -l < "$TMPDIR/moved")
not_to_new=$(awk '$3 != "rs4"' "$TMPDIR/moved" | wc -l)
expect_eq "moved classes that went elsewhere than the new server" "$not_to_new" 0
nc_log "rs4 joined: $moved of 200 classes moved when picked anew ($(awk -v m="$moved" 'BEGIN { printf "%.1f", m / 2 }') %, ideal 1/4 = 25 %), all to rs4"
[ "$moved" -ge 24 ] && [ "$moved" -le 76 ] || nc_fail "$moved of 200 classes moved; 1/4 = 50 expected"
echo "PASS: ops_ecmp"
