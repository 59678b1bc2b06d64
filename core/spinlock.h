/*
 * A test-and-test-and-set spinlock.
 *
 * Toril's cores share almost nothing, so locks are for the few shared structures that are off
 * the fast path (the physical page allocator, boot-time tables).  Per-request work never takes
 * one: the heap, the network stack and httpd are per core.
 *
 * A waiter spins on a plain load (the cache line stays shared until the holder releases it) and
 * executes pause in the loop, which saves power and, under KVM, lets pause-loop exiting hand the
 * physical CPU to the holder's vCPU.  The lock is not fair and not recursive.
 *
 * Context: any core, main loop or boot.  Interrupts are left as they are, so a lock must never be
 * taken by an interrupt handler (it could spin forever on a lock its own core holds).
 * Header-only so host unit tests use it as is (pthreads stand in for cores there).
 */
#ifndef CORE_SPINLOCK_H
#define CORE_SPINLOCK_H

/* A zeroed struct spinlock (static storage, or memset) is unlocked. */
struct spinlock {
    int locked; /* 0 free, 1 held; only touched through __atomic builtins */
};

/* Take the lock, spinning until it is free.  Acquire ordering: accesses after the call cannot
 * move before it. */
static inline void core_spin_lock(struct spinlock *l)
{
    for (;;) {
        if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
            return;
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
    }
}

/* Release the lock.  Release ordering: accesses before the call cannot move after it. */
static inline void core_spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
