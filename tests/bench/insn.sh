# SPDX-License-Identifier: GPL-2.0
# Part 6 of tests/bench/run.sh (sourced): instructions per scheduling
# decision, counted by the insncount QEMU plugin (tests/bench/plugin) for
# every call of the scheduler's schedule() and of the whole
# ip_vs_schedule() (template and new connection included). Counts do not
# change with the host's load. Without the plugin (NC_BENCH_INSN unset)
# insn_phase does nothing and this part is skipped.
#
# insn.dat (written by the plugin): "PHASE FUNCTION CALLS MEDIAN MIN P10 P90".
insn_ctl=$out/insn.ctl

# insn_phase NAME [LABEL=SYMBOL...]: count the calls of these functions
# from now on, under NAME (none: pause). Waits until the plugin has it.
# A SYMBOL ending in "?" may be missing (inlined by the compiler: its
# instructions count in the caller's); any other must be there. One pass
# over /proc/kallsyms finds them all.
insn_phase() {
	[ -n "${NC_BENCH_INSN:-}" ] || return 0
	local name=$1
	shift
	{
		echo "phase $name"
		[ $# -eq 0 ] || awk -v want="$*" '
		BEGIN {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				split(w[i], lv, "=")
				sym[i] = lv[2]
				optional[i] = sub(/[?]$/, "", sym[i])
				label[sym[i]] = lv[1]
			}
		}
		($3 in label) && !($3 in addr) { addr[$3] = $1 }
		END {
			for (i = 1; i <= n; i++)
				if (sym[i] in addr)
					print "fn " label[sym[i]] " " addr[sym[i]]
				else if (!optional[i])
					missing = missing " " sym[i]
			if (missing != "") {
				print "no symbol" missing " in /proc/kallsyms" > "/dev/stderr"
				exit 1
			}
		}' /proc/kallsyms
	} > "$insn_ctl.tmp" || nc_fail "insn_phase $name: a symbol is missing"
	mv "$insn_ctl.tmp" "$insn_ctl"
	nc_wait 120 "the insncount plugin did not take phase $name" \
		eval '[ "$(cat "$insn_ctl.ack" 2>/dev/null)" = "$name" ]'
}

# server_addr I: the I-th of up to 500 real-server addresses, all on rs1.
server_addr() { echo "10.255.$((1 + ($1 - 1) / 250)).$((1 + ($1 - 1) % 250))"; }

# insn_parts NAME: the functions inside a decision counted for where its
# instructions go (nc's own; see the report's breakdown), each optional.
insn_parts() {
	case $1 in
	nc-*) echo "key=nc_addr_key? lookup=nc_table_lookup? pick=nc_pick? store=nc_table_store?" ;;
	pe-nc-*) echo "pe_key=nc_pe_fill_param? pe_match=nc_pe_ct_match?" ;;
	esac
}

insn_decisions() {
	local n name sym opts src port=200 svc i parts
	for i in $(seq 1 "${INSN_SERVERS[-1]}"); do echo "address add $(server_addr "$i")/32 dev lo"; done |
		ip -n rs1 -batch -
	ip -n dir route add 10.255.1.0/24 via "$(topo_rs_addr 1)"
	ip -n dir route add 10.255.2.0/24 via "$(topo_rs_addr 1)"
	# name, the scheduler's schedule(), ipvsadm -A options, key of a
	# class: INSN_CLASSES classes, each conn from a new one, then again.
	local iconfigs="rr ip_vs_rr_schedule -s_rr octet
wlc ip_vs_wlc_schedule -s_wlc octet
sh ip_vs_sh_schedule -s_sh octet
mh ip_vs_mh_schedule -s_mh octet
persist-M255.0.0.0 ip_vs_wlc_schedule -s_wlc_-p_1800_-M_255.0.0.0 octet
nc-octet nc_schedule -s_nc octet
nc-prefix24 nc_schedule -s_nc_--nc-key_/24 prefix24
nc-prefix24-bound1.25 nc_schedule -s_nc_--nc-key_/24_--nc-bound_1.25 prefix24
nc-prefix24-wlc nc_schedule -s_nc_--nc-key_/24_--nc-pick_wlc prefix24
pe-nc-octet ip_vs_wlc_schedule -s_wlc_-p_1800_--pe_nc octet"
	# The last round repeats the first server count under "NAME#2", on a
	# new service with the same classes: the counts must come out equal.
	for n in "${INSN_SERVERS[@]}" "${INSN_SERVERS[0]}#2"; do
		while read -r name sym opts key; do
			port=$((port + 1))
			svc=$VIP:$port
			{
				echo "-A -t $svc ${opts//_/ }"
				for i in $(seq 1 "${n%#*}"); do echo "-a -t $svc -r $(server_addr "$i"):80 -m"; done
			} | ncadm dir -R || nc_fail "setting up $name with $n servers"
			# octet: 40 first octets (21..60); prefix24: /24s of 100.64/10
			src=21.0.0.0/0:$INSN_CLASSES:16777216
			[ "$key" = octet ] || src=100.64.0.0/10:$INSN_CLASSES:256
			for pass in miss hit; do
				read -ra parts <<< "$(insn_parts "$name")"	# no globbing of "?"
				insn_phase "$name${n#"${n%#*}"}/${n%#*}/$pass" sched="$sym" ipvs=ip_vs_schedule \
					"${parts[@]}"
				topo_exec cli "$bench" tcp --to "$svc" --sources "$src" --conns "$INSN_CLASSES" \
					--concurrency 4 > "$TMPDIR/i" || nc_fail "$name/$n/$pass: $(cat "$TMPDIR/i")"
			done
			insn_phase pause
			ncadm dir -D -t "$svc"
			nc_log "instructions: $name with $n servers done"
		done <<< "$iconfigs"
	done
}
