# Minimum coverage of src/core by the host tests, in percent. The one place
# these numbers live. They only go up (from 95 / 90 before issue 12).
# Branches: 97.3 % measured after the merge of the robustness, fast-path and
# small-space work (the harness branch alone reached 97.6 %); most of the
# rest are kassert() branches that no valid state takes, the inlined copies
# of header helpers (fpage.h, msg.h, sched.h, tcb.h) in call sites that never
# see that case, and new small-space and reclaim branches still to be tested.
# Raised to 97.4 in session 11, at 97.5 % measured (60 of 2,379 branch
# sides untaken; the report rounds to one decimal). Raised to 97.5 in
# session 14, at 97.54 % measured (59 of 2,399 untaken). Raised to 97.7 in
# session 15, at 97.79 % measured (53 of 2,393 untaken).
set(L4_COVERAGE_MIN_LINES 100)
set(L4_COVERAGE_MIN_BRANCHES 97.7)
