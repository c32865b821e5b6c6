/*
 * Build options of the kernel core. Each one is a CMake option of the top
 * level CMakeLists.txt, passed to the core (and to the tests that depend on
 * it) as a compile definition with the value 0 or 1. Code tests them with
 * `if (CONFIG_X)` on the constant, never with #ifdef inside a function, so
 * both branches always compile.
 *
 *   CONFIG_PAGER_EXREGS (option L4_PAGER_EXREGS, default ON): the reference
 *     kernel's optional "pager ExchangeRegisters": ExchangeRegisters may
 *     address a thread of another space whose pager is a thread of the
 *     caller's space. Published as the KIP feature string "pagerexregs".
 *   CONFIG_SMALLSPACES (option L4_SMALLSPACES, default ON): small address
 *     spaces by segmentation (SpaceControl's control word; core/smallspace.c,
 *     arch/x86/smallspace.c). Published as the KIP feature "smallspaces".
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#ifndef CONFIG_PAGER_EXREGS
#error "CONFIG_PAGER_EXREGS must be defined (0 or 1) by the build: CMake option L4_PAGER_EXREGS"
#endif
#ifndef CONFIG_SMALLSPACES
#error "CONFIG_SMALLSPACES must be defined (0 or 1) by the build: CMake option L4_SMALLSPACES"
#endif

#endif
