# Minimum coverage of src/core by the host tests, in percent. The one place
# these numbers live. They only go up.
set(L4_COVERAGE_MIN_LINES 95)
set(L4_COVERAGE_MIN_BRANCHES 90)
