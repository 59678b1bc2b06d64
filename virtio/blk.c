/*
 * virtio-blk driver (virtio 1.2 §5.2), read-only.  Features implemented and so negotiated:
 * SIZE_MAX and SEG_MAX (request shape limits), BLK_SIZE (only reported), RO (only reported),
 * plus EVENT_IDX from the ring layer.  Not FLUSH, not MQ, no writes, no discard.
 *
 * A read request (§5.2.6) is one chain: a 16-byte header (device-readable), the data
 * (device-writable, one or more segments) and a status byte (device-writable).  A large read is
 * cut into requests of at most `req_sectors`, up to `max_inflight` of them in flight, and
 * completions are polled.  The queue's interrupt is never enabled.
 *
 * All state is owned by core 0 (see blk.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/log.h"
#include "core/pmm.h"
#include "core/time.h"
#include "virtio/blk.h"
#include "virtio/virtio.h"
#include "virtio/virtq.h"

/*
 * Named limits of this driver.  Each may be overridden at build time (-DNAME=value).
 *   QUEUE_SIZE     entries asked for the request queue (the device may offer fewer);
 *   MAX_REQ_BYTES  data bytes per request, at most (the device's SIZE_MAX x SEG_MAX may cap
 *                  it lower); 256 KiB keeps QEMU's per-request overhead negligible;
 *   MAX_SEGS       data segments per request, at most (the device's SEG_MAX may say fewer);
 *   MAX_INFLIGHT   requests in flight at once: enough to keep the host's I/O busy;
 *   TIMEOUT_MS     time without any completion after which the device is given up on;
 *   MAX_SECTORS    capacities above this (512 TiB) are taken as a broken device.
 */
#ifndef VIRTIO_BLK_QUEUE_SIZE
#define VIRTIO_BLK_QUEUE_SIZE 128
#endif
#ifndef VIRTIO_BLK_MAX_REQ_BYTES
#define VIRTIO_BLK_MAX_REQ_BYTES (256u * 1024)
#endif
#ifndef VIRTIO_BLK_MAX_SEGS
#define VIRTIO_BLK_MAX_SEGS 64u
#endif
#ifndef VIRTIO_BLK_MAX_INFLIGHT
#define VIRTIO_BLK_MAX_INFLIGHT 16u
#endif
#ifndef VIRTIO_BLK_TIMEOUT_MS
#define VIRTIO_BLK_TIMEOUT_MS 5000u
#endif
#define VIRTIO_BLK_MAX_SECTORS (1ull << 40)

/* §5.2.4: device configuration layout (offsets of the fields this driver reads). */
#define CFG_CAPACITY 0  /* le64: 512-byte sectors */
#define CFG_SIZE_MAX 8  /* le32: largest segment (SIZE_MAX) */
#define CFG_SEG_MAX  12 /* le32: most data segments per request (SEG_MAX) */
#define CFG_BLK_SIZE 20 /* le32: the disk's block size (BLK_SIZE) */

/* §5.2.6: request types and status values. */
#define VIRTIO_BLK_T_IN     0 /* read */
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2
#define STATUS_UNWRITTEN    0xff /* preset: a device that never writes the status fails */

/* §5.2.6: the request header, device-readable. */
struct blk_req_hdr {
    uint32_t type;     /* VIRTIO_BLK_T_IN */
    uint32_t reserved; /* 0 */
    uint64_t sector;   /* first 512-byte sector */
};

/* One request slot: its DMA-visible header and status byte, and what the driver remembers
 * about the request (never read back from the device). */
struct blk_slot {
    struct blk_req_hdr hdr; /* device-readable */
    uint8_t status;         /* device-writable: VIRTIO_BLK_S_* */
    bool busy;              /* in flight: the device owns hdr, status and the data */
    uint32_t sectors;       /* data sectors of the request */
    uint64_t lba;           /* its first sector (the driver's copy, for log lines) */
};

/* The driver's state: one device, owned by core 0. */
static struct {
    struct virtio_dev *dev; /* the device, NULL when none is up */
    struct virtio_vq vq;    /* request queue 0 */
    struct blk_slot *slots; /* [max_inflight], DMA memory */
    uint64_t sectors;       /* capacity */
    uint32_t req_sectors;   /* data sectors per request, at most */
    uint32_t seg_bytes;     /* data bytes per segment, at most */
    unsigned max_inflight;  /* requests in flight, at most */
    bool dead;              /* the device failed beyond repair: every read fails */
} blk;

static void *alloc_zeroed(size_t bytes)
{
    size_t pages = (bytes + CORE_PMM_PAGE_SIZE - 1) / CORE_PMM_PAGE_SIZE;
    void *p = core_pmm_alloc(pages);
    if (p)
        memset(p, 0, pages * CORE_PMM_PAGE_SIZE);
    return p;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* The request shape from the device's limits: segment size and count, request size. */
static int read_limits(struct virtio_dev *dev, uint16_t qsize)
{
    uint32_t size_max = VIRTIO_BLK_MAX_REQ_BYTES, seg_max = VIRTIO_BLK_MAX_SEGS, blk_size;

    if (virtio_dev_has(dev, VIRTIO_BLK_F_SIZE_MAX)) {
        if (virtio_config_read(dev, CFG_SIZE_MAX, &size_max, 4) < 0)
            return -EIO;
        if (size_max < VIRTIO_BLK_SECTOR_SIZE) {
            log_error("virtio-blk: implausible size_max %u bytes", size_max);
            return -EIO;
        }
    }
    if (virtio_dev_has(dev, VIRTIO_BLK_F_SEG_MAX)) {
        if (virtio_config_read(dev, CFG_SEG_MAX, &seg_max, 4) < 0)
            return -EIO;
        if (seg_max == 0) {
            log_warn("virtio-blk: seg_max 0: using one data segment per request");
            seg_max = 1;
        }
    }
    if (virtio_dev_has(dev, VIRTIO_BLK_F_BLK_SIZE) &&
        virtio_config_read(dev, CFG_BLK_SIZE, &blk_size, 4) == 0 &&
        blk_size != VIRTIO_BLK_SECTOR_SIZE)
        log_warn("virtio-blk: block size %u: reads not aligned to it may fail", blk_size);

    /* A chain is header + data segments + status, all direct descriptors. */
    seg_max = min_u32(min_u32(seg_max, VIRTIO_BLK_MAX_SEGS), qsize - 2u);
    blk.seg_bytes = min_u32(size_max, VIRTIO_BLK_MAX_REQ_BYTES);
    uint64_t req_bytes = (uint64_t)seg_max * blk.seg_bytes;
    if (req_bytes > VIRTIO_BLK_MAX_REQ_BYTES)
        req_bytes = VIRTIO_BLK_MAX_REQ_BYTES;
    blk.req_sectors = (uint32_t)(req_bytes / VIRTIO_BLK_SECTOR_SIZE);
    if (blk.req_sectors == 0) {
        log_error("virtio-blk: limits too small for one sector per request");
        return -EIO;
    }
    return 0;
}

int virtio_blk_attach(struct virtio_dev *dev)
{
    uint64_t want = VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
                    VIRTIO_BIT(VIRTIO_BLK_F_RO) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
                    VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
    uint64_t capacity;
    uint16_t qsize;
    int err;

    memset(&blk, 0, sizeof(blk));
    dev->name = "virtio-blk";
    /* §3.1.1 steps 1-6. */
    err = virtio_dev_init_begin(dev, want, 0);
    if (err) {
        log_error("virtio-blk: feature negotiation failed (%d)", err);
        return -EIO;
    }
    /* §5.2.4: capacity in 512-byte sectors, whatever the block size.  Untrusted. */
    if (virtio_config_read(dev, CFG_CAPACITY, &capacity, 8) < 0) {
        log_error("virtio-blk: cannot read the capacity");
        err = -EIO;
        goto fail;
    }
    if (capacity == 0 || capacity > VIRTIO_BLK_MAX_SECTORS) {
        log_error("virtio-blk: implausible capacity of %llu sectors: disk not used",
                  (unsigned long long)capacity);
        err = -EIO;
        goto fail;
    }
    qsize = virtio_dev_queue_size(dev, 0, VIRTIO_BLK_QUEUE_SIZE);
    if (qsize < 4) {
        log_error("virtio-blk: request queue missing or too small (%u entries)", qsize);
        err = -EIO;
        goto fail;
    }
    err = read_limits(dev, qsize);
    if (err)
        goto fail;
    blk.max_inflight = VIRTIO_BLK_MAX_INFLIGHT;

    /* §3.1.1 step 7 (§5.2.5): the one request queue; polled, so no vector. */
    size_t mem_len = virtio_vq_mem_size(qsize, false);
    void *mem = alloc_zeroed(mem_len);
    blk.slots = alloc_zeroed(blk.max_inflight * sizeof(struct blk_slot));
    if (!mem || !blk.slots) {
        log_error("virtio-blk: out of memory for the request queue");
        err = -ENOMEM;
        goto fail;
    }
    err = virtio_dev_start_polled(dev, &blk.vq, qsize, mem); /* §3.1.1 steps 7-8 */
    if (err)
        goto fail;

    blk.dev = dev;
    blk.sectors = capacity;
    log_info("virtio-blk: %s: %llu sectors (%llu MiB)%s; requests of up to %u KiB, %u in flight",
             dev->where, (unsigned long long)capacity, (unsigned long long)(capacity >> 11),
             virtio_dev_has(dev, VIRTIO_BLK_F_RO) ? ", read-only" : "", blk.req_sectors / 2,
             blk.max_inflight);
    return 0;

fail:
    /* §3.1.1: give up on the device. */
    virtio_dev_fail(dev);
    return err == -ENOMEM ? -ENOMEM : -EIO;
}

int virtio_blk_init(void)
{
    struct virtio_dev *dev = virtio_dev_find(VIRTIO_ID_BLOCK, 0);
    if (!dev) {
        log_info("virtio-blk: no device");
        return -ENODEV;
    }
    return virtio_blk_attach(dev);
}

uint64_t virtio_blk_sectors(void)
{
    return blk.dev && !blk.dead ? blk.sectors : 0;
}

/* Offers one read request: header, the data cut into segments of at most seg_bytes, status. */
static int submit(struct blk_slot *s, uint64_t lba, uint32_t sectors, uint8_t *data)
{
    struct virtio_vq_seg segs[VIRTIO_BLK_MAX_SEGS + 2];
    uint32_t left = sectors * VIRTIO_BLK_SECTOR_SIZE;
    unsigned n = 0;

    s->hdr = (struct blk_req_hdr){.type = VIRTIO_BLK_T_IN, .reserved = 0, .sector = lba};
    s->status = STATUS_UNWRITTEN;
    s->sectors = sectors;
    s->lba = lba;
    segs[n++] = (struct virtio_vq_seg){virtio_dma_addr(&s->hdr), sizeof(s->hdr)};
    while (left > 0) {
        uint32_t len = min_u32(left, blk.seg_bytes);
        segs[n++] = (struct virtio_vq_seg){virtio_dma_addr(data), len};
        data += len;
        left -= len;
    }
    segs[n++] = (struct virtio_vq_seg){virtio_dma_addr(&s->status), 1};
    int err = virtio_vq_add(&blk.vq, segs, 1, n - 1, s);
    if (err == 0)
        s->busy = true;
    return err;
}

/* Checks a completed request: the device wrote the data and the status byte, and says OK.
 * Logs the failure when `report` (the first failure of a read). */
static int check(const struct blk_slot *s, uint32_t len, bool report)
{
    uint32_t want = s->sectors * VIRTIO_BLK_SECTOR_SIZE + 1;
    unsigned long long lba = (unsigned long long)s->lba;

    if (s->status == VIRTIO_BLK_S_OK && len >= want)
        return 0;
    if (!report)
        return -EIO;
    if (len < want) {
        log_error("virtio-blk: read of %u sectors at LBA %llu: device wrote %u of %u bytes",
                  s->sectors, lba, len, want);
        return -EIO;
    }
    switch (s->status) {
    case VIRTIO_BLK_S_OK:
        return 0;
    case VIRTIO_BLK_S_IOERR:
        log_error("virtio-blk: read of %u sectors at LBA %llu failed: I/O error", s->sectors, lba);
        return -EIO;
    case VIRTIO_BLK_S_UNSUPP:
        log_error("virtio-blk: read of %u sectors at LBA %llu failed: unsupported", s->sectors,
                  lba);
        return -EIO;
    default:
        log_error("virtio-blk: read of %u sectors at LBA %llu: bogus status %#x", s->sectors, lba,
                  s->status);
        return -EIO;
    }
}

/* The device misbehaved or stopped answering while it owns buffers: reset it, so it stops
 * writing into memory that goes back to the caller, and never use it again. */
static void give_up(void)
{
    if (blk.dev->ops->reset(blk.dev) < 0)
        log_error("virtio-blk: reset did not complete either");
    virtio_dev_fail(blk.dev);
    blk.dead = true;
}

static struct blk_slot *free_slot(void)
{
    for (unsigned i = 0; i < blk.max_inflight; i++)
        if (!blk.slots[i].busy)
            return &blk.slots[i];
    return NULL;
}

/* The token as one of our slots, or NULL (the ring layer returns only tokens we gave, so this
 * is a second line of defence against memory corruption). */
static struct blk_slot *slot_of(void *token)
{
    uintptr_t t = (uintptr_t)token, first = (uintptr_t)blk.slots;
    if (t < first || t >= first + blk.max_inflight * sizeof(struct blk_slot) ||
        (t - first) % sizeof(struct blk_slot) != 0)
        return NULL;
    struct blk_slot *s = token;
    return s->busy ? s : NULL;
}

int virtio_blk_read(uint64_t lba, uint32_t count, void *buf)
{
    if (!blk.dev)
        return -ENODEV;
    if (blk.dead)
        return -EIO;
    if (!buf)
        return -EINVAL;
    if (count == 0)
        return 0;
    if (lba >= blk.sectors || count > blk.sectors - lba) {
        log_warn("virtio-blk: read of %u sectors at LBA %llu is past the end (%llu sectors)", count,
                 (unsigned long long)lba, (unsigned long long)blk.sectors);
        return -EINVAL;
    }

    uint64_t next = lba, end = lba + count;
    unsigned inflight = 0;
    int err = 0;
    uint64_t last_progress = core_time_ns();

    while (inflight > 0 || (next < end && !err)) {
        /* Keep up to max_inflight requests with the device; after an error only drain. */
        bool added = false;
        struct blk_slot *s;
        while (!err && next < end && (s = free_slot())) {
            uint32_t n = (uint32_t)(end - next < blk.req_sectors ? end - next : blk.req_sectors);
            int rc = submit(s, next, n, (uint8_t *)buf + (next - lba) * VIRTIO_BLK_SECTOR_SIZE);
            if (rc == -ENOSPC)
                break; /* ring full: harvest first */
            if (rc < 0) {
                err = -EIO; /* the queue is broken (or a bug): stop submitting */
                break;
            }
            added = true;
            inflight++;
            next += n;
        }
        if (added)
            virtio_vq_kick(&blk.vq);
        if (inflight == 0)
            break;

        /* Poll for one completion, bounded by time since the last progress. */
        uint32_t len = 0;
        void *token = virtio_vq_get_buf(&blk.vq, &len);
        if (!token) {
            if (virtio_vq_is_broken(&blk.vq)) {
                log_error("virtio-blk: request queue broken by the device at LBA %llu",
                          (unsigned long long)next);
                give_up();
                return -EIO;
            }
            if (core_time_ns() - last_progress > VIRTIO_BLK_TIMEOUT_MS * 1000000ull) {
                log_error("virtio-blk: no completion for %u ms (%u requests in flight, LBA "
                          "%llu..%llu): device given up",
                          VIRTIO_BLK_TIMEOUT_MS, inflight, (unsigned long long)lba,
                          (unsigned long long)(next - 1));
                give_up();
                return -ETIMEDOUT;
            }
            __builtin_ia32_pause();
            continue;
        }
        last_progress = core_time_ns();
        s = slot_of(token);
        if (!s) {
            log_error("virtio-blk: completion with a token that is not a request");
            give_up();
            return -EIO;
        }
        s->busy = false;
        inflight--;
        int rc = check(s, len, err == 0);
        if (rc && !err)
            err = rc;
    }
    return err;
}

int virtio_blk_read_ctx(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    (void)ctx;
    return virtio_blk_read(lba, count, buf);
}
