#!/bin/bash
# Fails when a global symbol of the host-built core or mocks (the archives
# given) is also defined by the C library the host tests link: in a host
# build such a symbol replaces libc's for every caller, sanitizer runtimes
# included (a core sched_yield once deadlocked LeakSanitizer at exit).
# Usage: libc-names.sh <C compiler> <archive>...
set -euo pipefail
cc=$1; shift
libc=$("$cc" -print-file-name=libc.so.6)
if [ ! -e "$libc" ]; then
    echo "libc-names: no libc.so.6 from $cc (got '$libc')" >&2
    exit 1
fi
ours=$(nm -g --defined-only "$@" | awk 'NF == 3 { print $3 }' | sort -u)
theirs=$(nm -D --defined-only "$libc" | awk '{ sub(/@.*/, "", $3); print $3 }' | sort -u)
[ -n "$ours" ] || { echo "libc-names: no symbols in $*" >&2; exit 1; }
clash=$(comm -12 <(printf '%s\n' "$ours") <(printf '%s\n' "$theirs"))
if [ -n "$clash" ]; then
    echo "libc-names: defined by the core/mocks and by libc:" $clash >&2
    exit 1
fi
echo "libc-names: $(printf '%s\n' "$ours" | wc -l) core/mock symbols, none in $libc"
