# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/packaging/guest-lib.sh - sourced by the packaging tests' commands,
# which run in a guest whose root is a tmpfs overlay over this machine's
# (tests/vm/run --overlay-root): apt, dpkg, DKMS, depmod, /lib/modules and
# /usr/local change only the guest, and vanish with it.

# nc_fail, as in the VM scenarios: a failure anywhere fails the test.
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib/assert.sh"

# What make install puts in /usr/local besides the module.
pkg_local_files="/usr/local/sbin/ncadm /usr/local/share/man/man8/ncadm.8
	/usr/local/share/bash-completion/completions/ncadm"

# pkg_state KVER: what installing ip_vs_nc leaves on a machine, one line
# each; empty on a machine without it.
pkg_state() {
	local kver=$1
	dpkg-query -W -f '${Package} ${Status}\n' ip-vs-nc-dkms ncadm 2>/dev/null | grep -v 'not-installed' || true
	dkms status 2>/dev/null | grep ip-vs-nc || true
	ls -d /usr/src/ip-vs-nc-* /etc/ip-vs-nc /usr/sbin/ncadm /lib/systemd/system/ncadm.service \
		/lib/systemd/system/ncadm-metrics.* /etc/systemd/system/timers.target.wants/ncadm-metrics.timer \
		/var/lib/prometheus/node-exporter/ip_vs_nc.prom /var/lib/ip-vs-nc \
		/usr/lib/modules-load.d/ip_vs_nc.conf $pkg_local_files 2>/dev/null || true
	find "/lib/modules/$kver" -name 'ip_vs_nc.ko*' 2>/dev/null || true
}

# pkg_clean_slate KVER: undo, in the guest only, whatever make install,
# make dkms-install or the .deb packages left on this machine, so that
# the test starts from a machine without ip_vs_nc whatever the host holds.
pkg_clean_slate() {
	local kver=$1 had
	had=$(pkg_state "$kver")
	[ -n "$had" ] || return 0
	echo "# this machine holds an installed ip_vs_nc; removed in the guest's overlay only:"
	echo "$had" | sed 's/^/#   /'
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ip-vs-nc-dkms ncadm > /dev/null 2>&1 || true
	dkms remove ip-vs-nc --all > /dev/null 2>&1 || true
	rm -rf /usr/src/ip-vs-nc-* /var/lib/dkms/ip-vs-nc /etc/ip-vs-nc /var/lib/ip-vs-nc $pkg_local_files
	find /lib/modules -name 'ip_vs_nc.ko*' -delete
	depmod -a "$kver"
	had=$(pkg_state "$kver")
	[ -z "$had" ] || nc_fail "could not remove the host's ip_vs_nc in the guest: $had"
}
