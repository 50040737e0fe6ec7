#!/bin/sh
# check-layers.sh: lib/ is shelved by layer and every include points down.
#   core <- session <- net <- image <- backend <- {git, agent}
# A file in lib/L/ or include/paude/L/ may include headers of L and of the
# layers left of L; git and agent do not include each other. lib/L/*.h are
# private to lib/ (public headers never include them), and lib/L/*-internal.h
# to lib/L/ itself. lib/ has no file outside a layer folder. Prints each
# violation; exits 1 if any.
set -u
cd "$(dirname "$0")/.." || exit 2
rank() {
	case $1 in
	core) echo 0 ;; session) echo 1 ;; net) echo 2 ;; image) echo 3 ;; backend) echo 4 ;;
	git | agent) echo 5 ;; *) echo "" ;;
	esac
}
bad=0
for f in lib/* include/paude/*; do
	[ -d "$f" ] && continue
	echo "$f: not in a layer folder"
	bad=1
done
for f in lib/*/*.[ch] include/paude/*/*.h; do
	case $f in
	include/*) L=${f#include/paude/} ;;
	*) L=${f#lib/} ;;
	esac
	L=${L%%/*}
	r=$(rank "$L")
	if [ -z "$r" ]; then
		echo "$f: unknown layer '$L'"
		bad=1
		continue
	fi
	# Every '#include "..."' of the file, with its line number.
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		sed 's/^\([0-9]*\):.*"\(.*\)".*/\1 \2/' >"${TMPDIR:-/tmp}/layers.$$"
	while read -r n inc; do
		case $inc in
		paude/*/*) M=${inc#paude/} M=${M%%/*} ;;
		*/*) M=${inc%%/*}
			case $f:$inc in
			include/*)
				echo "$f:$n: a public header includes $inc, private to lib/"
				bad=1
				continue ;;
			*:*-internal.h) if [ "$M" != "$L" ]; then
					echo "$f:$n: includes $inc, internal to layer $M"
					bad=1
					continue
				fi ;;
			esac ;;
		*) M=$L ;;
		esac
		m=$(rank "$M")
		if [ -z "$m" ]; then
			echo "$f:$n: includes $inc of unknown layer '$M'"
			bad=1
		elif [ "$m" -gt "$r" ] || { [ "$m" -eq "$r" ] && [ "$M" != "$L" ]; }; then
			echo "$f:$n: layer $L includes $inc (layer $M): includes must point down (core <- session <- net <- image <- backend <- {git, agent})"
			bad=1
		fi
	done <"${TMPDIR:-/tmp}/layers.$$"
	rm -f "${TMPDIR:-/tmp}/layers.$$"
done
exit $bad
