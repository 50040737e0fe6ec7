#!/bin/bash
# Benchmark: the git tunnel. Push, then fetch, a generated repository of about
# 200 MB (many commits, some large incompressible binaries) three ways:
#   paude   git push paude::NAME                       (git-remote-paude)
#   ext     git push "ext::podman exec -i CTR %S /pvc/workspace"
#   file    git push file:///local/bare.git            (the floor: no container)
# The two container targets are a bare repository at /pvc/workspace in the
# same session, emptied before every push, so both do the same work.
# Each figure is the best of RUNS rounds (the order rotates every round), which
# keeps the noise of a shared machine out of the ratios; the medians of the
# rounds are printed too, as one lucky round moves a best but not a median. Also measures the
# helper's peak RSS before it execs podman (PAUDE_LOG=debug reports VmHWM).
# Goals: paude/ext <= 1.05, helper RSS < 4 MiB.
#
# Then three ratios of medians over alternating runs (A, B, A, B, ...):
#   first push   `paude remote add --push NAME` vs `git push paude::NAME` into
#                an empty workspace, on a generated history of OBJECTS objects
#                (fast-import; goal <= 1.1)
#   no-op fetch  `git fetch paude-NAME` with nothing new vs the floor it rides
#                on, `podman exec CTR true` (goal <= 1.05)
#   clone        `git clone paude::NAME` vs `git clone file://...` of the same
#                history (what the container adds)
# Usage: bench/git-tunnel.sh [SIZE_MB] [RUNS] [OBJECTS]   (defaults: 200, 5, 100000)
# PARTS (default "classic ratios"): which halves to run.
set -eu
cd "$(dirname "$0")/.."
SIZE_MB=${1:-200}
RUNS=${2:-5}
OBJECTS=${3:-100000}
PARTS=${PARTS:-classic ratios}
export PATH="$PWD/bin:$PATH"
export PAUDE_BASE_IMAGE="${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}"
tests/integration/ensure-base.sh
# The real agent image (paude builds it, or reuses it by hash). The session
# allows only a name that cannot exist, so nothing in it reaches any network.

name="bench$$-git"
ctr="paude-$name"
work=$(mktemp -d "${TMPDIR:-/tmp}/paude-bench-git.XXXXXX")
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	paude delete "$name" --confirm --force >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name Bench
git config --global user.email bench@paude.invalid
git config --global init.defaultBranch main

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# The median of the rounds: one lucky round moves the best, not the median.
# shellcheck disable=SC2086 # $1 is a list of numbers, split on purpose
median() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
classic() {
	echo "generating a ~${SIZE_MB} MB repository..." >&2
	src="$work/src"
	git init -q "$src"
	# 3000 commits of text, then large random binaries spread over later commits
	# (random data does not compress: the pack is about as big as the files).
	nbin=$((SIZE_MB / 20))
	{
		for i in $(seq 1 3000); do
			printf 'commit refs/heads/main\ncommitter B <b@b> %d +0000\ndata <<EOF\ncommit %d\nEOF\n' \
				$((1700000000 + i)) "$i"
			printf 'M 100644 inline src/file%d.txt\ndata <<EOF\n' $((i % 200))
			seq "$i" $((i + 40))
			printf 'EOF\n\n'
		done
	} | git -C "$src" fast-import --quiet
	git -C "$src" reset -q --hard main
	for i in $(seq 1 "$nbin"); do
		head -c $((SIZE_MB * 1048576 / (nbin + 1))) /dev/urandom >"$src/blob$i.bin"
		git -C "$src" add "blob$i.bin"
		git -C "$src" commit -q -m "binary $i"
	done
	# One pack, as a real repository has: pushes then reuse its compressed data.
	git -C "$src" repack -a -d -q
	size=$(du -sm "$src/.git" | cut -f1)
	commits=$(git -C "$src" rev-list --count HEAD)
	echo "repository: $commits commits, $size MB in .git" >&2


	reset_targets() {
		podman exec "$ctr" sh -c 'rm -rf /pvc/workspace/* /pvc/workspace/.[!.]* 2>/dev/null; git init -q --bare /pvc/workspace'
		rm -rf "$work/bare.git" && git init -q --bare "$work/bare.git"
	}

	url_for() {
		case "$1" in
		paude) echo "paude::$name" ;;
		ext) echo "ext::podman exec -i $ctr %S /pvc/workspace" ;;
		file) echo "file://$work/bare.git" ;;
		esac
	}


	push_ms() {
		local url t
		url=$(url_for "$1")
		t=$(date +%s%N)
		git -C "$src" -c protocol.ext.allow=always push -q "$url" main 2>/dev/null
		ms "$t"
	}

	fetch_ms() {
		local url t dst="$work/fetch-$1"
		url=$(url_for "$1")
		rm -rf "$dst" && git init -q --bare "$dst"
		t=$(date +%s%N)
		git -C "$dst" -c protocol.ext.allow=always fetch -q "$url" "refs/heads/main:refs/heads/main" 2>/dev/null
		local r
		r=$(ms "$t")
		[ "$(git -C "$dst" rev-parse main)" = "$(git -C "$src" rev-parse main)" ] ||
			{ echo "fetch via $1 lost commits" >&2; exit 1; }
		echo "$r"
	}

	declare -A best_push best_fetch all_push all_fetch
	order=(paude ext file)
	for ((round = 0; round < RUNS; round++)); do
		for k in 0 1 2; do
			how=${order[$(((round + k) % 3))]}
			reset_targets
			p=$(push_ms "$how")
			f=$(fetch_ms "$how")
			[ -z "${best_push[$how]:-}" ] || [ "$p" -lt "${best_push[$how]}" ] && best_push[$how]=$p
			[ -z "${best_fetch[$how]:-}" ] || [ "$f" -lt "${best_fetch[$how]}" ] && best_fetch[$how]=$f
			all_push[$how]="${all_push[$how]:-} $p"
			all_fetch[$how]="${all_fetch[$how]:-} $f"
			echo "round $((round + 1)) $how: push ${p} ms, fetch ${f} ms" >&2
		done
	done

	# The fixed cost of one connection (session check, process start-up): the
	# median of 15 ls-remote round trips each way, on the repository just pushed.
	median_ls_ms() {
		local url times=() i t
		url=$(url_for "$1")
		for ((i = 0; i < 15; i++)); do
			t=$(date +%s%N)
			git -c protocol.ext.allow=always ls-remote "$url" >/dev/null 2>&1
			times+=("$(ms "$t")")
		done
		printf '%s\n' "${times[@]}" | sort -n | sed -n 8p
	}
	ls_paude=$(median_ls_ms paude)
	ls_ext=$(median_ls_ms ext)

	# The helper's own footprint, before it becomes podman.
	rss=$(PAUDE_LOG=debug git -C "$src" ls-remote "paude::$name" 2>&1 >/dev/null |
		sed -n 's/.*peak RSS before exec: \([0-9]*\) kB.*/\1/p')
	# Whole process (helper, then podman exec in the same pid) for comparison.
	whole=""
	if [ -x /usr/bin/time ]; then
		whole=$( { /usr/bin/time -f '%M' git-remote-paude r "$name" <<<$'capabilities\nconnect git-upload-pack\n0000' >/dev/null; } 2>&1 | tail -n 1)
	fi

	printf '\ngit tunnel, %s commits, %s MB, best of %s\n' "$commits" "$size" "$RUNS"
	printf '%-8s %10s %10s\n' "" "push ms" "fetch ms"
	for how in paude ext file; do
		printf '%-8s %10s %10s\n' "$how" "${best_push[$how]}" "${best_fetch[$how]}"
	done
	printf 'paude/ext:  push %s  fetch %s   (goal <= 1.05)\n' \
		"$(ratio "${best_push[paude]}" "${best_push[ext]}")" "$(ratio "${best_fetch[paude]}" "${best_fetch[ext]}")"
	printf 'paude/file: push %s  fetch %s\n' \
		"$(ratio "${best_push[paude]}" "${best_push[file]}")" "$(ratio "${best_fetch[paude]}" "${best_fetch[file]}")"
	mp=$(median "${all_push[paude]}") mf=$(median "${all_fetch[paude]}")
	ep=$(median "${all_push[ext]}") ef=$(median "${all_fetch[ext]}")
	printf 'medians of %s rounds: paude %s/%s ms, ext %s/%s ms; paude/ext: push %s  fetch %s\n' \
		"$RUNS" "$mp" "$mf" "$ep" "$ef" "$(ratio "$mp" "$ep")" "$(ratio "$mf" "$ef")"
	printf 'ls-remote median: paude %s ms, ext %s ms (fixed cost per connection)\n' "$ls_paude" "$ls_ext"
	printf 'git-remote-paude peak RSS before exec: %s KiB (goal < 4096)\n' "${rss:-?}"
	[ -n "$whole" ] && printf 'same pid after exec (podman exec itself): %s KiB\n' "$whole"
}

# --- ratios of medians over alternating runs ------------------------------
ratios() {
	local hist="$work/hist" i t
	echo "generating a history of about $OBJECTS objects..." >&2
	git init -q "$hist"
	# Each commit: a commit, 2 blobs, the root tree and 2 subtrees (6 objects)
	# in a tree of 40 directories x 25 files.
	local commits=$((OBJECTS / 6))
	{
		for ((i = 1; i <= commits; i++)); do
			printf 'commit refs/heads/main\ncommitter B <b@b> %d +0000\ndata <<EOF\nc%d\nEOF\n' \
				$((1700000000 + i)) "$i"
			printf 'M 100644 inline d%d/f%d.txt\ndata <<EOF\nline %d of %d\nEOF\n' \
				$((i % 40)) $((i % 25)) "$i" "$commits"
			printf 'M 100644 inline e%d/g%d.txt\ndata <<EOF\n%d\nEOF\n\n' \
				$((i % 37)) $((i % 23)) "$((i * 7))"
		done
	} | git -C "$hist" fast-import --quiet
	git -C "$hist" reset -q --hard main
	git -C "$hist" repack -a -d -q
	local objects
	objects=$(git -C "$hist" count-objects -v | sed -n 's/^in-pack: //p')
	echo "history: $commits commits, $objects objects" >&2

	empty_workspace() {
		podman exec "$ctr" sh -c 'rm -rf /pvc/workspace/* /pvc/workspace/.[!.]* 2>/dev/null; git init -q -b main /pvc/workspace && git -C /pvc/workspace config receive.denyCurrentBranch updateInstead'
		git -C "$hist" remote remove "paude-$name" 2>/dev/null || true
	}
	local a=() b=()
	for ((i = 0; i < RUNS; i++)); do
		empty_workspace
		t=$(date +%s%N)
		(cd "$hist" && paude -q remote add --push "$name" >/dev/null 2>&1)
		a+=("$(ms "$t")")
		[ "$(podman exec "$ctr" git -C /pvc/workspace rev-parse HEAD)" = "$(git -C "$hist" rev-parse HEAD)" ] ||
			{ echo "remote add --push did not push" >&2; exit 1; }
		empty_workspace
		t=$(date +%s%N)
		git -C "$hist" push -q "paude::$name" main 2>/dev/null
		b+=("$(ms "$t")")
		echo "first push round $((i + 1)): remote add --push ${a[-1]} ms, git push ${b[-1]} ms" >&2
	done
	local fp_a fp_b
	fp_a=$(median "${a[*]}") fp_b=$(median "${b[*]}")

	# No-op fetch against the floor: the workspace holds the history now.
	(cd "$hist" && paude -q remote add "$name" >/dev/null 2>&1)
	git -C "$hist" fetch -q "paude-$name"
	a=() b=()
	for ((i = 0; i < 3 * RUNS; i++)); do
		t=$(date +%s%N)
		git -C "$hist" fetch -q "paude-$name"
		a+=("$(ms "$t")")
		t=$(date +%s%N)
		podman exec "$ctr" true
		b+=("$(ms "$t")")
	done
	local nf_a nf_b
	nf_a=$(median "${a[*]}") nf_b=$(median "${b[*]}")

	# Clone through the tunnel against a local clone of the same history.
	a=() b=()
	for ((i = 0; i < RUNS; i++)); do
		rm -rf "$work/c1" "$work/c2"
		t=$(date +%s%N)
		git clone -q "paude::$name" "$work/c1" 2>/dev/null
		a+=("$(ms "$t")")
		t=$(date +%s%N)
		git clone -q "file://$hist" "$work/c2" 2>/dev/null
		b+=("$(ms "$t")")
	done
	local cl_a cl_b
	cl_a=$(median "${a[*]}") cl_b=$(median "${b[*]}")

	printf '\nratios of medians, %s alternating runs (%s objects)\n' "$RUNS" "$objects"
	printf 'first push:  remote add --push %s ms / git push %s ms = %s   (goal <= 1.1)\n' \
		"$fp_a" "$fp_b" "$(ratio "$fp_a" "$fp_b")"
	printf 'no-op fetch: git fetch %s ms / podman exec true %s ms = %s   (goal <= 1.05)\n' \
		"$nf_a" "$nf_b" "$(ratio "$nf_a" "$nf_b")"
	printf 'clone:       paude:: %s ms / file:// %s ms = %s\n' "$cl_a" "$cl_b" "$(ratio "$cl_a" "$cl_b")"
}

(cd "$work" && paude -q create "$name" --allowed-domains bench.invalid >/dev/null 2>&1)
paude -q start --detach "$name" </dev/null >/dev/null 2>&1
case " $PARTS " in *" classic "*) classic ;; esac
case " $PARTS " in *" ratios "*) ratios ;; esac
exit 0
