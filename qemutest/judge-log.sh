# Judging of a test boot's serial log, shared by run-qemu-test.sh and
# run-bochs-test.sh (sourced; the caller defines fail() and the emulator's
# own checks): judge_log LOG NAME EXPECT MIN_PASS [CHECK...]
# With EXPECT, that exact line and "[TEST:EXIT] 0" must be printed; else
# the last [TEST:SUMMARY] must report no failure and at least MIN_PASS
# passes, no [TEST:FAIL] line may appear and "[TEST:EXIT] 0" must follow.
# CHECK... (a command, e.g. the emulator's exit status test) runs last
# before the PASS line. Exits 0 on success.
judge_log() {
  local log=$1 name=$2 expect=$3 min_pass=$4
  shift 4
  if [ -n "$expect" ]; then
    grep -qxF -- "$expect" "$log" || fail "expected line not printed: $expect"
    grep -q '^\[TEST:EXIT\] 0$' "$log" || fail "no [TEST:EXIT] 0 line"
    [ $# -eq 0 ] || "$@"
    echo "PASS $name: printed '$expect'"
    exit 0
  fi
  local summary passed failed
  summary=$(grep -E '^\[TEST:SUMMARY\]' "$log" | tail -n 1)
  [ -n "$summary" ] || fail "no [TEST:SUMMARY] line"
  passed=$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' <<<"$summary")
  failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$summary")
  grep -q '^\[TEST:FAIL\]' "$log" && fail "a test failed"
  [ "${failed:-1}" -eq 0 ] || fail "summary reports failures"
  [ "${passed:-0}" -ge "$min_pass" ] || fail "only ${passed:-0} passes, expected at least $min_pass"
  grep -q '^\[TEST:EXIT\] 0$' "$log" || fail "no [TEST:EXIT] 0 line"
  [ $# -eq 0 ] || "$@"
  echo "PASS $name: passed=$passed failed=0"
  exit 0
}
