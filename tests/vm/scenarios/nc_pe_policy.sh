#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The engine's per-service policy: ncadm sets the class key and nc-subnet
# list of a --pe nc service whatever its scheduler, -L --nc shows it (text
# and JSON), -S saves it and -R restores it; a service made by ipvsadm
# uses the module parameters. A policy change leaves existing templates
# with their class until they run out (docs/design.md); ncadm -D forgets
# the policy, ipvsadm -D cannot (documented). Bad input is refused by
# ncadm in one line each (the kernel's messages: ncnl in vm.nc_netlink).
set -euo pipefail
. "$(dirname "$0")/../lib/topo.sh"

topo_setup_director
topo_add_servers 3
# Persistent fwmark services keep the client's destination port (82).
for i in 1 2 3; do topo_exec "rs$i" setsid -f "$NC_BIN/ncprobe" serve --id "rs$i" --port 82; done
for i in 1 2 3; do nc_wait_answer dir "$(topo_rs_addr "$i"):82" 10.255.0.1 "rs$i"; done
clients="172.16.1.1 172.16.2.1 172.17.1.1 10.1.0.1 10.2.0.1"
topo_add_clients $clients 172.16.3.1
ipv() { topo_exec dir ipvsadm "$@"; }
servers() {	# SERVICE-OPTION SERVICE: three NAT real servers, with ipvsadm
	local i
	for i in 1 2 3; do ipv -a "$1" "$2" -r "$(topo_rs_addr "$i"):80" -m; done
}
# templates SERVICE-PORT: the class data of the service's templates, sorted
templates() {
	ipv -Lnc --persistent-conn | awk -v p=":$1\$" '$NF ~ /\// && $0 ~ /nc/ && $(NF - 3) ~ p { print $NF }' |
		sort -V | paste -sd' '
}
from=$(echo $clients | tr ' ' ',')

# 1. Per service: classful on :80 (ncadm, scheduler wlc), the module's
# default (octet) on :81 (ipvsadm), /16 on a fwmark service (ncadm).
ncadm dir -A -t "$VIP:80" -s wlc -p 600 --pe nc --nc-key classful
servers -t "$VIP:80"
ipv -A -t "$VIP:81" -s rr -p 600 --pe nc
servers -t "$VIP:81"
topo_fwmark dir 82 7
ncadm dir -A -f 7 -s rr -p 600 --pe nc --nc-key /16
for i in 1 2 3; do ipv -a -f 7 -r "$(topo_rs_addr "$i"):0" -m; done
for port in 80 81 82; do
	probe cli --to "$VIP:$port" --from "$from" --count 2 > "$TMPDIR/p$port" ||
		nc_fail "port $port: $(grep -c " -$" "$TMPDIR/p$port") of 10 connections unanswered; $(ipv -Ln)"
	for a in $clients; do probe_server "$TMPDIR/p$port" "$a" > /dev/null; done
done
expect_eq "templates of :80 (classful)" "$(templates 80)" "10.0.0.0/8 172.16.0.0/16 172.17.0.0/16"
expect_eq "templates of :81 (module default, octet)" "$(templates 81)" "10.0.0.0/8 172.0.0.0/8"
fwm=$(ipv -Lnc --persistent-conn | awk '$1 == "IP" && $NF ~ /\// { print $NF }' | sort -V | paste -sd' ')
expect_eq "templates of fwmark 7 (/16)" "$fwm" "10.1.0.0/16 10.2.0.0/16 172.16.0.0/16 172.17.0.0/16"
expect_eq "class 172.16/16 on :80" "$(probe_servers "$TMPDIR/p80" 172.16.1.1 172.16.2.1 | wc -l)" 1
nc_log "per service: classful $(templates 80) | default $(templates 81) | fwmark /16 $fwm"

# 2. Listing, text and JSON.
ncadm dir -L --nc > "$TMPDIR/list"
grep -A2 "^TCP $VIP:80 pe nc\$" "$TMPDIR/list" | grep -q "^  key classful,/48\$" ||
	nc_fail "ncadm -L --nc: no classful engine policy for :80: $(cat "$TMPDIR/list")"
grep -A1 "^TCP $VIP:81 pe nc\$" "$TMPDIR/list" | grep -q "^  key octet,/48\$" ||
	nc_fail "ncadm -L --nc: :81 does not show the default key: $(cat "$TMPDIR/list")"
grep -A1 "^FWM 7 pe nc\$" "$TMPDIR/list" | grep -q "^  key /16,/48\$" ||
	nc_fail "ncadm -L --nc: fwmark 7 does not show /16: $(cat "$TMPDIR/list")"
json=$(ncadm dir -L --nc -t "$VIP:80" -o json)
expect_eq "ncadm -L --nc -o json of :80" "$json" \
	'{"services":[],"engines":[{"service":{"family":"inet","protocol":"tcp","address":"'"$VIP"'","port":80},"engine":"nc","policy":{"key":"classful","prefix4":24,"prefix6":48,"nc_subnets":[]}}]}'

# 3. Save and restore: the policy comes back.
ncadm dir -S -n > "$TMPDIR/rules"
grep -q -- "-A -t $VIP:80 -s wlc -p 600 --pe nc --nc-key classful,/48\$" "$TMPDIR/rules" ||
	nc_fail "ncadm -S: no engine options for :80: $(cat "$TMPDIR/rules")"
ncadm dir -C
expect_eq "engine policies after ncadm -C" "$(ncadm dir -L --nc | grep -c ' pe nc$' || true)" 0
ncadm dir -R < "$TMPDIR/rules"
expect_eq "ncadm -S after -C and -R" "$(ncadm dir -S -n)" "$(cat "$TMPDIR/rules")"
ncadm dir -L --nc -t "$VIP:80" | grep -q "^  key classful,/48\$" || nc_fail "restored :80 lost its policy"

# 4. A policy change with live templates: they keep their class and run
# out; new connections are classed under the new policy (clients outside
# the nc-subnet list get a template of their own address). The templates
# of section 1 are still there: -C deleted the services, not the
# templates, and -R gave them their real servers back.
probe cli --to "$VIP:80" --from 172.16.1.1 > /dev/null
ncadm dir -E -t "$VIP:80" -s wlc -p 600 --pe nc --nc-subnet 10.0.0.0/8
probe cli --to "$VIP:80" --from 172.16.3.1,10.1.0.1 > /dev/null
expect_eq "templates of :80 after --nc-subnet 10.0.0.0/8" "$(templates 80)" \
	"10.0.0.0/8 172.16.0.0/16 172.16.3.1/32 172.17.0.0/16"
nc_log "policy change with a live template: $(templates 80)"

# 5. Bad input, one line each; nothing half-applied.
expect_err "--sticky, --nc-pick, --nc-drain, --nc-max-entries, --nc-bound and --nc-handback need -s nc; with -s wlc --pe nc takes --nc-key and --nc-subnet" \
	ncadm dir -A -t "$VIP:83" -s wlc -p 60 --pe nc --sticky 5
expect_err "nc options need -s nc, not -s wlc" ncadm dir -A -t "$VIP:83" -s wlc -p 60 --nc-key classful
expect_err "has host bits set" ncadm dir -A -t "$VIP:83" -s wlc -p 60 --pe nc --nc-subnet 10.0.0.1/8
ipv -Ln -t "$VIP:83" > /dev/null 2>&1 && nc_fail "a refused -A left service :83 behind"

# 6. Deleting: ncadm -D forgets the policy, ipvsadm -D cannot (the engine
# is not told); the next service of that address would take it.
ncadm dir -D -t "$VIP:80"
ipv -A -t "$VIP:80" -s wlc -p 600 --pe nc
ncadm dir -L --nc -t "$VIP:80" | grep -q "^  key octet,/48\$" || nc_fail "ncadm -D did not forget the policy"
ncadm dir -E -t "$VIP:81" -s rr -p 600 --pe nc --nc-key classful
ipv -D -t "$VIP:81"
ipv -A -t "$VIP:81" -s rr -p 600 --pe nc
ncadm dir -L --nc -t "$VIP:81" | grep -q "^  key classful,/48\$" ||
	nc_fail "after ipvsadm -D and -A the documented leftover policy is not there"
ncadm dir -C
ip netns del dir
topo_unload_nc "after the namespace with engine policies and templates was deleted"
echo "PASS: nc_pe_policy"
