/*
 * Shared set-up for the virtqueue host tests (see vq_env.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "virtio/tests/vq_env.h"

struct env *env_new(uint16_t size, uint64_t driver_features, bool want_indirect)
{
    struct env *e = calloc(1, sizeof(*e));
    size_t len = virtio_vq_mem_size(size, want_indirect);
    struct virtio_vq_setup s = {
        .index = 0, .size = size, .want_indirect = want_indirect, .vector = VIRTIO_MSI_NO_VECTOR};

    assert_non_null(e);
    assert_true(len > 0);
    /* The device offers more than the driver implements: negotiation must not accept it. */
    fake_device_init(&e->fd, VIRTIO_ID_NET, EVENT | INDIRECT | VIRTIO_BIT(VIRTIO_F_VERSION_1), 1,
                     size);
    assert_int_equal(virtio_dev_init_begin(&e->fd.dev, driver_features, 0), 0);
    assert_int_equal(e->fd.driver_features, driver_features | VIRTIO_BIT(VIRTIO_F_VERSION_1));
    e->mem = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
    assert_non_null(e->mem);
    s.mem = e->mem;
    s.mem_len = len;
    assert_int_equal(virtio_dev_vq_setup(&e->fd.dev, &e->vq, &s), 0);
    assert_int_equal(virtio_dev_init_finish(&e->fd.dev), 0);
    assert_true(e->fd.q[0].enabled);
    return e;
}

void env_free(struct env *e)
{
    assert_int_equal(e->fd.driver_errors, 0);
    free(e->mem);
    free(e);
}

void *tok(unsigned long v)
{
    return (void *)(uintptr_t)(v + 1); /* never NULL */
}

unsigned long untok(void *t)
{
    return (unsigned long)(uintptr_t)t - 1;
}

uint8_t vq_env_scratch[4096];

struct virtio_vq_seg seg_at(size_t off, uint32_t len)
{
    return (struct virtio_vq_seg){.addr = virtio_dma_addr(vq_env_scratch + off), .len = len};
}

/* Adds a chain of nout + nin scratch segments with token t. */
int add_scratch(struct virtio_vq *vq, unsigned nout, unsigned nin, uint32_t len, void *t)
{
    struct virtio_vq_seg segs[64];
    assert_true(nout + nin <= 64);
    for (unsigned k = 0; k < nout + nin; k++)
        segs[k] = seg_at(k * 16, len);
    return virtio_vq_add(vq, segs, nout, nin, t);
}

/* Adds one chain and lets the device consume and complete it, without a kick decision. */
void cycle_silently(struct env *e, unsigned long i)
{
    struct fake_chain c;
    uint32_t len;

    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(i)), 0);
    assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
    fake_queue_complete(&e->fd, 0, c.head, 0);
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(i));
}

/* One chain added and taken by the device (not completed). */
void add_and_pop(struct env *e, unsigned long i, struct fake_chain *c)
{
    assert_int_equal(add_scratch(&e->vq, 0, 1, 4, tok(i)), 0);
    assert_int_equal(fake_queue_pop(&e->fd, 0, c), 0);
}
