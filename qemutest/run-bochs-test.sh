#!/usr/bin/env bash
# Boot a GRUB ISO of the kernel (scripts/iso) in Bochs and turn the [TEST:*]
# lines printed on the serial port into a verdict, like run-qemu-test.sh.
#
# usage: run-bochs-test.sh --name N --iso ISO [--timeout SEC] [--min-pass N]
#                          [--log FILE] [--expect LINE] [--mem MB] [--ips N]
#                          [--cpu MODEL]
# Passes (exit 0) only when: Bochs stopped before the timeout because the
# kernel wrote "Shutdown" to port 0x8900 (machine_exit), a [TEST:SUMMARY]
# line reports failed=0 and at least --min-pass passes, [TEST:EXIT] 0 was
# printed, and no [TEST:FAIL] appeared. With --expect (for the demo) the
# serial log must instead contain LINE exactly and end with [TEST:EXIT] 0.
# On failure the serial log and the end of Bochs' own log are printed.
# Bochs' log is FILE.bochs, its configuration FILE.bochsrc.
set -u
here=$(cd "$(dirname "$0")" && pwd)
name="" iso="" timeout_s=60 min_pass=1 log="" expect="" mem=128 ips=50000000
cpu=corei7_sandy_bridge_2600k
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --iso) iso=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --min-pass) min_pass=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --ips) ips=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    *) echo "run-bochs-test: unknown argument $1" >&2; exit 2 ;;
  esac
done
bochs=${BOCHS:-bochs-bin}
if ! command -v "$bochs" >/dev/null || [ ! -f /usr/share/bochs/BIOS-bochs-latest ] ||
   [ ! -f /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so ]; then
  echo "FAIL $name: Bochs is not installed (Debian: bochs bochs-term bochsbios vgabios; scripts/deps.sh)"
  exit 1
fi
[ -n "$iso" ] && [ -f "$iso" ] ||
  { echo "FAIL $name: ISO '$iso' not built (grub-mkrescue missing? scripts/deps.sh lists the packages)"; exit 1; }
[ -n "$log" ] || log=$(mktemp)
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
log=$(abs "$log") iso=$(abs "$iso")
rm -f "$log" "$log.bochs"
sed -e "s|@ISO@|$iso|; s|@SERIAL@|$log|; s|@LOG@|$log.bochs|; s|@MEM@|$mem|; s|@IPS@|$ips|; s|@CPU@|$cpu|" \
  "$here/bochs/bochsrc.in" >"$log.bochsrc"
# Bochs is built with its debugger: start the simulation at once and leave
# when it ends.
printf 'continue\nquit\n' >"$log.bochscmd"

# The "term" display draws the VGA screen with curses on stdout.
TERM=dumb timeout -s INT --kill-after=2 "$timeout_s" "$bochs" -q -f "$log.bochsrc" -rc "$log.bochscmd" \
  </dev/null >"$log.stdout" 2>&1 &
pid=$!
# A CPU halted with interrupts off never wakes up (the kernel's dead ends):
# stop there instead of waiting for the timeout.
halted=0
while kill -0 "$pid" 2>/dev/null; do
  if grep -q 'HLT instruction with IF=0' "$log.bochs" 2>/dev/null; then
    halted=1
    kill -INT "$pid" 2>/dev/null
    break
  fi
  sleep 0.5
done
wait "$pid"
rc=$?
touch "$log"
tr -d '\r' <"$log" >"$log.clean" && mv "$log.clean" "$log"

fail() {
  echo "FAIL $name: $*"
  echo "----- serial log ($log) -----"
  cat "$log"
  echo
  echo "----- Bochs log ($log.bochs): errors, panics and the last lines -----"
  grep -E '^[0-9]+[ep]\[' "$log.bochs" | head -n 40
  echo "..."
  tail -n 30 "$log.bochs"
  exit 1
}

grep -E '^\[TEST:(PASS|FAIL|SUMMARY|EXIT)\]' "$log"
# The cost: Bochs stamps its log lines with the guest instruction count; the
# kernel starts where the serial line is set up (after BIOS and GRUB).
total=$(sed -n 's/^0*\([0-9][0-9]*\)i\[SIM *\] quit_sim.*/\1/p' "$log.bochs" | tail -n 1)
kstart=$(sed -n 's/^0*\([0-9][0-9]*\)i\[SER *\] com1: FIFO enabled.*/\1/p' "$log.bochs" | head -n 1)
[ -n "$total" ] && [ -n "$kstart" ] &&
  echo "guest instructions: $((total / 1000000)) M, of which the kernel and its programs $(((total - kstart) / 1000000)) M"
[ "$halted" -eq 1 ] && fail "the CPU halted with interrupts off (the kernel stopped)"
[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && fail "timeout after ${timeout_s}s"
grep -q 'Shutdown port: shutdown requested' "$log.bochs" ||
  fail "Bochs stopped (exit $rc) without the kernel's shutdown request"
. "$(dirname "$0")/judge-log.sh"
judge_log "$log" "$name" "$expect" "$min_pass"
