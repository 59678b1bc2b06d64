/*
 * virtio-rng driver (virtio 1.2 §5.4).  No feature bits of its own; EVENT_IDX from the ring
 * layer.  One request queue (§5.4.2): each request is one device-writable buffer, which the
 * device fills with up to its length of random bytes (§5.4.6).  Requests go one at a time,
 * into a buffer of the driver's own, and are polled: this runs once, at boot.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/log.h"
#include "core/pmm.h"
#include "core/time.h"
#include "virtio/rng.h"
#include "virtio/virtq.h"

/*
 * Named limits (each may be overridden at build time):
 *   QUEUE_SIZE  entries asked for the request queue: one request at a time needs few;
 *   READ_MAX    (rng.h) bytes one virtio_rng_read() may ask for;
 *   TIMEOUT_MS  time without a completion after which the device is given up on.
 */
#ifndef VIRTIO_RNG_QUEUE_SIZE
#define VIRTIO_RNG_QUEUE_SIZE 8
#endif
#ifndef VIRTIO_RNG_TIMEOUT_MS
#define VIRTIO_RNG_TIMEOUT_MS 1000u
#endif

static struct {
    struct virtio_dev *dev;
    struct virtio_vq vq;
    uint8_t *buf; /* VIRTIO_RNG_READ_MAX bytes the device writes into (DMA-reachable) */
    bool dead;    /* given up on: never used again */
} rng;

int virtio_rng_attach(struct virtio_dev *dev)
{
    int err;

    memset(&rng, 0, sizeof(rng));
    dev->name = "virtio-rng";
    err = virtio_dev_init_begin(dev, VIRTIO_BIT(VIRTIO_F_EVENT_IDX), 0); /* §3.1.1 steps 1-6 */
    if (err) {
        log_error("virtio-rng: feature negotiation failed (%d)", err);
        return -EIO;
    }
    uint16_t qsize = virtio_dev_queue_size(dev, 0, VIRTIO_RNG_QUEUE_SIZE);
    if (qsize < 1) {
        log_error("virtio-rng: %s has no request queue", dev->where);
        err = -EIO;
        goto fail;
    }
    /* The rings, then the buffer the device writes into: pages from the page allocator
     * (DMA-reachable, never freed). */
    size_t mem_len = virtio_vq_mem_size(qsize, false);
    size_t ring_pages = (mem_len + CORE_PMM_PAGE_SIZE - 1) / CORE_PMM_PAGE_SIZE;
    size_t buf_pages = (VIRTIO_RNG_READ_MAX + CORE_PMM_PAGE_SIZE - 1) / CORE_PMM_PAGE_SIZE;
    uint8_t *mem = core_pmm_alloc(ring_pages + buf_pages);
    if (!mem) {
        log_error("virtio-rng: out of memory for the request queue");
        err = -ENOMEM;
        goto fail;
    }
    memset(mem, 0, (ring_pages + buf_pages) * CORE_PMM_PAGE_SIZE);
    rng.buf = mem + ring_pages * CORE_PMM_PAGE_SIZE;
    err = virtio_dev_start_polled(dev, &rng.vq, qsize, mem); /* §3.1.1 steps 7-8 */
    if (err)
        goto fail;
    rng.dev = dev;
    return 0;

fail:
    virtio_dev_fail(dev);
    return err == -ENOMEM ? -ENOMEM : -EIO;
}

int virtio_rng_init(void)
{
    struct virtio_dev *dev = virtio_dev_find(VIRTIO_ID_RNG, 0);
    return dev ? virtio_rng_attach(dev) : -ENODEV;
}

/* The device stalled or broke the queue while it owns our buffer: reset it, so it stops
 * writing, and never use it again. */
static void give_up(void)
{
    if (rng.dev->ops->reset(rng.dev) < 0)
        log_error("virtio-rng: reset did not complete either");
    virtio_dev_fail(rng.dev);
    rng.dead = true;
}

int virtio_rng_read(void *buf, size_t len)
{
    if (!rng.dev)
        return -ENODEV;
    if (rng.dead)
        return -EIO;
    if (len > VIRTIO_RNG_READ_MAX)
        return -EINVAL;
    size_t got = 0;
    uint64_t progress = core_time_ns(); /* the last time bytes arrived */
    while (got < len) {
        uint32_t want = (uint32_t)(len - got);
        struct virtio_vq_seg seg = {virtio_dma_addr(rng.buf), want};
        if (virtio_vq_add(&rng.vq, &seg, 0, 1, rng.buf) < 0) {
            log_error("virtio-rng: request queue refused a buffer");
            give_up();
            return -EIO;
        }
        virtio_vq_kick(&rng.vq);
        uint32_t n = 0;
        void *token;
        while ((token = virtio_vq_get_buf(&rng.vq, &n)) == NULL) {
            if (virtio_vq_is_broken(&rng.vq)) {
                log_error("virtio-rng: request queue broken by the device");
                give_up();
                return -EIO;
            }
            if (core_time_ns() - progress > VIRTIO_RNG_TIMEOUT_MS * 1000000ull) {
                log_error("virtio-rng: no bytes for %u ms: device given up",
                          VIRTIO_RNG_TIMEOUT_MS);
                give_up();
                return -ETIMEDOUT;
            }
            __builtin_ia32_pause();
        }
        if (token != rng.buf) {
            log_error("virtio-rng: completion with a token that is not our buffer");
            give_up();
            return -EIO;
        }
        /* The ring layer reports 0 for a used length beyond the buffer: nothing trusted. */
        if (n > want)
            n = 0;
        if (n > 0) {
            memcpy((uint8_t *)buf + got, rng.buf, n);
            got += n;
            progress = core_time_ns();
        } else if (core_time_ns() - progress > VIRTIO_RNG_TIMEOUT_MS * 1000000ull) {
            log_error("virtio-rng: the device returned no bytes for %u ms: device given up",
                      VIRTIO_RNG_TIMEOUT_MS);
            give_up();
            return -ETIMEDOUT;
        }
    }
    return 0;
}
