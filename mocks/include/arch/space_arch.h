/* Host-test stand-in for the machine part of an address space. */
#ifndef MOCK_ARCH_SPACE_ARCH_H
#define MOCK_ARCH_SPACE_ARCH_H

#include <stdint.h>

struct arch_space {
    void *pt;                  /* the fake page table of mocks/ (owned there) */
    unsigned root;             /* stands for the page directory: a serial number
                                  from arch_space_init (arch_space_shares_root) */
};

#endif
