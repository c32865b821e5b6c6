# Host builds of the portable core: the real src/core files compiled natively
# with the kernel's warning flags, linked against the fakes in mocks/.
set(L4_HOST_FLAGS ${L4_WARNING_FLAGS} -g -O1 -fno-omit-frame-pointer)
set(L4_HOST_LINK_FLAGS "")
if(L4_SANITIZE)
  list(APPEND L4_HOST_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all)
  list(APPEND L4_HOST_LINK_FLAGS -fsanitize=address,undefined)
endif()

if(L4_FUZZ)
  # coverage feedback for libFuzzer from the core, the mocks and the harness
  list(APPEND L4_HOST_FLAGS -fsanitize=fuzzer-no-link
    -fsanitize-coverage-ignorelist=${PROJECT_SOURCE_DIR}/hosttest/fuzz/coverage-ignore.txt)
endif()

find_path(CMOCKA_INCLUDE_DIR cmocka.h REQUIRED)
find_library(CMOCKA_LIBRARY cmocka REQUIRED)

# l4_add_host_test(NAME SOURCES ...) - one cmocka executable, one CTest test
# labelled `host`, linked with the host build of src/core and the mocks.
function(l4_add_host_test name)
  add_executable(${name} ${ARGN})
  target_compile_options(${name} PRIVATE ${L4_HOST_FLAGS})
  target_link_options(${name} PRIVATE ${L4_HOST_LINK_FLAGS})
  target_include_directories(${name} PRIVATE ${CMOCKA_INCLUDE_DIR}
    ${PROJECT_SOURCE_DIR}/hosttest)
  target_link_libraries(${name} PRIVATE l4core_host l4mocks ${CMOCKA_LIBRARY})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS host TIMEOUT 120)
endfunction()
