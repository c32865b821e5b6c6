/*
 * void switch_context(uintptr_t *save_ksp, uintptr_t new_ksp)
 *
 * Saves the callee-saved registers of the running kernel context on its
 * stack, stores the stack pointer in *save_ksp, loads new_ksp and pops the
 * registers saved there the same way. Returns into the new context.
 * A new thread's stack is prepared so that this `ret` lands in trap_exit
 * with the user frame on top (thread.c).
 */
    .text
    .global switch_context
switch_context:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov 20(%esp), %eax
    mov %esp, (%eax)
    mov 24(%esp), %esp
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret
