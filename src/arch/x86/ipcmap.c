/*
 * Map and grant items of IPC (ABI 5.5) on x86: memory fpages go through the
 * mapping database (which intersects rights with the sender's, skips pages
 * the sender lacks and never touches KIP/UTCB areas or the kernel area); IO
 * fpages set bits in the receiver's I/O bitmap for the ports the sender
 * holds (sigma0 holds them all), and a grant clears them at the sender.
 */
#include <arch/paging.h>
#include <core/ipc.h>
#include <core/mdb.h>
#include <core/space.h>

enum ipc_error ipc_transfer_fpage(struct tcb *from, struct tcb *to, const struct msg_placement *p,
                                  unsigned rights, bool grant)
{
    if (p->io) {
        if (!io_allowed(&from->space->arch, p->src_base, p->log2))
            return IPC_OK;   /* ports the sender does not hold transfer nothing */
        if (!io_set(&to->space->arch, p->dst_base, p->log2, 1))
            return IPC_ERR_OVERFLOW;
        io_note_source(&to->space->arch, &from->space->arch);
        if (grant && from->space != to->space)
            io_set(&from->space->arch, p->src_base, p->log2, 0);
        return IPC_OK;
    }
    int res = mdb_map(from->space, p->src_base, to->space, p->dst_base, p->log2, rights, grant);
    pt_reclaim();                   /* tables emptied by replaced or granted mappings */
    return res == MDB_OK ? IPC_OK : IPC_ERR_OVERFLOW;
}
