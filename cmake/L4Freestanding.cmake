# Flags for freestanding 32-bit x86 code (kernel and user programs), for the
# compiler the preset chose. Both GCC (-m32) and Clang (--target=i686-elf)
# produce ELF32 i386 objects; GCC links with GNU ld, Clang with ld.lld.
if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
  set(L4_FS_TARGET_FLAGS --target=i686-elf)
  set(L4_FS_LINK_FLAGS --target=i686-elf -fuse-ld=lld)
elseif(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  set(L4_FS_TARGET_FLAGS -m32)
  set(L4_FS_LINK_FLAGS -m32 -no-pie -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments)
else()
  message(FATAL_ERROR "freestanding targets need GCC or Clang, not ${CMAKE_C_COMPILER_ID}")
endif()

set(L4_FS_COMPILE_FLAGS
  ${L4_FS_TARGET_FLAGS} -march=i686 -mtune=generic -ffreestanding -fno-builtin
  -fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer
  -fno-asynchronous-unwind-tables -fno-strict-aliasing
  -mno-sse -mno-sse2 -mno-mmx -mno-80387 -O2 -g)

# The kernel (core and x86 layer) drops the frame pointer: nothing walks
# %ebp chains, and every call on the IPC path pays for it. User programs
# keep the flags above.
#
# Clang (LLVM 14) aligns every innermost loop to 16 bytes with one-byte
# nops, which the code falling into the loop executes: the local-ID lookup
# of the IPC fast path ran 9 of them per Lipc. Kernel code is not aligned
# for loops (an LLVM option; left out where this Clang lacks it).
set(L4_KERNEL_ONLY_FLAGS -fomit-frame-pointer)
if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
  include(CheckCCompilerFlag)
  check_c_compiler_flag("-mllvm -x86-experimental-pref-innermost-loop-alignment=0" L4_CLANG_NO_LOOP_ALIGN)
  if(L4_CLANG_NO_LOOP_ALIGN)
    list(APPEND L4_KERNEL_ONLY_FLAGS "SHELL:-mllvm -x86-experimental-pref-innermost-loop-alignment=0")
  endif()
  # For the sysenter fast path only (src/arch/x86/CMakeLists.txt): LLVM
  # hoists the code two branches have in common above their compare, which
  # for the fast path's commit (inter- and intra-space copies alike up to
  # the From) kept the compare's operand in a stack slot across the message
  # copy: 3 instructions per one-way. (For all kernel code it costs the
  # general path 5.)
  check_c_compiler_flag("-mllvm -simplifycfg-hoist-common=false" L4_CLANG_NO_HOIST_COMMON)
  if(L4_CLANG_NO_HOIST_COMMON)
    set(L4_SYSENTER_CLANG_FLAGS "-mllvm;-simplifycfg-hoist-common=false")
  endif()
endif()
set(L4_KERNEL_COMPILE_FLAGS ${L4_FS_COMPILE_FLAGS} ${L4_KERNEL_ONLY_FLAGS})

# l4_freestanding(target LINKER_SCRIPT script) - make `target` a static,
# freestanding i686 ELF linked with `script`.
function(l4_freestanding target)
  cmake_parse_arguments(ARG "" "LINKER_SCRIPT" "" ${ARGN})
  target_compile_options(${target} PRIVATE ${L4_FS_COMPILE_FLAGS} ${L4_WARNING_FLAGS})
  target_link_options(${target} PRIVATE ${L4_FS_LINK_FLAGS}
    -nostdlib -static -Wl,--build-id=none -Wl,--fatal-warnings -Wl,-T,${ARG_LINKER_SCRIPT}
    -Wl,-Map,$<TARGET_FILE:${target}>.map)
  set_target_properties(${target} PROPERTIES LINK_DEPENDS ${ARG_LINKER_SCRIPT})
endfunction()
