#!/usr/bin/env bash
# Boot the kernel (and optional modules) in QEMU and turn the [TEST:*] lines
# printed on the serial port into a verdict.
#
# usage: run-qemu-test.sh --name N --kernel K [--modules "a,b"] [--append S]
#                         [--timeout SEC] [--min-pass N] [--log FILE]
#                         [--expect LINE] [--mem MB] [--cpu MODEL]
#                         [--boot-fail LINE]
# Passes (exit 0) only when: QEMU finished before the timeout through
# isa-debug-exit with code 0, a [TEST:SUMMARY] line reports failed=0 and at
# least --min-pass passes, [TEST:EXIT] 0 was printed, and no [TEST:FAIL]
# appeared. With --expect (for the demo, which prints no [TEST:*] lines) the
# serial log must instead contain LINE exactly and end with [TEST:EXIT] 0.
# With --boot-fail (a kernel that must refuse to boot, e.g. on the CPU model
# --cpu) it must contain LINE exactly and leave through isa-debug-exit with
# the boot-failure code 2. On failure the whole serial log is printed.
set -u
name="" kernel="" modules="" append="" timeout_s=60 min_pass=1 log="" expect="" mem=128 cpu="" boot_fail=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --modules) modules=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --min-pass) min_pass=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --boot-fail) boot_fail=$2; shift 2 ;;
    *) echo "run-qemu-test: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$kernel" ] && [ -f "$kernel" ] || { echo "run-qemu-test: kernel '$kernel' not found" >&2; exit 2; }
[ -n "$log" ] || log=$(mktemp)
qemu=${QEMU:-qemu-system-i386}

args=(-accel tcg -m "$mem" -display none -no-reboot -monitor none -serial "file:$log"
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel")
[ -n "$modules" ] && args+=(-initrd "$modules")
[ -n "$append" ] && args+=(-append "$append")
[ -n "$cpu" ] && args+=(-cpu "$cpu")

timeout --kill-after=5 "$timeout_s" "$qemu" "${args[@]}" </dev/null >"$log.stdout" 2>&1
rc=$?
tr -d '\r' <"$log" >"$log.clean" && mv "$log.clean" "$log"

fail() {
  echo "FAIL $name: $*"
  echo "----- serial log ($log) -----"
  cat "$log"
  echo "----- qemu output -----"
  cat "$log.stdout"
  exit 1
}

grep -E '^\[TEST:(PASS|FAIL|SUMMARY|EXIT)\]' "$log"
[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && fail "timeout after ${timeout_s}s"
if [ -n "$boot_fail" ]; then
  grep -qxF -- "$boot_fail" "$log" || fail "expected line not printed: $boot_fail"
  [ "$rc" -eq 5 ] || fail "qemu exit status $rc (expected 5 = debug-exit code 2, a boot failure)"
  echo "PASS $name: refused to boot with '$boot_fail'"
  exit 0
fi
qemu_exit_ok() {
  [ "$rc" -eq 1 ] || fail "qemu exit status $rc (expected 1 = debug-exit code 0)"
}
. "$(dirname "$0")/judge-log.sh"
judge_log "$log" "$name" "$expect" "$min_pass" qemu_exit_ok
