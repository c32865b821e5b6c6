# Script mode helper of the `coverage` target; see coverage/CMakeLists.txt.
set(rc_branch --rc lcov_branch_coverage=1)
set(core_objs ${BUILD_DIR}/src/core)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${LCOV} --quiet --zerocounters --directory ${core_objs})
execute_process(COMMAND ${CTEST} --test-dir ${BUILD_DIR} -L host --output-on-failure
  RESULT_VARIABLE test_rc)
if(NOT test_rc EQUAL 0)
  message(FATAL_ERROR "host tests failed; coverage not measured")
endif()
run(${LCOV} --quiet ${rc_branch} --capture --directory ${core_objs}
    --output-file ${OUT_DIR}/all.info)
run(${LCOV} --quiet ${rc_branch} --extract ${OUT_DIR}/all.info "${SOURCE_DIR}/src/core/*"
    --output-file ${OUT_DIR}/core.info)
run(${GENHTML} --quiet --branch-coverage --legend --title "src/core"
    --output-directory ${OUT_DIR}/html ${OUT_DIR}/core.info)
execute_process(COMMAND ${LCOV} ${rc_branch} --summary ${OUT_DIR}/core.info
  OUTPUT_VARIABLE summary ERROR_VARIABLE summary_err)
string(APPEND summary "${summary_err}")

string(REGEX MATCH "lines[.]*: ([0-9.]+)%" _ "${summary}")
set(lines "${CMAKE_MATCH_1}")
string(REGEX MATCH "branches[.]*: ([0-9.]+)%" _ "${summary}")
set(branches "${CMAKE_MATCH_1}")
if(lines STREQUAL "" OR branches STREQUAL "")
  message(FATAL_ERROR "could not read the lcov summary:\n${summary}")
endif()

message("coverage of src/core: lines: ${lines}%  branches: ${branches}%  "
        "(minimum ${MIN_LINES}% / ${MIN_BRANCHES}%; report: ${OUT_DIR}/html/index.html)")
if(lines LESS MIN_LINES OR branches LESS MIN_BRANCHES)
  message(FATAL_ERROR "coverage below the threshold in coverage/thresholds.cmake")
endif()
