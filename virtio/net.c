/*
 * virtio-net driver (virtio 1.2 §5.1).  Features implemented and so negotiated: MAC, CTRL_VQ,
 * MQ, CSUM, GUEST_CSUM, HOST_TSO4 (plus EVENT_IDX and INDIRECT_DESC from the ring layer).  No
 * mergeable buffers and no receive segmentation (GUEST_TSO*): every receive buffer holds a whole
 * frame (virtio-net header + VIRTIO_NET_FRAME_MAX bytes).  A device offering no offload (QEMU's
 * user networking) still works: the stack then computes and checks every checksum itself.
 *
 * Transmit is zero-copy: each ring entry owns a small buffer that holds the virtio-net header
 * and the frame's copied headers; the payload (pbufs, file bytes from the content cache) is
 * described by reference, through an indirect table when the chain is long, and the caller's
 * cookie for it comes back through the queue's release function when the device is done.
 *
 * Queue layout (§5.1.2): receiveq i = 2i, transmitq i = 2i + 1, controlq = 2 * max pairs.
 * Up to VIRTIO_NET_MAX_PAIRS pairs, one per core.  Pair i's receive interrupt is aimed at core
 * i through the transport (virtio_dev_queue_irq()): on PCI an MSI-X table entry per receive
 * queue, so N pairs need N entries (QEMU's vectors=2N+2, Linux's layout with one per queue
 * plus configuration, leaves room); where the device has one interrupt for all its queues
 * (virtio-mmio) it reaches one core only, so the device gets one queue pair.
 * Boot (core 0) sets everything up and fills the receive rings; from then on pair i belongs to
 * core i.  Transmit completions are reclaimed by polling (no transmit interrupt).
 *
 * Initialization unwinds: on any failure after feature negotiation the device is reset (so it
 * lets go of the rings and buffers it was given), marked FAILED, and the memory is given back.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/pmm.h"
#include "core/time.h"
#include "virtio/limits.h"
#include "virtio/net.h"
#include "virtio/virtio.h"
#include "virtio/virtq.h"

/* One pair per core: every core the kernel brings up can have one. */
_Static_assert(VIRTIO_NET_MAX_PAIRS >= CORE_MAX_CPUS, "VIRTIO_NET_MAX_PAIRS < CORE_MAX_CPUS");

#define NET_HDR_LEN   12   /* struct virtio_net_hdr with num_buffers (always, in 1.x) */
_Static_assert(NET_HDR_LEN + VIRTIO_NET_TX_HDR_MAX <= 2048 && VIRTIO_NET_TX_COPY_MAX <= 2048 - 12,
               "copied headers and small frames must fit a transmit buffer");
#define NET_BUF_SIZE  2048 /* one frame with its header, rounded up to a power of two */
#define CTRL_BUF_SIZE 64   /* one control command: class, command, data, ack */
_Static_assert(NET_HDR_LEN + VIRTIO_NET_FRAME_MAX <= NET_BUF_SIZE, "a frame must fit a buffer");

/* The features this driver implements (§5.1.3), and so the only ones it accepts. */
#define NET_FEATURES                                                                               \
    (VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |                             \
     VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CSUM) |                                  \
     VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) |                     \
     VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC))

/* §5.1.6: the header in front of every frame, both ways (num_buffers included in 1.x). */
struct net_hdr {
    uint8_t flags;        /* HDR_F_* */
    uint8_t gso_type;     /* HDR_GSO_* */
    uint16_t hdr_len;     /* transmit with GSO: header bytes (a hint to the device) */
    uint16_t gso_size;    /* transmit with GSO: payload bytes per segment */
    uint16_t csum_start;  /* NEEDS_CSUM: where the device starts summing */
    uint16_t csum_offset; /* NEEDS_CSUM: where, after csum_start, the sum goes */
    uint16_t num_buffers; /* receive with MRG_RXBUF only; the driver writes 0 (§5.1.6.2.1) */
} __attribute__((packed));
_Static_assert(sizeof(struct net_hdr) == NET_HDR_LEN, "virtio-net header size");
#define HDR_F_NEEDS_CSUM 1 /* transmit: complete the partial checksum; receive: it is partial
                              (the sender is on the host and trusted it) */
#define HDR_F_DATA_VALID 2 /* receive: the device checked the checksum */
#define HDR_GSO_NONE     0
#define HDR_GSO_TCPV4    1

/* Device configuration (§5.1.4). */
#define CFG_MAC       0
#define CFG_MAX_PAIRS 8

/* Control queue (§5.1.6.5): class VIRTIO_NET_CTRL_MQ, command VQ_PAIRS_SET; the ack byte. */
#define CTRL_MQ           4
#define CTRL_MQ_PAIRS_SET 0
#define CTRL_ACK_OK       0    /* VIRTIO_NET_OK */
#define CTRL_ACK_UNSET    0xff /* preset: a device that never writes the ack has not said OK */

/* One queue and its memory: buffers, ring and (transmit) free list in one run of pages, so
 * unwinding gives it back in one call. */
struct net_queue {
    struct virtio_vq vq;  /* the ring */
    uint8_t *bufs;        /* receive/transmit: size * NET_BUF_SIZE bytes, buffer k at
                             bufs + k * NET_BUF_SIZE; control: one CTRL_BUF_SIZE command */
    void *ring;           /* the ring's memory (virtio_vq_mem_size(size, false) bytes) */
    uint16_t *free_stack; /* transmit only: free buffer indices (a stack) */
    void **cookies;       /* transmit only: [size], the caller's cookie of the frame in buffer k */
    uint16_t size;        /* entries */
    uint16_t nfree;       /* transmit only: entries on free_stack */
    bool indirect;        /* the ring uses indirect tables (transmit, when negotiated) */
    bool device_knows;    /* the device was told where the ring is: the memory is the device's
                             until it is reset */
    void *mem;            /* the pages holding all of the above */
    size_t pages;         /* their number */
};

struct net_pair {
    struct net_queue rx, tx;             /* receiveq i, transmitq i */
    struct virtio_net_counters counters; /* for the stats line */
    virtio_net_release_fn release;       /* where transmitted frames' cookies go back */
    void *release_ctx;                   /* its first argument */
} __attribute__((aligned(64))); /* pairs on separate cache lines: each core writes its own */

/* Set up at boot by core 0 before the other cores start; then pair i is core i's alone. */
static struct virtio_dev *vdev; /* the device, whichever transport it is on */
static struct net_pair pairs[VIRTIO_NET_MAX_PAIRS];
static struct net_queue ctrlq; /* the control queue, when set up */
static unsigned npairs;        /* pairs in use */
static unsigned offloads;      /* VIRTIO_NET_OFFLOAD_*, from the negotiated features */
static uint8_t mac[6];
/* Used when the device has no MAC: QEMU's default prefix, locally administered. */
static const uint8_t default_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

/*
 * Sizes queue `index` and allocates its memory; nothing is told to the device yet.  Buffers
 * come first (page-aligned, so no frame buffer straddles a page): `buf_bytes` per entry for a
 * data queue, or `buf_bytes` in all for the control queue (`per_entry` false); then the ring at
 * a 64-byte boundary (the spec asks for 16: §2.7); then, for transmit, the free list.
 * Returns 0; -EIO when the queue is missing or too small (logged); -ENOMEM.
 */
static int queue_alloc(struct net_queue *q, uint16_t index, size_t buf_bytes, bool per_entry,
                       bool tx)
{
    uint16_t size = virtio_dev_queue_size(vdev, index, VIRTIO_NET_QUEUE_SIZE);
    if (size < VIRTIO_NET_QUEUE_MIN) {
        log_error("virtio-net: queue %u missing or too small (%u entries, %u needed)", index, size,
                  VIRTIO_NET_QUEUE_MIN);
        return -EIO;
    }
    size_t bufs_len = round_up(per_entry ? size * buf_bytes : buf_bytes, 64);
    /* Transmit chains are long (headers + pieces by reference): indirect tables, when the
     * device has them, keep each frame at one ring descriptor. */
    bool indirect = tx && virtio_dev_has(vdev, VIRTIO_F_INDIRECT_DESC);
    size_t ring_len = round_up(virtio_vq_mem_size(size, indirect), 64);
    size_t total = bufs_len + ring_len + (tx ? size * (sizeof(void *) + sizeof(uint16_t)) : 0);
    size_t pages = (total + CORE_PMM_PAGE_SIZE - 1) / CORE_PMM_PAGE_SIZE;
    uint8_t *mem = core_pmm_alloc(pages);
    if (!mem)
        return -ENOMEM;
    memset(mem, 0, pages * CORE_PMM_PAGE_SIZE);
    *q = (struct net_queue){.bufs = mem,
                            .ring = mem + bufs_len,
                            .size = size,
                            .indirect = indirect,
                            .mem = mem,
                            .pages = pages};
    if (tx) {
        q->cookies = (void **)(mem + bufs_len + ring_len);
        q->free_stack = (uint16_t *)(q->cookies + size);
        for (uint16_t k = 0; k < size; k++)
            q->free_stack[q->nfree++] = k;
    }
    return 0;
}

/* Gives a queue's memory back, unless the device may still be using it: then the queue stays
 * as it is, for free_queues() to give back once the device has been reset. */
static void queue_free(struct net_queue *q)
{
    if (q->device_knows)
        return;
    if (q->mem)
        core_pmm_free(q->mem, q->pages);
    memset(q, 0, sizeof(*q));
}

/* §3.1.1 step 7 for an allocated queue: its ring goes to the device.  Returns 0 or the error of
 * virtio_dev_vq_setup() (logged there). */
static int queue_start(struct net_queue *q, uint16_t index, uint16_t vector)
{
    struct virtio_vq_setup s = {.index = index,
                                .size = q->size,
                                .want_indirect = q->indirect,
                                .vector = vector,
                                .mem = q->ring,
                                .mem_len = virtio_vq_mem_size(q->size, q->indirect)};
    /* From the first register write on, the device may hold on to the address. */
    q->device_knows = true;
    return virtio_dev_vq_setup(vdev, &q->vq, &s);
}

/* Post receive buffer k (token k + 1: tokens must be non-NULL). */
static int rx_post(struct net_queue *q, uint16_t k)
{
    struct virtio_vq_seg seg = {virtio_dma_addr(q->bufs + (size_t)k * NET_BUF_SIZE), NET_BUF_SIZE};
    return virtio_vq_add(&q->vq, &seg, 0, 1, (void *)(uintptr_t)(k + 1));
}

/*
 * Pair i: allocates both queues, aims the receive interrupt at core i, gives both rings to the
 * device and fills the receive ring.  Returns 0, or a negative errno; when the device never
 * heard of the pair (pairs[i].rx.device_knows false) the pair's memory is given back: -EIO (a
 * queue missing or too small), -ENOMEM, or for i > 0 the routing error (-EBUSY: the device's
 * one interrupt already wakes core 0; -ENOSPC: no MSI-X entry left).  Pair 0 without an
 * interrupt is kept and only polled: there is no other pair to fall back on.
 */
static int pair_setup(unsigned i, uint32_t apic_id)
{
    struct net_pair *p = &pairs[i];
    uint16_t vector;
    int err;

    if ((err = queue_alloc(&p->rx, 2 * i, NET_BUF_SIZE, true, false)) < 0 ||
        (err = queue_alloc(&p->tx, 2 * i + 1, NET_BUF_SIZE, true, true)) < 0)
        goto drop;
    /* Pair i's receive interrupt wakes core i: without it core i would sleep through its own
     * traffic.  A device with one interrupt for all its queues (virtio-mmio) reaches one core
     * only: -EBUSY for the pairs of the other cores. */
    err = virtio_dev_queue_irq(vdev, 2 * i, apic_id, &vector);
    if (err < 0 && i > 0)
        goto drop;
    if ((err = queue_start(&p->rx, 2 * i, vector)) < 0 ||
        (err = queue_start(&p->tx, 2 * i + 1, VIRTIO_MSI_NO_VECTOR)) < 0)
        return err;
    virtio_vq_intr_disable(&p->tx.vq); /* completions are reclaimed by polling */
    for (uint16_t k = 0; k < p->rx.size; k++)
        if (rx_post(&p->rx, k) < 0)
            break;
    return 0;

drop:
    queue_free(&p->rx);
    queue_free(&p->tx);
    return err;
}

/*
 * The number of queue pairs the device has (§5.1.4 max_virtqueue_pairs, only with MQ), as the
 * device reports it: untrusted.  The spec allows 1 .. 0x8000; anything else is logged, naming
 * the value, and taken as 1 (the device has at least pair 0, which needs no control queue).
 * Returns >= 1, or -EIO when the configuration cannot be read.
 */
static int device_pairs(void)
{
    uint16_t max_pairs;

    if (!virtio_dev_has(vdev, VIRTIO_NET_F_MQ))
        return 1;
    if (virtio_config_read(vdev, CFG_MAX_PAIRS, &max_pairs, sizeof(max_pairs)) < 0)
        return -EIO;
    if (max_pairs < 1 || max_pairs > VIRTIO_NET_SPEC_MAX_PAIRS) {
        log_warn("virtio-net: %s: max_virtqueue_pairs %u is outside 1..%u: using 1 pair",
                 vdev->where, max_pairs, VIRTIO_NET_SPEC_MAX_PAIRS);
        return 1;
    }
    return max_pairs;
}

/*
 * Control command on the control queue, polled to completion (bounded by
 * VIRTIO_NET_CTRL_TIMEOUT_MS).  Returns 0 when the device acknowledged it with VIRTIO_NET_OK;
 * -EIO when it answered anything else; -ETIMEDOUT when it did not answer (it then still owns
 * the command buffer).  Boot only.
 */
static int ctrl_command(uint8_t class, uint8_t cmd, const void *data, size_t len)
{
    uint8_t *buf = ctrlq.bufs;
    if (len > CTRL_BUF_SIZE - 3)
        return -EINVAL;
    buf[0] = class;
    buf[1] = cmd;
    memcpy(buf + 2, data, len);
    buf[2 + len] = CTRL_ACK_UNSET; /* the ack byte, written by the device */
    /* §5.1.6.5: class, command and data device-readable; the ack device-writable. */
    struct virtio_vq_seg segs[2] = {{virtio_dma_addr(buf), 2 + len},
                                    {virtio_dma_addr(buf + 2 + len), 1}};
    int err = virtio_vq_add(&ctrlq.vq, segs, 1, 1, buf);
    if (err < 0)
        return err;
    virtio_vq_kick(&ctrlq.vq);
    uint64_t start = core_time_ns();
    uint32_t got;
    do {
        if (virtio_vq_get_buf(&ctrlq.vq, &got) == buf)
            return got >= 1 && buf[2 + len] == CTRL_ACK_OK ? 0 : -EIO;
        __builtin_ia32_pause();
    } while (core_time_ns() - start < VIRTIO_NET_CTRL_TIMEOUT_MS * 1000000ull);
    return -ETIMEDOUT;
}

/*
 * Sets up the control queue, index 2 * max_pairs (§5.1.2).  The index is computed wide and
 * checked before it becomes a 16-bit queue number: with 0x8000 pairs (which the spec allows) it
 * is 0x10000, which truncated would be receive queue 0, set up again as a control queue.
 * Returns 0 or a negative errno (logged).
 */
static int ctrl_setup(unsigned max_pairs)
{
    uint32_t wide = 2u * max_pairs;
    if (wide > UINT16_MAX) {
        log_warn("virtio-net: %s: control queue %u is beyond the 16-bit queue numbers "
                 "(max_virtqueue_pairs %u)",
                 vdev->where, wide, max_pairs);
        return -ERANGE;
    }
    uint16_t index = (uint16_t)wide;
    int err = queue_alloc(&ctrlq, index, CTRL_BUF_SIZE, false, false);
    if (err == 0)
        err = queue_start(&ctrlq, index, VIRTIO_MSI_NO_VECTOR);
    if (err < 0) {
        log_warn("virtio-net: no control queue (queue %u: %d)", index, err);
        queue_free(&ctrlq);
        return err;
    }
    virtio_vq_intr_disable(&ctrlq.vq); /* answers are polled */
    return 0;
}

/* Gives back the memory of every queue the device was never told about, or of all of them
 * once the device has been reset. */
static void free_queues(bool device_reset)
{
    for (unsigned i = 0; i < VIRTIO_NET_MAX_PAIRS; i++) {
        if (device_reset)
            pairs[i].rx.device_knows = pairs[i].tx.device_knows = false;
        queue_free(&pairs[i].rx);
        queue_free(&pairs[i].tx);
    }
    if (device_reset)
        ctrlq.device_knows = false;
    queue_free(&ctrlq);
}

int virtio_net_init(unsigned want_pairs, const uint32_t *apic_ids)
{
    int err, max_pairs;

    memset(pairs, 0, sizeof(pairs));
    memset(&ctrlq, 0, sizeof(ctrlq));
    npairs = 0;
    vdev = virtio_dev_find(VIRTIO_ID_NET, 0);
    if (!vdev) {
        log_info("virtio-net: no device");
        return -ENODEV;
    }
    vdev->name = "virtio-net";
    /* §3.1.1 steps 1-6.  On failure the device is already marked FAILED. */
    err = virtio_dev_init_begin(vdev, NET_FEATURES, 0);
    if (err < 0) {
        log_error("virtio-net: %s: feature negotiation failed (%d)", vdev->where, err);
        return err;
    }
    /* §5.1.3.1: TSO needs the device to complete checksums; a device offering HOST_TSO4
     * without CSUM breaks that rule, and its TSO is not used. */
    offloads = 0;
    if (virtio_dev_has(vdev, VIRTIO_NET_F_CSUM))
        offloads |= VIRTIO_NET_OFFLOAD_TX_CSUM;
    if (virtio_dev_has(vdev, VIRTIO_NET_F_GUEST_CSUM))
        offloads |= VIRTIO_NET_OFFLOAD_RX_CSUM;
    if (virtio_dev_has(vdev, VIRTIO_NET_F_HOST_TSO4) && virtio_dev_has(vdev, VIRTIO_NET_F_CSUM))
        offloads |= VIRTIO_NET_OFFLOAD_TSO4;
    /* §5.1.4: the MAC address, and how many pairs the device has. */
    if (virtio_dev_has(vdev, VIRTIO_NET_F_MAC)) {
        err = virtio_config_read(vdev, CFG_MAC, mac, 6);
        if (err < 0) {
            log_error("virtio-net: %s: cannot read the MAC address (%d)", vdev->where, err);
            goto fail;
        }
    } else {
        memcpy(mac, default_mac, 6);
    }
    max_pairs = device_pairs();
    if (max_pairs < 0) {
        err = max_pairs;
        log_error("virtio-net: %s: cannot read max_virtqueue_pairs (%d)", vdev->where, err);
        goto fail;
    }
    unsigned want = want_pairs < 1 ? 1 : want_pairs;
    if (want > (unsigned)max_pairs)
        want = (unsigned)max_pairs;
    if (want > VIRTIO_NET_MAX_PAIRS)
        want = VIRTIO_NET_MAX_PAIRS;

    /* §3.1.1 step 7.  The control queue only matters for enabling more than one pair
     * (§5.1.6.5.5); without it the device uses pair 0 alone. */
    if (want > 1 && !(virtio_dev_has(vdev, VIRTIO_NET_F_CTRL_VQ) && ctrl_setup(max_pairs) == 0)) {
        log_warn("virtio-net: %s: no control queue to enable %u pairs with: using 1", vdev->where,
                 want);
        want = 1;
    }
    /* The pairs, one per core.  A pair the device never heard of (a queue missing, no memory
     * left, no interrupt that reaches its core) ends the list; pair 0 is needed. */
    for (unsigned i = 0; i < want; i++) {
        err = pair_setup(i, apic_ids[i]);
        if (err == 0) {
            npairs++;
            continue;
        }
        if (i > 0 && !pairs[i].rx.device_knows) {
            log_warn("virtio-net: %s: queue pair %u not usable (%s, %d): using %u", vdev->where, i,
                     err == -EBUSY    ? "one interrupt for all queues, aimed at core 0"
                     : err == -ENOMEM ? "no memory"
                                      : "no interrupt for its core, or no queue",
                     err, i);
            break;
        }
        log_error("virtio-net: %s: queue pair %u could not be set up (%d)", vdev->where, i, err);
        goto fail;
    }

    /* §3.1.1 step 8. */
    err = virtio_dev_init_finish(vdev);
    if (err < 0) {
        log_error("virtio-net: %s: device refused DRIVER_OK (%d)", vdev->where, err);
        goto fail;
    }
    for (unsigned i = 0; i < npairs; i++)
        virtio_vq_kick(&pairs[i].rx.vq);

    /* §5.1.6.5.5: only pair 0 receives until the driver sets the number of pairs. */
    if (npairs > 1) {
        uint16_t n = (uint16_t)npairs;
        err = ctrl_command(CTRL_MQ, CTRL_MQ_PAIRS_SET, &n, sizeof(n));
        if (err == -ETIMEDOUT) {
            /* It may still act on the command later and steer flows to queues no core reads:
             * a device that does not answer is not used at all. */
            log_error("virtio-net: %s: no answer to VQ_PAIRS_SET within %u ms", vdev->where,
                      VIRTIO_NET_CTRL_TIMEOUT_MS);
            goto fail;
        }
        if (err < 0) {
            log_warn("virtio-net: %s: device refused %u queue pairs (%d): using 1", vdev->where,
                     npairs, err);
            npairs = 1;
        }
    }
    log_info("virtio-net: mac %02x:%02x:%02x:%02x:%02x:%02x, %u queue pair%s (device has %u), "
             "offloads:%s%s%s%s, %s",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], npairs, npairs == 1 ? "" : "s",
             (unsigned)max_pairs, offloads & VIRTIO_NET_OFFLOAD_TX_CSUM ? " tx-csum" : "",
             offloads & VIRTIO_NET_OFFLOAD_RX_CSUM ? " rx-csum" : "",
             offloads & VIRTIO_NET_OFFLOAD_TSO4 ? " tso4" : "", offloads ? "" : " none",
             vdev->where);
    return (int)npairs;

fail:
    /* §3.1.1: give up on the device.  Reset it first, so it lets go of the rings and buffers
     * it was given; only then is their memory ours again. */
    if (vdev->ops->reset(vdev) < 0)
        log_error("virtio-net: %s: reset did not complete: its queue memory is not reused",
                  vdev->where);
    else
        free_queues(true);
    free_queues(false); /* what the device never saw, in any case */
    virtio_dev_fail(vdev);
    npairs = 0;
    offloads = 0;
    return err;
}

void virtio_net_mac(uint8_t out[6])
{
    memcpy(out, mac, 6);
}

unsigned virtio_net_offloads(void)
{
    return offloads;
}

unsigned virtio_net_rx_poll(unsigned qi, virtio_net_rx_fn fn, void *ctx, unsigned budget)
{
    struct net_pair *p = &pairs[qi];
    struct net_queue *q = &p->rx;
    unsigned handed = 0;
    uint32_t len;
    void *token;
    while (handed < budget && (token = virtio_vq_get_buf(&q->vq, &len))) {
        uint16_t k = (uint16_t)((uintptr_t)token - 1);
        if (k >= q->size)
            continue; /* not a token we gave: cannot happen unless memory is corrupt */
        const uint8_t *buf = q->bufs + (size_t)k * NET_BUF_SIZE;
        if (len < NET_HDR_LEN + VIRTIO_NET_FRAME_MIN || len > NET_HDR_LEN + VIRTIO_NET_FRAME_MAX) {
            p->counters.rx_drops++;
        } else {
            /* §5.1.6.4: the flags mean something only with GUEST_CSUM (the device must leave
             * them 0 otherwise; a device that does not is not believed).  DATA_VALID: the
             * device checked the sum.  NEEDS_CSUM: the frame comes from the host's own stack
             * with the sum left to be completed, which the host trusts; so do we.  The flags
             * byte is read once. */
            uint8_t hflags = __atomic_load_n(&((const struct net_hdr *)buf)->flags,
                                             __ATOMIC_RELAXED);
            unsigned flags = (offloads & VIRTIO_NET_OFFLOAD_RX_CSUM) &&
                                     (hflags & (HDR_F_DATA_VALID | HDR_F_NEEDS_CSUM))
                                 ? VIRTIO_NET_RX_CSUM_OK
                                 : 0;
            p->counters.rx++;
            fn(ctx, buf + NET_HDR_LEN, len - NET_HDR_LEN, flags);
            handed++;
        }
        if (rx_post(q, k) < 0)
            p->counters.rx_drops++; /* cannot happen: the buffer's own slot was just freed */
    }
    if (handed)
        virtio_vq_kick(&q->vq);
    return handed;
}

/* Take back the buffers of frames the device is done with, and give their cookies back. */
static void tx_reclaim(struct net_pair *p)
{
    struct net_queue *q = &p->tx;
    uint32_t len;
    void *token;
    while ((token = virtio_vq_get_buf(&q->vq, &len))) {
        uint16_t k = (uint16_t)((uintptr_t)token - 1);
        if (k >= q->size || q->nfree >= q->size)
            continue; /* not a token we gave: cannot happen unless memory is corrupt */
        void *cookie = q->cookies[k];
        q->cookies[k] = NULL;
        q->free_stack[q->nfree++] = k;
        if (cookie && p->release)
            p->release(p->release_ctx, cookie);
    }
}

void virtio_net_tx_release(unsigned qi, virtio_net_release_fn fn, void *ctx)
{
    pairs[qi].release = fn;
    pairs[qi].release_ctx = ctx;
}

/* Whether [data, data + len) lies wholly inside or wholly outside the per-core window: only then
 * is it one physically contiguous run (the window is mapped per core, core/percpu.h). */
static bool dma_contiguous(const void *data, size_t len)
{
#ifdef TORIL_HOST_TEST
    (void)data;
    (void)len;
    return true;
#else
    if (!core_percpu_overlaps(data, len))
        return true;
    uintptr_t a = (uintptr_t)data;
    return a >= (uintptr_t)__percpu_start && a + len <= (uintptr_t)__percpu_end;
#endif
}

/* Checks a frame against the negotiated offloads and the limits; *total gets its length.
 * Returns 0, -EMSGSIZE or -EINVAL (see virtio_net_xmit()). */
static int frame_check(const struct virtio_net_frame *f, size_t *total)
{
    if (f->hdr_len > VIRTIO_NET_TX_HDR_MAX || (f->hdr_len > 0 && f->hdr == NULL))
        return -EMSGSIZE;
    size_t n = f->hdr_len;
    for (unsigned i = 0; i < f->nsegs; i++) {
        if (f->segs[i].len > VIRTIO_NET_GSO_MAX || !dma_contiguous(f->segs[i].data, f->segs[i].len))
            return f->segs[i].len > VIRTIO_NET_GSO_MAX ? -EMSGSIZE : -EINVAL;
        n += f->segs[i].len;
    }
    *total = n;
    if (n > (f->gso_size ? VIRTIO_NET_GSO_MAX : VIRTIO_NET_FRAME_MAX))
        return -EMSGSIZE;
    if (n < VIRTIO_NET_FRAME_MIN)
        return -EINVAL;
    /* More pieces than a chain takes: only a frame that can be copied whole. */
    if (f->nsegs > VIRTIO_NET_TX_SEGS_MAX && (f->gso_size || n > VIRTIO_NET_FRAME_MAX))
        return -EMSGSIZE;
    if (f->csum_start &&
        (!(offloads & VIRTIO_NET_OFFLOAD_TX_CSUM) || (size_t)f->csum_start + f->csum_offset + 2 > n))
        return -EINVAL;
    if (f->gso_size && (!(offloads & VIRTIO_NET_OFFLOAD_TSO4) || !f->csum_start ||
                        f->gso_hdr_len == 0 || f->gso_hdr_len >= n))
        return -EINVAL;
    return 0;
}

int virtio_net_xmit(unsigned qi, const struct virtio_net_frame *f)
{
    struct net_pair *p = &pairs[qi];
    struct net_queue *q = &p->tx;
    size_t total;
    int err = frame_check(f, &total);
    if (err < 0)
        return err;
    if (q->nfree == 0)
        tx_reclaim(p);
    if (q->nfree == 0) {
        p->counters.tx_full++;
        return -EAGAIN;
    }
    uint16_t k = q->free_stack[--q->nfree];
    uint8_t *buf = q->bufs + (size_t)k * NET_BUF_SIZE;

    /* §5.1.6.2: flags and gso_type 0 unless negotiated and asked for; num_buffers 0. */
    struct net_hdr h = {0};
    if (f->csum_start) {
        h.flags = HDR_F_NEEDS_CSUM;
        h.csum_start = f->csum_start;
        h.csum_offset = f->csum_offset;
    }
    if (f->gso_size) {
        h.gso_type = HDR_GSO_TCPV4;
        h.gso_size = f->gso_size;
        h.hdr_len = f->gso_hdr_len;
    }
    memcpy(buf, &h, NET_HDR_LEN);
    if (f->hdr_len) /* a frame may be all pieces (tests); memcpy wants a pointer even for 0 */
        memcpy(buf + NET_HDR_LEN, f->hdr, f->hdr_len);

    /* The header block, then the pieces by reference, pieces that touch in DMA space as one.
     * A small frame is copied whole: one descriptor is cheaper than several for an ACK. */
    struct virtio_vq_seg segs[1 + VIRTIO_NET_TX_SEGS_MAX];
    unsigned n = 1;
    size_t off = NET_HDR_LEN + f->hdr_len;
    bool copy = total <= VIRTIO_NET_TX_COPY_MAX || f->nsegs > VIRTIO_NET_TX_SEGS_MAX;
    for (unsigned i = 0; i < f->nsegs; i++) {
        const struct virtio_net_seg *s = &f->segs[i];
        if (s->len == 0)
            continue;
        if (copy) {
            memcpy(buf + off, s->data, s->len);
            off += s->len;
            continue;
        }
        uint64_t addr = virtio_dma_addr(s->data);
        if (n > 1 && segs[n - 1].addr + segs[n - 1].len == addr)
            segs[n - 1].len += (uint32_t)s->len;
        else
            segs[n++] = (struct virtio_vq_seg){addr, (uint32_t)s->len};
    }
    segs[0] = (struct virtio_vq_seg){virtio_dma_addr(buf), (uint32_t)off};
    err = virtio_vq_add(&q->vq, segs, n, 0, (void *)(uintptr_t)(k + 1));
    if (err < 0) {
        q->free_stack[q->nfree++] = k;
        p->counters.tx_full++;
        return -EAGAIN;
    }
    q->cookies[k] = f->cookie;
    p->counters.tx++;
    p->counters.tx_gso += f->gso_size != 0;
    p->counters.tx_copied += copy;
    return 0;
}

void virtio_net_flush(unsigned qi)
{
    virtio_vq_kick(&pairs[qi].tx.vq);
    tx_reclaim(&pairs[qi]);
}

bool virtio_net_arm(unsigned qi)
{
    tx_reclaim(&pairs[qi]);
    return virtio_vq_intr_enable(&pairs[qi].rx.vq);
}

void virtio_net_counters(unsigned qi, struct virtio_net_counters *c)
{
    *c = pairs[qi].counters;
}
