#!/bin/bash
# SPDX-License-Identifier: MIT
# check-headers.sh: every source file has the header of its name (`make lint`
# runs this from the top of the tree; docs/DEVELOPING.md states the rule):
#   lib/NAME.c           include/paude/NAME.h, or for a module split into
#                        files, lib/MODULE-internal.h for lib/MODULE-*.c
#                        (lib/LAYER/ likewise);
#                        lib/backend-NAME.c implements NAME.h
#   cmd/paude/cmd-*.c    the commands cmd/paude/cmd.h lists
#   cmd/*/main.c         none
#   cmd/paude-gateway/   one program, one header: gateway.h
#   other cmd/*/NAME.c   NAME.h beside it
set -u
bad=0
shopt -s nullglob
# lib/*/*.c too: the files may live in one folder per layer.
for f in lib/*.c lib/*/*.c; do
	d=${f%/*}
	n=${f##*/}
	n=${n%.c}
	[ -f "include/paude/$n.h" ] && continue
	[ -f "include/paude/${n#backend-}.h" ] && continue
	case $n in *-*) [ -f "$d/${n%%-*}-internal.h" ] && continue ;; esac
	echo "$f: no include/paude/$n.h (see docs/DEVELOPING.md, Conventions)" >&2
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
