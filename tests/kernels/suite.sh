# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# One Debian suite's kernel for the kernel matrix (tests/kernels/matrix):
# fetch its current image and headers, build ip_vs_nc.ko for it, boot it.
#
#   suite_known SUITE          is SUITE one the matrix knows
#   suite_prepare SUITE        download image + headers, chroot (cached)
#   suite_kver SUITE           the kernel ABI that suite_prepare found
#   suite_build SUITE OUTDIR   OUTDIR/kmod/ip_vs_nc.ko, -Werror
#   suite_vm_run SUITE OUTDIR CMD...   tests/vm/run on that kernel
#   suite_guest SUITE VM-RUN-ARGS...   tests/vm/run on that kernel, as is
#   suite_lock SUITE           wait for and hold the suite's cache (fd $suite_lock_fd)
#   suite_in_chroot SUITE CMD  bash -c CMD in the chroot, /proc mounted
#   suite_make_deb SUITE OUTDIR  make deb of this tree in the chroot
#
# Layout of the cache, per suite (NC_CACHE, default ~/.cache/ip_vs_nc):
#   kernels/SUITE/apt/      sources.list, lists, downloaded .debs
#   kernels/SUITE/root/     the image and modules packages, unpacked
#   kernels/SUITE/chroot/   debootstrap --variant=minbase, + compiler and
#                           the headers' and kbuild's /usr
#   kernels/SUITE/kver      the ABI of the last suite_prepare

suite_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
suite_cache=${NC_CACHE:-$HOME/.cache/ip_vs_nc}/kernels
# The guest sees the host's root, but fresh tmpfs on /tmp and /run: a
# kernel cached there could be built, never booted.
case "$(realpath -m "$suite_cache")" in
/tmp/*|/run/*)
	echo "matrix: the cache $suite_cache is under /tmp or /run, which the VM does not see (set NC_CACHE elsewhere)" >&2
	exit 2 ;;
esac

# What make deb needs in a suite's chroot (packaging/debian/control's
# Build-Depends, git for the file list, lintian), and what the Debian
# packages' test needs there to install them in a guest booted into the
# chroot (tests/packaging/deb-test SUITE; no network in the guest, so
# every dependency is there before): DKMS, systemd's modules-load and
# systemd-analyze, ipvsadm, and PID 1's tools (tests/vm/run --root).
suite_deb_build_deps="build-essential debhelper dh-dkms cmake g++ pkg-config
	libboost-program-options-dev libnl-3-dev libnl-genl-3-dev git lintian"
suite_deb_guest_deps="dkms systemd ipvsadm iproute2 kmod busybox-static"

# One user of a suite's cache at a time: runs share the chroot (its /proc
# mount, /build) and build/kernels/SUITE. Held until the shell exits or
# suite_unlock.
suite_lock() {	# SUITE
	[ -z "${suite_lock_fd:-}" ] || exec {suite_lock_fd}>&-
	mkdir -p "$suite_cache/$1"
	exec {suite_lock_fd}> "$suite_cache/$1/lock"
	flock -n "$suite_lock_fd" || { echo "$1: another run is using the suite's cache; waiting" >&2; flock "$suite_lock_fd"; }
}

suite_unlock() {
	[ -z "${suite_lock_fd:-}" ] || exec {suite_lock_fd}>&-
	suite_lock_fd=
}

suite_known() {
	case "$1" in bullseye|bookworm|trixie|sid) return 0 ;; esac
	return 1
}

# The Debian mirror the machine's own apt sources use (NC_DEBIAN_MIRROR
# overrides): the matrix reaches the same archive, never another host.
suite_mirror() {
	if [ -n "${NC_DEBIAN_MIRROR:-}" ]; then
		echo "$NC_DEBIAN_MIRROR"
		return
	fi
	{
		sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
		sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
	} | grep -E '/debian/?$' | head -n 1
}

# apt-get/apt-cache with the suite's own configuration: its own sources,
# lists and archive cache, an empty dpkg status; /etc/apt is not read for
# sources.
suite_apt() {	# SUITE apt-get|apt-cache ARGS...
	local d=$suite_cache/$1/apt tool=$2
	shift 2
	mkdir -p "$d/empty"
	"$tool" -q -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts="$d/empty" \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o Dir::State::status=/dev/null -o Dir::Etc::preferencesparts="$d/empty" \
		-o Acquire::Check-Valid-Until=false -o APT::Get::List-Cleanup=0 \
		-o APT::Sandbox::User=root -o Debug::NoLocking=1 "$@"
}

# The linux-* packages linux-image-amd64 and linux-headers-amd64 need
# (image, modules, binary, headers, common headers, kbuild, compiler
# meta-package), followed down the linux-* dependencies only.
suite_kernel_packages() {	# SUITE
	local suite=$1 todo="linux-image-amd64 linux-headers-amd64" seen=" " p deps
	while [ -n "$todo" ]; do
		set -- $todo
		p=$1
		shift
		todo="$*"
		case "$seen" in *" $p "*) continue ;; esac
		seen+="$p "
		echo "$p"
		deps=$(suite_depends "$suite" "$p" 2>/dev/null || true)
		for d in $deps; do
			case "$d" in linux-base|linux-base-amd64) continue ;; linux-*) todo+=" $d" ;; esac
		done
	done
}

# First alternative of each Depends/Pre-Depends of PKG's candidate, no
# versions.
suite_depends() {	# SUITE PKG
	suite_apt "$1" apt-cache show --no-all-versions "$2" |
		sed -n 's/^\(Pre-\)\{0,1\}Depends: //p' | tr ',' '\n' |
		sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' | sed '/^$/d'
}

suite_kver() {
	cat "$suite_cache/$1/kver"
}

# What the module build needs inside the chroot: the non-linux-*
# dependencies of the headers, kbuild and compiler packages (gcc-N,
# libelf, ...), plus make and libc6-dev.
suite_build_deps() {	# SUITE PKG...
	local suite=$1 p
	shift
	{
		echo make
		echo libc6-dev
		for p in "$@"; do
			case "$p" in linux-headers-*|linux-kbuild-*|linux-compiler-*) ;; *) continue ;; esac
			suite_depends "$suite" "$p" | grep -v '^linux-' || true
		done
	} | sort -u
}

suite_prepare() {	# SUITE
	local suite=$1 c=$suite_cache/$1 mirror kver pkgs debs p f
	if [ "$suite" = bookworm ]; then
		# The machine's own: make deps installed its current kernel.
		mkdir -p "$c"
		"$suite_repo/tests/vm/kernel-version" > "$c/kver"
		echo "bookworm: the installed kernel $(cat "$c/kver") (host build)"
		return 0
	fi
	mirror=$(suite_mirror)
	[ -n "$mirror" ] || { echo "unreachable: no Debian mirror in /etc/apt sources (set NC_DEBIAN_MIRROR)"; return 1; }
	mkdir -p "$c/apt/lists/partial" "$c/apt/cache/archives/partial"
	echo "deb $mirror $suite main" > "$c/apt/sources.list"
	suite_apt "$suite" apt-get update --error-on=any > "$c/apt/update.log" 2>&1 ||
		{ cat "$c/apt/update.log"; echo "unreachable: apt-get update of $suite from $mirror failed"; return 1; }

	pkgs=$(suite_kernel_packages "$suite")
	kver=$(echo "$pkgs" | sed -n 's/^linux-headers-\(.*-amd64\)$/\1/p' | grep -v '^amd64$' | head -n 1)
	[ -n "$kver" ] || { echo "no linux-headers-*-amd64 behind linux-headers-amd64 in $suite"; return 1; }
	echo "$suite: kernel $kver from $mirror ($(suite_apt "$suite" apt-cache show --no-all-versions linux-image-amd64 | sed -n 's/^Version: //p'))"
	echo "$suite: packages:" $pkgs
	(cd "$c/apt/cache/archives" && suite_apt "$suite" apt-get download $pkgs) ||
		{ echo "downloading the kernel packages of $suite failed"; return 1; }
	debs=
	for p in $pkgs; do
		f=$(ls -t "$c/apt/cache/archives/${p}_"*.deb 2>/dev/null | head -n 1)
		[ -n "$f" ] || { echo "no .deb for $p"; return 1; }
		debs+="$f "
	done

	suite_unpack_kernel "$suite" "$kver" $debs
	suite_chroot "$suite" "$mirror" $(suite_build_deps "$suite" $pkgs)
	suite_install_headers "$suite" $debs
	echo "$kver" > "$c/kver"
}

# The image and modules packages into root/ (what the VM boots and its
# /lib/modules), with modules.dep made by depmod (the packages ship none).
suite_unpack_kernel() {	# SUITE KVER DEB...
	local suite=$1 kver=$2 root=$suite_cache/$1/root deb
	shift 2
	if [ -s "$root/.kver" ] && [ "$(cat "$root/.kver")" = "$kver" ]; then
		return 0
	fi
	rm -rf "$root"
	mkdir -p "$root"
	for deb in "$@"; do
		case "$(basename "$deb")" in linux-image-*|linux-modules-*|linux-binary-*|linux-base-*) ;; *) continue ;; esac
		dpkg-deb -x "$deb" "$root"
	done
	# depmod -b looks in BASE/lib/modules; newer suites ship usr/lib/modules.
	[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
	[ -d "$root/lib/modules/$kver" ] || { echo "no lib/modules/$kver in the $suite image"; return 1; }
	depmod -b "$root" "$kver"
	echo "$kver" > "$root/.kver"
}

suite_vmlinuz() {	# SUITE
	local root=$suite_cache/$1/root kver
	kver=$(suite_kver "$1")
	for f in "$root/boot/vmlinuz-$kver" "$root/usr/lib/modules/$kver/vmlinuz" "$root/lib/modules/$kver/vmlinuz"; do
		[ -r "$f" ] && { echo "$f"; return 0; }
	done
	echo "no vmlinuz for $kver under $root" >&2
	return 1
}

# A minbase chroot of the suite with the build dependencies (cached; only
# what is missing is installed on later runs).
suite_chroot() {	# SUITE MIRROR DEP...
	local suite=$1 mirror=$2 ch=$suite_cache/$1/chroot missing= p
	shift 2
	if [ ! -e "$ch/.ready" ]; then
		rm -rf "$ch"
		echo "$suite: debootstrap --variant=minbase (once)"
		debootstrap --variant=minbase --include="$(echo "$@" | tr ' ' ',')" \
			"$suite" "$ch" "$mirror" > "$suite_cache/$suite/debootstrap.log" 2>&1 ||
			{ tail -n 30 "$suite_cache/$suite/debootstrap.log"; echo "debootstrap of $suite failed"; return 1; }
		touch "$ch/.ready"
		return 0
	fi
	for p in "$@"; do
		chroot "$ch" dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -q '^installed$' || missing+=" $p"
	done
	[ -n "$missing" ] || return 0
	echo "$suite: installing into the chroot:$missing"
	chroot "$ch" apt-get -q -o Acquire::Check-Valid-Until=false update
	chroot "$ch" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

# The headers, kbuild and compiler packages' /usr into the chroot. Only
# usr/: unpacking a whole headers .deb (its lib/modules/V/build link) on
# a merged-/usr root would replace /lib. Not through dpkg: the headers
# depend on the image, which the chroot does not need.
suite_install_headers() {	# SUITE DEB...
	local suite=$1 ch=$suite_cache/$1/chroot tmp deb
	shift
	tmp=$(mktemp -d)
	for deb in "$@"; do
		case "$(basename "$deb")" in linux-headers-*|linux-kbuild-*|linux-compiler-*) ;; *) continue ;; esac
		dpkg-deb -x "$deb" "$tmp"
	done
	cp -a "$tmp/usr/." "$ch/usr/"
	rm -rf "$tmp"
}

# Build kmod/ with the suite's kbuild: on the host for bookworm, in the
# chroot otherwise (with /proc mounted: objtool of 7.x reads it).
suite_build() {	# SUITE OUTDIR
	local suite=$1 out=$2 kver ch=$suite_cache/$1/chroot
	kver=$(suite_kver "$suite")
	rm -rf "$out"
	mkdir -p "$out"
	if [ "$suite" = bookworm ]; then
		cp -r "$suite_repo/kmod" "$suite_repo/include" "$out/"
		make -C "/usr/src/linux-headers-$kver" M="$out/kmod" KCFLAGS=-Werror modules
	else
		# /build/module: tests/kernels/userland uses /build/src.
		rm -rf "$ch/build/module"
		mkdir -p "$ch/build/module"
		cp -r "$suite_repo/kmod" "$suite_repo/include" "$ch/build/module/"
		suite_in_chroot "$suite" "make -C /usr/src/linux-headers-$kver M=/build/module/kmod KCFLAGS=-Werror modules" || return
		cp -r "$ch/build/module/kmod" "$ch/build/module/include" "$out/"
	fi
	[ -f "$out/kmod/ip_vs_nc.ko" ]
	modinfo -F vermagic "$out/kmod/ip_vs_nc.ko"
}

suite_vm_run() {	# SUITE OUTDIR CMD...
	local suite=$1 out=$2
	shift 2
	NC_KMOD=$out/kmod/ip_vs_nc.ko suite_guest "$suite" --timeout 1800 -- "$@"
}

# tests/vm/run booting SUITE's kernel with its modules (bookworm: the
# installed kernel); ARGS go to tests/vm/run as they are.
suite_guest() {	# SUITE ARGS...
	local suite=$1 kver
	shift
	kver=$(suite_kver "$suite")
	if [ "$suite" = bookworm ]; then
		"$suite_repo/tests/vm/run" "$@"
	else
		NC_VM_KERNEL=$(suite_vmlinuz "$suite") \
		NC_VM_MODULES=$suite_cache/$suite/root/lib/modules/$kver \
		"$suite_repo/tests/vm/run" "$@"
	fi
}

# bash -c CMD as root in the suite's chroot, with a clean environment and
# /proc mounted (objtool of 7.x and dpkg-buildpackage read it). Take
# suite_lock first: the mount is shared.
suite_in_chroot() {	# SUITE CMD
	local ch=$suite_cache/$1/chroot rc=0
	mount -t proc proc "$ch/proc"
	chroot "$ch" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive bash -euo pipefail -c "$2" || rc=$?
	umount "$ch/proc"
	return "$rc"
}

# The tree as committed plus local changes, never build output, in the
# chroot's /build/src: a git repository again inside (make deb lists its
# files with git).
suite_copy_tree() {	# SUITE
	local ch=$suite_cache/$1/chroot
	rm -rf "$ch/build/src"
	mkdir -p "$ch/build/src"
	(cd "$suite_repo" && git ls-files -co --exclude-standard -z | grep -zv '^build/' | xargs -0 cp --parents -t "$ch/build/src")
	suite_in_chroot "$1" 'cd /build/src && git init -q && git add -A && git -c user.name=m -c user.email=m@localhost commit -qm tree' >/dev/null
}

# make deb (packaging/build-deb, lintian included) in the chroot's tree
# (suite_copy_tree first), with the suite's compiler, Boost, libnl and
# debhelper; the .deb files into OUTDIR. Needs suite_prepare and the
# chroot's $suite_deb_build_deps.
suite_make_deb() {	# SUITE OUTDIR
	local ch=$suite_cache/$1/chroot out=$2
	suite_in_chroot "$1" 'cd /build/src && make deb'
	mkdir -p "$out"
	rm -f "$out"/*.deb
	cp "$ch"/build/src/build/deb/*.deb "$out/"
}
