/*
 * The C allocation functions of the kernel (declared in libc's <stdlib.h>), served by the
 * calling core's heap.  Same contexts as core/heap.h: main loop or boot, never an interrupt
 * handler.  Kernel only: host tests call core_heap_* with their own heaps.
 */
#include <stddef.h>
#include <stdlib.h>

#include "core/cpu.h"
#include "core/heap.h"
#include "core/panic.h"

void *malloc(size_t size)
{
    return core_heap_alloc(&core_cpu_self()->heap, size);
}

void *calloc(size_t n, size_t size)
{
    return core_heap_calloc(&core_cpu_self()->heap, n, size);
}

void *realloc(void *p, size_t size)
{
    return core_heap_realloc(&core_cpu_self()->heap, p, size);
}

void free(void *p)
{
    core_heap_free(&core_cpu_self()->heap, p);
}

/* Library code (mbedTLS, lwIP's asserts) calls abort() on a broken invariant. */
void abort(void)
{
    panic("abort");
}
