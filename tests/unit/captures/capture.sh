#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Records the generic netlink messages that ipvsadm 1.31 sends and that the
# kernel answers (ipvsadm for the "IPVS" family, ncadm for "IPVS_NC"), as
# hex, one message exchange per line, for the codec unit tests. Run in the
# VM, from the top of the tree:
#   tests/vm/run --timeout 300 -- tests/unit/captures/capture.sh
#   cp build/captures/*.hex tests/unit/captures/
# and commit them (the kernel that produced them is tests/vm/kernel-version).
set -euo pipefail
. "$(dirname "$0")/../../vm/lib/topo.sh"
out=$NC_REPO/build/captures
mkdir -p "$out"

topo_setup_director
topo_add_servers 2
topo_add_clients 61.1.0.1 62.7.0.1
modprobe ip_vs_rr

# capture NAME CMD...: CMD runs in the director under strace; every
# netlink message it sends ("send HEX") or receives ("recv HEX", a
# datagram that may hold several messages) that is neither a control-family
# (nlctrl) message nor an ack is written to NAME.hex.
capture() {
	local name=$1
	shift
	topo_exec dir strace -o "$TMPDIR/st" -e trace=sendmsg,recvmsg -e write=3,4,5 -e read=3,4,5 "$@" > /dev/null 2>&1
	awk '
	function flush() {
		type = substr(hex, 9, 4)
		if (dir != "" && hex != "" && !peek && type != "1000" && type != "0200")
			print dir, hex
		hex = ""
	}
	/^sendmsg\([345],/ { flush(); dir = "send"; peek = 0; next }
	/^recvmsg\([345],/ { flush(); dir = "recv"; peek = index($0, "MSG_PEEK") > 0; next }
	/^ \| [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / { b = substr($0, 11, 49); gsub(/ /, "", b); hex = hex b; next }
	/^[a-z]/ { flush(); dir = "" }
	END { flush() }' "$TMPDIR/st" > "$out/$name.hex"
	nc_log "$name: $(wc -l < "$out/$name.hex") messages"
}

# The generic netlink family ids the captures were made with.
for f in IPVS IPVS_NC; do
	echo "$f $(($(topo_exec dir genl ctrl get name "$f" | sed -n 's/.*ID: \(0x[0-9a-f]*\).*/\1/p')))"
done > "$out/families.txt"

capture ipvs_new_service ipvsadm -A -t "$VIP:80" -s rr -p 300 -M 255.255.255.0
capture ipvs_new_dest ipvsadm -a -t "$VIP:80" -r "$(topo_rs_addr 1):8080" -m -w 3 -x 100 -y 50
topo_exec dir ipvsadm -A -u "[$VIP6]:53" -s rr -o
topo_exec dir ipvsadm -A -f 7 -s rr -p 60
capture ipvs_get_services ipvsadm -Ln
capture ipvs_get_dests ipvsadm -Ln -t "$VIP:80"
capture ipvs_new_daemon ipvsadm --start-daemon master --mcast-interface br0 --syncid 5 --mcast-group 239.1.2.3 \
	--mcast-port 9000 --mcast-ttl 2 --sync-maxlen 1400
capture ipvs_get_daemons ipvsadm -L --daemon

ncadm_service dir "$VIP:82" 2 --sticky 90s --nc-subnet 61.0.0.0/8,2001:db8::/32 --nc-pick wlc
capture nc_set_policy "$NC_BIN/ncadm" -E -t "$VIP:82" --sticky 45m --nc-key /20,/56 --nc-drain keep
probe cli --to "$VIP:82" --from 61.1.0.1,62.7.0.1 --count 1 > /dev/null
capture nc_get_service "$NC_BIN/ncadm" -L --nc "$VIP:82"
capture nc_get_table "$NC_BIN/ncadm" --nc-table "$VIP:82"
