#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The benchmarks of `make bench`, in one guest boot so that every
# configuration runs on the same kernel, topology and workload. Run by
# tests/bench/bench (through tests/vm/run); writes build/bench/*.dat.
#
# NC_BENCH_SCALE=small runs a tiny version (CI shows it still works).
set -euo pipefail
. "$(dirname "$0")/../vm/lib/topo.sh"
out=$NC_REPO/build/bench
mkdir -p "$out"
small=${NC_BENCH_SCALE:-full}
if [ "$small" = small ]; then
	ROUNDS=1 CONNS=200 FLOOD=(1 256 4096) QUALITY=300 MOVED=100 PE_FLOOD=(100 1000)
	INSN_SERVERS=(4) INSN_CLASSES=10
else
	ROUNDS=5 CONNS=3000 FLOOD=(1 256 65536 1000000 10000000) QUALITY=3000 MOVED=1000 PE_FLOOD=(1000 65536)
	INSN_SERVERS=(4 64 256) INSN_CLASSES=40
fi
bench=$NC_BIN/ncbench
. "$(dirname "$0")/insn.sh"	# insn_phase, insn_decisions (part 6)
NSERVERS=4
# bench_part NAME: log the time the previous part took (run.log then says
# where a run's time goes: under the insncount plugin, CI's bench.small).
part_start=$(date +%s)
bench_part() {
	local now
	now=$(date +%s)
	nc_log "bench: part $1 starts; the part before took $((now - part_start)) s"
	part_start=$now
}
# fwm_stat NAME: a counter of part 2's fwmark service (entries, expired, ...)
fwm_stat() { ncadm dir -L --nc -f 90 -o json | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
# bt_attached FILE: wait until the bpftrace writing FILE has attached its
# probes (it says so first); it prints its maps and exits on SIGINT.
bt_attached() {
	local i
	for i in $(seq 120); do
		# the line comes before the probes are live; give them time
		grep -q "^Attaching" "$1" 2>/dev/null && { sleep 5; return 0; }
		sleep 1
	done
	nc_fail "bpftrace did not attach: $(cat "$1")"
}
# bt_stop PID: make bpftrace print its maps and exit (killed after 60 s).
bt_stop() {
	local i
	kill -INT "$1"
	for i in $(seq 60); do
		kill -0 "$1" 2>/dev/null || break
		sleep 1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" || true
}
# slab_bytes CACHE: memory held by a slab cache (SLUB sysfs; a merged
# cache is a link to the one it shares, so compare before and after).
slab_bytes() {
	local d=/sys/kernel/slab/$1
	echo $(($(cut -d' ' -f1 "$d/slabs") * (4096 << $(cat "$d/order"))))
}

topo_setup_director
topo_add_servers $((NSERVERS + 1)) # the last one joins in part 5
modprobe ip_vs_rr; modprobe ip_vs_wlc; modprobe ip_vs_sh; modprobe ip_vs_mh
# Clients bind anywhere in these networks (routed to lo, no addresses):
# 21/8..60/8 are 40 first-octet classes; 100.64.0.0/10 (carrier-grade
# NAT space) gives up to 4M /32 classes.
for o in $(seq 21 60); do echo "route add local $o.0.0.0/8 dev lo"; done | ip -n cli -batch -
ip -n cli route add local 100.64.0.0/10 dev lo
ip -n cli route add local 101.0.0.0/8 dev lo # fresh classes for part 2
ip -n cli route add local 102.0.0.0/8 dev lo # classes of the engine's part 3
ip -n cli route add local 103.0.0.0/8 dev lo # fresh classes, counted misses of part 2
ip -n cli route add local 104.0.0.0/8 dev lo # the classes part 2 fills its table with
topo_exec cli sysctl -qw net.ipv4.ip_nonlocal_bind=1
# Many short connections: recycle client ports and keep the conn table small.
topo_exec dir sysctl -qw net.ipv4.vs.conn_reuse_mode=1
SRC_OCTETS=21.0.0.0/0:40:16777216      # 40 classes, one per first octet
SRC_CGN24=100.64.0.0/10:1000:256       # 1000 /24 classes
SRC_CGN32=100.64.0.0/10:4000000:1      # every connection its own /32

# name port "ipvsadm -A options" "sources": one configuration per line.
configs="rr 80 -s_rr $SRC_OCTETS
wlc 81 -s_wlc $SRC_OCTETS
sh 82 -s_sh $SRC_OCTETS
mh 83 -s_mh $SRC_OCTETS
persist-M255.0.0.0 84 -s_wlc_-p_1800_-M_255.0.0.0 $SRC_OCTETS
nc-octet 85 -s_nc $SRC_OCTETS
nc-classful 86 -s_nc_--nc-key_classful $SRC_OCTETS
nc-prefix24-few 87 -s_nc_--nc-key_/24 $SRC_CGN24
nc-prefix32-many 88 -s_nc_--nc-key_/32_--nc-max-entries_4000000 $SRC_CGN32
pe-nc-octet 89 -s_wlc_-p_1800_--pe_nc $SRC_OCTETS"

# Only for the quality part (4): nc's other first picks, and persistence
# with the masks operators use.
qconfigs="nc-octet-wlc 95 -s_nc_--nc-pick_wlc -
nc-octet-wrr 96 -s_nc_--nc-pick_wrr -
nc-octet-rr 97 -s_nc_--nc-pick_rr -
nc-octet-lc 98 -s_nc_--nc-pick_lc -
persist-M255.255.255.255 99 -s_wlc_-p_1800 -
persist-M255.255.255.0 100 -s_wlc_-p_1800_-M_255.255.255.0 -
nc-octet-bound1.25 101 -s_nc_--nc-bound_1.25 -
nc-prefix16-bound1.25 102 -s_nc_--nc-key_/16_--nc-bound_1.25 -
nc-prefix16 103 -s_nc_--nc-key_/16 -
nc-prefix16-bound1.10 104 -s_nc_--nc-key_/16_--nc-bound_1.10 -"

while read -r name port opts src; do
	ncadm dir -A -t "$VIP:$port" ${opts//_/ }
	for i in $(seq 1 $NSERVERS); do ncadm dir -a -t "$VIP:$port" -r "$(topo_rs_addr "$i"):80" -m; done
done <<< "$configs
$qconfigs"

uname -r > "$out/kernel.txt"
nproc > "$out/vcpus.txt"

bench_part 3b
# --- 3b (first, while IPVS holds no other connections whose expiry would
# blur the counts). Memory per class of the nc persistence engine: a
# template is one ip_vs_conn plus its pe_data (20 bytes, kmalloc). One
# UDP datagram from each of PE_FLOOD[i] /32 classes to a fwmark service
# with --pe nc; once the datagrams' connections have expired (UDP timeout
# 1 s meanwhile), only the templates remain. Objects in use per cache.
slab_objects() { cut -d' ' -f1 "/sys/kernel/slab/$1/objects"; }
topo_exec dir nft -f - <<-'EOF'
table ip benchpe {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		ip daddr 198.51.100.10 udp dport 91 meta mark set 91
	}
}
EOF
ncadm dir -A -f 91 -s wlc -p 7200 --pe nc --nc-key /32
for i in $(seq 1 $NSERVERS); do ncadm dir -a -f 91 -r "$(topo_rs_addr "$i"):91" -m; done
ncadm dir --set 0 0 1
udp_conns() { topo_exec dir grep -c '^UDP' /proc/net/ip_vs_conn || true; }
: > "$out/pe.dat"
pe_conn0=$(slab_objects ip_vs_conn) pe_k32=$(slab_objects kmalloc-32) pe_bytes0=$(slab_bytes ip_vs_conn)
filled=0
for size in "${PE_FLOOD[@]}"; do
	base=$((0x66000000 + filled))
	topo_exec cli "$bench" udp --to "$VIP:91" \
		--sources "$((base >> 24 & 255)).$((base >> 16 & 255)).$((base >> 8 & 255)).$((base & 255))/0:$((size - filled)):1" \
		--conns $((size - filled)) > "$TMPDIR/f"
	filled=$size
	nc_wait 300 "the engine flood's UDP connections did not expire" eval '[ "$(udp_conns)" = 0 ]'
	templates=$(topo_exec dir grep -c ' nc ' /proc/net/ip_vs_conn || true)
	# classes templates conn_objects kmalloc32_objects conn_slab_bytes
	echo "$size $templates $(($(slab_objects ip_vs_conn) - pe_conn0)) $(($(slab_objects kmalloc-32) - pe_k32))" \
		"$(($(slab_bytes ip_vs_conn) - pe_bytes0))" >> "$out/pe.dat"
	nc_log "engine: $(tail -1 "$out/pe.dat")"
done
ncadm dir --set 0 0 300

# run_round ROUND FILE: every configuration once, in order; appends
# "round name rate failed" to FILE and "pid name" to $TMPDIR/pids.
run_round() {
	local round=$1 file=$2 name port opts src
	while read -r name port opts src; do
		# exec'd (no shell function in between): $! is ncbench itself
		ip netns exec cli "$bench" tcp --to "$VIP:$port" --sources "$src" --conns $CONNS --concurrency 32 \
			--seconds 120 > "$TMPDIR/r" &
		echo "$! $name" >> "$TMPDIR/pids"
		wait $!
		echo "$round $name $(sed -n 's/.* failed=\([0-9]*\).* rate=\([0-9.]*\).*/\2 \1/p' "$TMPDIR/r")" >> "$file"
		nc_log "round $round $name: $(cat "$TMPDIR/r")"
	done <<< "$configs"
}

bench_part 1
# --- 1. Connection setup rate: interleaved rounds, no probes attached.
: > "$out/rate.dat"
: > "$TMPDIR/pids"
run_round 0 /dev/null # warm-up: conn table, caches, routes
for round in $(seq 1 $ROUNDS); do
	run_round "$round" "$out/rate.dat"
done

# The cost of each scheduling decision: one more round with kprobes on
# each scheduler's schedule() callback and on the whole ip_vs_schedule()
# (persistence template and the new connection included), attributed to
# the configuration by the ncbench process whose softirq ran it.
have_bpftrace=0
: > "$out/decision.dat"
if command -v bpftrace > /dev/null; then
	have_bpftrace=1
	bpftrace -e '
	kprobe:ip_vs_rr_schedule, kprobe:ip_vs_wlc_schedule, kprobe:ip_vs_sh_schedule,
	kprobe:ip_vs_mh_schedule, kprobe:nc_schedule { @t0[tid] = nsecs; }
	kretprobe:ip_vs_rr_schedule, kretprobe:ip_vs_wlc_schedule, kretprobe:ip_vs_sh_schedule,
	kretprobe:ip_vs_mh_schedule, kretprobe:nc_schedule /@t0[tid]/ {
		@cb[pid] = stats(nsecs - @t0[tid]); delete(@t0[tid]);
	}
	kprobe:ip_vs_schedule { @t1[tid] = nsecs; }
	kretprobe:ip_vs_schedule /@t1[tid]/ { @all[pid] = stats(nsecs - @t1[tid]); delete(@t1[tid]); }
	' > "$TMPDIR/bpftrace.out" 2>&1 &
	bt=$!
	bt_attached "$TMPDIR/bpftrace.out"
	: > "$TMPDIR/pids"
	run_round timed /dev/null
	bt_stop $bt
	# @cb[PID]: count N, average A  ->  "kind name count avg_ns"
	awk 'NR == FNR { name[$1] = $2; next }
	     /^@(cb|all)\[/ { match($0, /\[[0-9]+\]/); pid = substr($0, RSTART + 1, RLENGTH - 2)
	       kind = substr($0, 2, index($0, "[") - 2); gsub(/,/, "")
	       for (i = 1; i <= NF; i++) { if ($i == "count") c = $(i + 1); if ($i == "average") a = $(i + 1) }
	       if (pid in name) { n[kind " " name[pid]] += c; s[kind " " name[pid]] += c * a } }
	     END { for (k in n) printf "%s %d %.0f\n", k, n[k], s[k] / n[k] }' \
		"$TMPDIR/pids" "$TMPDIR/bpftrace.out" | sort > "$out/decision.dat"
	cp "$TMPDIR/bpftrace.out" "$out/"
fi

bench_part 2
# --- 2. Decision cost against the number of classes in the table: nc
# prefix /32 on a fwmark service (TCP and UDP to port 90; UDP one-packet
# scheduled, so the flood leaves no IPVS connections), its table filled
# by a UDP flood of distinct sources from 104.0.0.0 on, then TCP
# connections from classes already in it (hits) and from new ones
# (misses), counted and timed. Real servers do not listen on 90: a SYN is
# scheduled, then reset.
#
# pktgen_fill FIRST COUNT: one datagram from each of 104.0.0.0 + FIRST ..
# + FIRST + COUNT - 1, made by the kernel's pktgen and handed to the
# director's stack as received on c0, one at a time (xmit_mode
# netif_receive: sent through the veth, a backlog overflow dropped a
# fifth of them). A socket per source, as ncbench udp does, managed about
# 4300 classes a second under TCG: 40 minutes for 10^7.
pktgen_fill() {
	local lo=$((0x68000000 + $1))
	local hi=$((lo + $2 - 1))
	modprobe pktgen || nc_fail "modprobe pktgen"
	# one shell for all the commands (each exec is seconds under TCG)
	topo_exec dir bash -c '
		pg() { echo "$1" > "/proc/net/pktgen/$2" || { echo "pktgen: \"$1\" to $2 failed" >&2; exit 1; }; }
		pg rem_device_all kpktgend_0
		pg "add_device c0" kpktgend_0
		for c in "xmit_mode netif_receive" "count $1" "pkt_size 60" "delay 0" "dst $2" \
			"dst_mac $(cat /sys/class/net/c0/address)" "udp_dst_min 90" "udp_dst_max 90" \
			"src_min $3" "src_max $4"; do
			pg "$c" c0
		done
		pg start pgctrl
		grep -A2 "^Result" /proc/net/pktgen/c0' pktgen "$2" "$VIP" "$(ip4_of $lo)" "$(ip4_of $hi)" ||
		nc_fail "pktgen fill of $2 classes"
}
ip4_of() { echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }
topo_exec dir nft -f - <<-'EOF'
table ip bench {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		ip daddr 198.51.100.10 meta l4proto { tcp, udp } th dport 90 meta mark set 90
	}
}
EOF
ncadm dir -A -f 90 -s nc --ops --nc-key /32 --nc-max-entries 16000000 --sticky 2h
for i in $(seq 1 $NSERVERS); do ncadm dir -a -f 90 -r "$(topo_rs_addr "$i"):90" -m; done
: > "$out/size.dat"
nc_base=$(slab_bytes ip_vs_nc_entry)
conn_base=$(slab_bytes ip_vs_conn)
conns_base=$(topo_exec dir cat /proc/net/ip_vs_conn | wc -l)
filled=0
for size in "${FLOOD[@]}"; do
	if [ $size -gt $filled ]; then
		t0=$(date +%s)
		pktgen_fill $filled $((size - filled)) > "$TMPDIR/f"
		nc_log "flood to $size classes in $(($(date +%s) - t0)) s: $(tr -s ' \n' ' ' < "$TMPDIR/f")"
		filled=$size
	fi
	entries=$(fwm_stat entries)
	# sticky is 2 h: an entry gone now was lost (the GC once took fresh
	# entries for 49 days idle when its walk outlasted a second)
	[ "$(fwm_stat expired)" = 0 ] || nc_fail "$(fwm_stat expired) entries expired in a 2 h sticky time"
	# Instructions (no kprobes attached: they would be counted too).
	k=$((size < 500 ? size : 500))
	insn_phase "size/$size/hit" sched=nc_schedule
	topo_exec cli "$bench" tcp --to "$VIP:90" --sources "104.0.0.0/8:$k:1" --conns $k --concurrency 16 > /dev/null 2>&1 || true
	insn_phase "size/$size/miss" sched=nc_schedule
	# a /16 of 103/8 per step: classes no earlier step has stored
	step=$((${step:-0} + 1))
	topo_exec cli "$bench" tcp --to "$VIP:90" --sources "103.$step.0.0/16:$k:1" --conns $k \
		--concurrency 16 > /dev/null 2>&1 || true
	insn_phase pause
	# Timed at every size; the small run (CI, under the insncount plugin,
	# where a time means nothing and each bpftrace start is minutes)
	# times the first size only, so the code still runs.
	if [ $have_bpftrace = 1 ] && { [ "$small" != small ] || [ "$size" = "${FLOOD[0]}" ]; }; then
		# hits: the first min(size, 500) classes again; misses: fresh ones.
		k=$((size < 500 ? size : 500))
		bpftrace -e '
		kprobe:nc_schedule { @t[tid] = nsecs; }
		kretprobe:nc_schedule /@t[tid]/ { @ns = stats(nsecs - @t[tid]); delete(@t[tid]); }' > "$TMPDIR/bt2" 2>&1 &
		bt=$!
		bt_attached "$TMPDIR/bt2"
		topo_exec cli "$bench" tcp --to "$VIP:90" --sources "104.0.0.0/8:$k:1" --conns 500 --concurrency 16 > /dev/null
		bt_stop $bt
		hit=$(sed -n 's/.*average \([0-9]*\).*/\1/p' "$TMPDIR/bt2")
		bpftrace -e '
		kprobe:nc_schedule { @t[tid] = nsecs; }
		kretprobe:nc_schedule /@t[tid]/ { @ns = stats(nsecs - @t[tid]); delete(@t[tid]); }' > "$TMPDIR/bt3" 2>&1 &
		bt=$!
		bt_attached "$TMPDIR/bt3"
		topo_exec cli "$bench" tcp --to "$VIP:90" --sources "101.0.0.0/8:500:1" --conns 500 --concurrency 16 > /dev/null 2>&1 || true
		bt_stop $bt
		miss=$(sed -n 's/.*average \([0-9]*\).*/\1/p' "$TMPDIR/bt3")
		ncadm dir --nc-flush -f 90 --class 101.0.0.0 > /dev/null || true
	else
		hit=- miss=-
	fi
	# size entries hit_ns miss_ns nc_slab_bytes conn_slab_bytes ipvs_conns
	echo "$size $entries ${hit:--} ${miss:--} $(($(slab_bytes ip_vs_nc_entry) - nc_base))" \
		"$(($(slab_bytes ip_vs_conn) - conn_base)) $(($(topo_exec dir cat /proc/net/ip_vs_conn | wc -l) - conns_base))" >> "$out/size.dat"
	nc_log "table $size classes ($entries entries): hit ${hit:--} ns, miss ${miss:--} ns"
done

bench_part 3
# --- 3. Memory per entry: object sizes as the slab allocator sees them
# (size.dat has the memory the caches grew by as the table filled).
for c in ip_vs_nc_entry ip_vs_conn kmalloc-32; do
	echo "$c $(cat /sys/kernel/slab/$c/object_size) $(cat /sys/kernel/slab/$c/slab_size)"
done > "$out/slab.dat"
nc_log "slab: $(tr '\n' ';' < "$out/slab.dat")"

bench_part 4
# --- 4. Quality: a Zipf-like population of users behind NAT classes.
# Class k (of 200) gets a share of connections proportional to 1/(k+1);
# every connection comes from a new address inside its class (rotating
# NAT). Per configuration: which server answered each connection.
awk -v n=$QUALITY 'BEGIN {
	K = 200; for (k = 0; k < K; k++) { w[k] = 1 / (k + 1); tot += w[k] }
	for (k = 0; k < K; k++) { c = int(n * w[k] / tot + 0.5); if (c < 1) c = 1
		for (j = 0; j < c; j++) printf "%d.%d.%d.%d\n", 21 + (k % 40), int(k / 40), int(j / 250), 1 + j % 250 } }' \
	| shuf --random-source=<(yes) > "$TMPDIR/zipf.txt"
: > "$out/quality.dat"
while read -r name port opts src; do
	[ "$name" = nc-prefix32-many ] && continue
	ncadm dir --nc-flush "$VIP:$port" > /dev/null 2>&1 || true
	probe cli --to "$VIP:$port" --from-file "$TMPDIR/zipf.txt" --timeout-ms 5000 > "$TMPDIR/q" || true
	# class = the source's first two octets (the generator's class id)
	awk -v name="$name" -v nserv=$NSERVERS '
	{ split($1, o, "."); cls = o[1] "." o[2]; conns[cls]++; load[$2]++; total++
	  if (!(cls in first)) first[cls] = $2; if ($2 == first[cls]) same++ }
	END { max = 0; for (s in load) if (load[s] > max) max = load[s]
	      printf "%s %.4f %.3f %d\n", name, same / total, max / (total / nserv), total }' "$TMPDIR/q" >> "$out/quality.dat"
	nc_log "quality: $(tail -1 "$out/quality.dat")"
done <<< "$configs
$qconfigs"

bench_part 5
# --- 5. Classes that move when a fifth server joins, and when one of
# the four leaves: MOVED fresh classes (one connection each) before and
# after; nc tables are flushed before each pass (entries would hold the
# old choice), so only the first pick counts.
: > "$out/moved.dat"
for pair in "sh 82" "mh 83" "nc-prefix24-few 87" "nc-prefix32-many 88"; do
	set -- $pair
	name=$1 port=$2
	# one source per /24: a class of its own under every configuration
	seq 0 $((MOVED - 1)) | awk '{ printf "100.%d.%d.1\n", 64 + int($1 / 256) % 64, $1 % 256 }' > "$TMPDIR/m"
	pass() {
		ncadm dir --nc-flush "$VIP:$port" > /dev/null 2>&1 || true
		probe cli --to "$VIP:$port" --from-file "$TMPDIR/m" > "$1" || true
	}
	changed() { join <(sort "$1") <(sort "$2") | awk '$2 != $3 { n++ } END { print n + 0 }'; }
	pass "$TMPDIR/before"
	ncadm dir -a -t "$VIP:$port" -r "$(topo_rs_addr $((NSERVERS + 1))):80" -m
	pass "$TMPDIR/added"
	ncadm dir -d -t "$VIP:$port" -r "$(topo_rs_addr $((NSERVERS + 1))):80"
	ncadm dir -d -t "$VIP:$port" -r "$(topo_rs_addr $NSERVERS):80"
	pass "$TMPDIR/removed"
	ncadm dir -a -t "$VIP:$port" -r "$(topo_rs_addr $NSERVERS):80" -m
	# "name moved_on_add moved_on_remove classes had_removed_server"
	echo "$name $(changed "$TMPDIR/before" "$TMPDIR/added") $(changed "$TMPDIR/before" "$TMPDIR/removed")" \
		"$MOVED $(grep -c " rs$NSERVERS\$" "$TMPDIR/before")" >> "$out/moved.dat"
	nc_log "moved: $(tail -1 "$out/moved.dat")"
done

bench_part 6
# --- 6. Instructions per decision at 4, 64 and 256 servers (insn.sh).
[ -z "${NC_BENCH_INSN:-}" ] || insn_decisions
bench_part end
echo "bench done"
