/*
 * Shared set-up for the virtqueue host tests: one fake device with one queue, brought up
 * through the real init sequence (virtio_dev_init_begin, virtio_dev_vq_setup,
 * virtio_dev_init_finish), and small helpers to add and complete chains.  The helpers fail the
 * running cmocka test on any unexpected result.
 */
#ifndef VIRTIO_TESTS_VQ_ENV_H
#define VIRTIO_TESTS_VQ_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/tests/fake_device.h"
#include "virtio/virtio.h"
#include "virtio/virtq.h"

#define EVENT    VIRTIO_BIT(VIRTIO_F_EVENT_IDX)
#define INDIRECT VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)

/* A fake device with one queue. */
struct env {
    struct fake_device fd; /* the device (offers EVENT_IDX, INDIRECT_DESC, VERSION_1) */
    struct virtio_vq vq;   /* queue 0 */
    void *mem;             /* the queue's memory */
};

/* A queue of `size` with the driver implementing `driver_features` (EVENT, INDIRECT). */
struct env *env_new(uint16_t size, uint64_t driver_features, bool want_indirect);
/* Checks the device saw no driver error, frees. */
void env_free(struct env *e);

/* Tokens from numbers (never NULL) and back. */
void *tok(unsigned long v);
unsigned long untok(void *t);

/* A scratch area segments can point at (never touched by the device in these tests). */
extern uint8_t vq_env_scratch[4096];
struct virtio_vq_seg seg_at(size_t off, uint32_t len);
/* Adds a chain of nout + nin (<= 64) scratch segments of len bytes with token t. */
int add_scratch(struct virtio_vq *vq, unsigned nout, unsigned nin, uint32_t len, void *t);
/* Adds one 1-segment chain; the device consumes and completes it; the driver harvests it. No
 * kick decision is made. */
void cycle_silently(struct env *e, unsigned long i);
/* Adds one chain of one writable 4-byte segment, taken (not completed) by the device. */
void add_and_pop(struct env *e, unsigned long i, struct fake_chain *c);

#endif
