#!/bin/bash
# SPDX-License-Identifier: MIT
# check-headers.sh: every source file has the header of its name (`make lint`
# runs this from the top of the tree; docs/DEVELOPING.md states the rule):
#   lib/LAYER/NAME.c     include/paude/LAYER/NAME.h, or for a module split
#                        into files, lib/LAYER/MODULE-internal.h for
#                        lib/LAYER/MODULE-*.c;
#                        lib/LAYER/backend-NAME.c implements NAME.h
#   cmd/paude/cmd-*.c    the commands cmd/paude/cmd.h lists
#   cmd/*/main.c         none
#   cmd/paude-gateway/   one program, one header: gateway.h
#   other cmd/*/NAME.c   NAME.h beside it
set -u
bad=0
shopt -s nullglob
# lib/*.c too: tools/check-layers.sh refuses them, this names their header.
for f in lib/*.c lib/*/*.c; do
	d=${f%/*}
	n=${f##*/}
	n=${n%.c}
	h=include/paude${d#lib}
	[ -f "$h/$n.h" ] && continue
	[ -f "$h/${n#backend-}.h" ] && continue
	case $n in *-*) [ -f "$d/${n%%-*}-internal.h" ] && continue ;; esac
	echo "$f: no $h/$n.h (see docs/DEVELOPING.md, Conventions)" >&2
	bad=1
done
for f in cmd/*/*.c; do
	case $f in
	cmd/paude/cmd-*.c | cmd/*/main.c) continue ;;
	cmd/paude-gateway/*.c) [ -f cmd/paude-gateway/gateway.h ] && continue ;;
	*) [ -f "${f%.c}.h" ] && continue ;;
	esac
	echo "$f: no ${f%.c}.h (see docs/DEVELOPING.md, Conventions)" >&2
	bad=1
done
exit "$bad"
