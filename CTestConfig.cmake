# `ctest -D Experimental` submits to a CDash drop site. Configure with
#   -DL4_CDASH_SITE=cdash.example.org -DL4_CDASH_LOCATION=/submit.php?project=l4x2
set(CTEST_PROJECT_NAME "l4x2")
set(CTEST_NIGHTLY_START_TIME "01:00:00 UTC")
set(L4_CDASH_SITE "" CACHE STRING "CDash host name for ctest -D Experimental")
set(L4_CDASH_LOCATION "/submit.php?project=l4x2" CACHE STRING "CDash submit path")
set(L4_CDASH_METHOD "https" CACHE STRING "CDash drop method (http or https)")
set(CTEST_DROP_METHOD "${L4_CDASH_METHOD}")
set(CTEST_DROP_SITE "${L4_CDASH_SITE}")
set(CTEST_DROP_LOCATION "${L4_CDASH_LOCATION}")
set(CTEST_DROP_SITE_CDASH TRUE)
