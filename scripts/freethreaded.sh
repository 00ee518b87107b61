#!/usr/bin/env bash
# make freethreaded: a free-threaded CPython (PEP 703, no GIL) and .venv-ft/, a venv of it holding the
# server side of this project (requirements-ft.lock) and the project itself (editable, no dependencies).
#
# The interpreter is made once per machine, in a user cache outside the clone ($FT_CACHE, default
# ${XDG_CACHE_HOME:-~/.cache}/fanout-bench/freethreaded), so that a fresh clone reuses it. Routes, in order:
#   1. one this script made before, in the cache;
#   2. `uv python install 3.14t` (where the internet is reachable), into the cache;
#   3. CPython built from Debian's source package python3.13 (trixie): a deb-src entry is written into a
#      private apt folder in the cache, with the mirror taken from this machine's own apt sources;
#      missing build dependencies are installed with apt-get (as root); `./configure --disable-gil`,
#      no PGO, no LTO, no test modules. About 5 minutes on 2 cores.
# A second run with .venv-ft up to date does nothing and says so.
#
# Usage: scripts/freethreaded.sh          make what is missing (UV= the uv to use; the Makefile passes .venv's;
#                                         FT_PYTHON= a free-threaded Python of your own, taken as it is)
#        scripts/freethreaded.sh lock     resolve requirements-ft.lock again from requirements-ft.in
set -euo pipefail
cd "$(dirname "$0")/.."

UV=${UV:-.venv/bin/uv}
VENV_FT=.venv-ft
LOCK=requirements-ft.lock
CACHE=${FT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fanout-bench/freethreaded}
UV_VERSION_WANTED=3.14t
DEBIAN_SOURCE=python3.13
DEBIAN_SUITE=trixie
# What CPython's build needs for the modules this project uses (ssl, ctypes, zlib, lzma, bz2, readline...).
BUILD_DEPS=(build-essential pkg-config libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev
	libreadline-dev libncurses-dev xz-utils)
# Imported after the packages, the interpreter must still run without its GIL (3.13t turns it back on for
# an extension that does not declare support).
CHECK_IMPORTS="flask, flask_cors, fastapi, uvicorn, numpy, psutil, threadpoolctl, requests"
START=$SECONDS

# Progress goes to stderr: stdout carries the interpreter path between functions.
say() { echo "make freethreaded: $*" >&2; }
die() {
	echo "make freethreaded: error: $*" >&2
	exit 1
}
elapsed() { printf '%dm%02ds' $(((SECONDS - START) / 60)) $(((SECONDS - START) % 60)); }

# run LOG WHAT CMD...: one phase, its output appended to LOG; a line every 30 s while it runs, the log's
# tail when it fails.
run() {
	local log=$1 what=$2
	shift 2
	say "$what ($(elapsed) so far)"
	"$@" >>"$log" 2>&1 &
	local pid=$! waited=0
	trap 'kill $pid 2>/dev/null' EXIT
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		waited=$((waited + 1))
		if ((waited % 30 == 0)); then
			say "  ... $what, $(elapsed) so far: $(tail -n 1 "$log" | cut -c 1-90)"
		fi
	done
	trap - EXIT
	if ! wait "$pid"; then
		echo "---- the last lines of $log:" >&2
		tail -n 30 "$log" >&2
		die "$what failed (the whole output is in $log)"
	fi
}

# The interpreter's version and build, as the servers report it.
describe() {
	"$1" -c 'import sys, sysconfig; ft = sysconfig.get_config_var("Py_GIL_DISABLED"); print(sys.version.split()[0] + (" free-threading" if ft else ""))'
}

# A free-threaded interpreter that runs; nothing otherwise.
free_threaded() {
	[ -x "$1" ] && "$1" -c 'import sys, sysconfig; sys.exit(0 if sysconfig.get_config_var("Py_GIL_DISABLED") else 1)' 2>/dev/null
}

# Route 1: the newest complete build in the cache, else the newest uv put there.
cached_python() {
	local py found=""
	for py in "$CACHE"/cpython-*t/bin/python3.*t; do
		[ -e "${py%/bin/*}/.complete" ] && free_threaded "$py" && found=$py
	done
	if [ -z "$found" ] && [ -d "$CACHE/uv-python" ] && [ -x "$UV" ]; then
		found=$(UV_PYTHON_INSTALL_DIR="$CACHE/uv-python" "$UV" python find --managed-python --no-python-downloads \
			"$UV_VERSION_WANTED" 2>/dev/null || true)
		free_threaded "$found" || found=""
	fi
	echo "$found"
}

# Route 2: uv's build of CPython 3.14t; fails fast (one try, 60 s at most) where it cannot download.
uv_python() {
	[ -x "$UV" ] || return 1
	say "trying: uv python install $UV_VERSION_WANTED (into $CACHE/uv-python)"
	local log="$CACHE/uv-python-install.log"
	if ! UV_HTTP_RETRIES=0 timeout 60 env UV_PYTHON_INSTALL_DIR="$CACHE/uv-python" \
		"$UV" python install --no-bin "$UV_VERSION_WANTED" >"$log" 2>&1; then
		local reason
		reason=$(grep -o 'cause: .*' "$log" | tail -n 1)
		say "uv could not install $UV_VERSION_WANTED: ${reason:-$(tail -n 1 "$log")}"
		say "(uv's whole answer: $log); building CPython from Debian's source instead"
		return 1
	fi
	UV_PYTHON_INSTALL_DIR="$CACHE/uv-python" "$UV" python find --managed-python --no-python-downloads "$UV_VERSION_WANTED"
}

# The Debian mirror this machine's apt uses (deb822 .sources first, then one-line lists); not a security one.
debian_mirror() {
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}'
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" || $1 == "deb-src" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) {print $i; break}}'
	} | grep -v -e security -e '^$' | grep -m1 -E '/debian/?$' || true
}

# The build dependencies that are not installed; installed with apt-get when root.
build_deps() {
	local missing=() p
	for p in "${BUILD_DEPS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if [ "$(id -u)" != 0 ]; then
		die "CPython's build needs: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) and run make freethreaded again"
	fi
	run "$1" "installing the build dependencies: ${missing[*]}" \
		sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
}

# Route 3: CPython from Debian's source package, built into $CACHE/cpython-VERSIONt.
build_python() {
	if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
		die "no uv download and no apt-get here: install a free-threaded CPython (3.13t or later) and point FT_PYTHON at it"
	fi
	local mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg apt="$CACHE/apt" log="$CACHE/build.log"
	mirror=$(debian_mirror)
	[ -n "$mirror" ] || die "no Debian mirror in this machine's apt sources (/etc/apt/sources.list.d/, /etc/apt/sources.list)"
	[ -r "$keyring" ] || die "Debian's archive keyring is missing ($keyring): apt-get install debian-archive-keyring"
	: >"$log"
	say "building CPython from Debian's source package $DEBIAN_SOURCE ($DEBIAN_SUITE, from $mirror); the build's output: $log"
	mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/cache/archives/partial" "$CACHE/src"
	printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
		"$mirror" "$DEBIAN_SUITE" "$keyring" >"$apt/sources/$DEBIAN_SUITE-src.sources"
	local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/sources"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Debug::NoLocking=1")
	run "$log" "downloading the list of $DEBIAN_SUITE's source packages" apt-get "${opts[@]}" update
	rm -f "$CACHE/src"/*
	run "$log" "downloading the source of $DEBIAN_SOURCE" \
		sh -c 'cd "$1" && shift && apt-get "$@" source --download-only '"$DEBIAN_SOURCE" _ "$CACHE/src" "${opts[@]}"
	local tarball version
	tarball=$(ls "$CACHE/src"/"$DEBIAN_SOURCE"_*.orig.tar.* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || die "apt-get source gave no upstream tarball (see $log)"
	version=$(basename "$tarball" | sed -E 's/^[^_]+_([0-9.]+)\.orig\..*/\1/')
	build_deps "$log"
	local prefix="$CACHE/cpython-${version}t" work="$CACHE/build-$version"
	rm -rf "$prefix" "$work"
	mkdir -p "$work"
	run "$log" "unpacking CPython $version" tar -xf "$tarball" -C "$work" --strip-components=1
	# OPT is configure's default less -g (it adds -DNDEBUG itself): no debugging symbols to compile and write.
	run "$log" "configuring (--disable-gil, no PGO, no LTO, no test modules)" \
		sh -c 'cd "$1" && ./configure --disable-gil --prefix="$2" --disable-test-modules --with-ensurepip=no \
			OPT="-O3 -Wall"' _ "$work" "$prefix"
	run "$log" "compiling on $(nproc) cores (about 5 minutes on 2)" make -C "$work" -j "$(nproc)"
	run "$log" "installing into $prefix" make -C "$work" install
	local py
	py=$(ls "$prefix"/bin/python3.*t | head -n 1)
	free_threaded "$py" || die "the build in $prefix is not free-threaded (see $log)"
	"$py" -c 'import ssl, ctypes, zlib, lzma, bz2, decimal, readline' >>"$log" 2>&1 ||
		die "$py lacks a standard module this project needs (see $log)"
	touch "$prefix/.complete"
	rm -rf "$work" "$CACHE/src" "$apt" # the interpreter and the build's log stay
	say "built $py ($(describe "$py")) in $(elapsed)"
}

interpreter() {
	if [ -n "${FT_PYTHON:-}" ]; then
		free_threaded "$FT_PYTHON" || die "FT_PYTHON=$FT_PYTHON is not a free-threaded Python"
		echo "$FT_PYTHON"
		return
	fi
	local py
	py=$(cached_python)
	if [ -z "$py" ]; then
		py=$(uv_python) || py=""
	fi
	if [ -z "$py" ]; then
		build_python >&2
		py=$(cached_python)
	fi
	[ -n "$py" ] || die "no free-threaded Python: neither uv's download nor the build from Debian's source worked"
	echo "$py"
}

lock() {
	local py
	py=$(interpreter)
	# The project's own versions (requirements.lock) but for those requirements-ft.in pins; wheels only, so
	# that every version in the lock has a wheel for this interpreter.
	local constraints pinned
	constraints=$(mktemp)
	pinned=$(sed -n -E 's/^([A-Za-z0-9_.-]+)==.*/\1/p' requirements-ft.in | paste -s -d '|')
	grep -v -i -E "^($pinned)==" requirements.lock >"$constraints"
	"$UV" pip compile --quiet --only-binary :all: --python "$py" -c "$constraints" \
		--custom-compile-command "scripts/freethreaded.sh lock" requirements-ft.in -o "$LOCK"
	sed -i "s|-c $constraints|-c requirements.lock|" "$LOCK" # the constraints by the name they have in the clone
	rm -f "$constraints"
	say "resolved $LOCK for $(describe "$py")"
}

venv() {
	local stamp="$VENV_FT/.installed"
	if [ -f "$stamp" ] && [ "$stamp" -nt "$LOCK" ] && [ "$stamp" -nt pyproject.toml ] && [ -x "$VENV_FT/bin/python" ]; then
		say "$VENV_FT is up to date: $(cat "$stamp") (nothing to do)"
		return
	fi
	[ -x "$UV" ] || die "$UV is missing: run make freethreaded (it creates .venv first)"
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock -n 9 || {
		say "another make freethreaded holds $CACHE; waiting for it"
		flock 9
	}
	local py
	py=$(interpreter)
	say "interpreter: $py ($(describe "$py"))"
	if ! [ -x "$VENV_FT/bin/python" ] || [ "$("$VENV_FT/bin/python" -c 'import sys; print(sys._base_executable)' 2>/dev/null)" != "$py" ]; then
		rm -rf "$VENV_FT"
		"$py" -m venv --without-pip "$VENV_FT"
	fi
	say "installing the server side's packages ($LOCK) and this project (editable) into $VENV_FT"
	"$UV" pip sync --quiet --compile-bytecode --only-binary :all: --python "$VENV_FT/bin/python" "$LOCK"
	"$UV" pip install --quiet --compile-bytecode --python "$VENV_FT/bin/python" --no-deps -e .
	local report
	report=$("$VENV_FT/bin/python" -c "import $CHECK_IMPORTS; import servers.flask_app, servers.fastapi_app
import sys; from servers.interpreter import report
r = report(); print(r['interpreter'], 'GIL enabled' if r['gil_enabled'] else 'GIL disabled')
sys.exit(1 if r['gil_enabled'] else 0)") ||
		die "$VENV_FT/bin/python has its GIL on after importing $CHECK_IMPORTS (${report:-it failed})"
	echo "$report ($py)" >"$stamp"
	say "$VENV_FT ready in $(elapsed): $report; run a server under it with: python -m servers flask --python $VENV_FT/bin/python"
}

case "${1:-}" in
"") venv ;;
lock) lock ;;
*) die "unknown command ${1}; usage: scripts/freethreaded.sh [lock]" ;;
esac
