/*
 * virtio-net driver (virtio 1.2 §5.1).  Features implemented and so negotiated: MAC, CTRL_VQ,
 * MQ (plus EVENT_IDX from the ring layer).  No checksum offload and no mergeable buffers yet:
 * every receive buffer holds a whole frame (header + 1514 bytes), and lwIP computes checksums.
 *
 * Queue layout (§5.1.2): receiveq i = 2i, transmitq i = 2i + 1, controlq = 2 * max pairs.
 * Pair i's receive interrupt is aimed at core i through the transport (virtio_dev_queue_irq()):
 * on PCI an MSI-X entry per receive queue; where the device has one interrupt for all its
 * queues (virtio-mmio) it reaches one core only, so the device gets one queue pair.
 * Boot (core 0) sets everything up and fills the receive rings; from then on pair i belongs to
 * core i.  Transmit completions are reclaimed by polling (no transmit interrupt).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/log.h"
#include "core/pmm.h"
#include "virtio/net.h"
#include "virtio/virtio.h"
#include "virtio/virtq.h"

#define NET_QUEUE_SIZE     256  /* entries per ring we ask for */
#define NET_BUF_SIZE       2048 /* one frame: header (12) + 1514, rounded to a power of two */
#define NET_HDR_LEN        12   /* struct virtio_net_hdr with num_buffers (always, in 1.x) */
#define ETH_MIN_FRAME      14   /* an Ethernet header at least */
#define ETH_MAX_FRAME      1514 /* 1500 MTU + 14: no VLAN tags, no jumbo frames */
#define CTRL_TIMEOUT_SPINS 100000000

/* Device configuration (§5.1.4). */
#define CFG_MAC       0
#define CFG_MAX_PAIRS 8

/* Control queue (§5.1.6.5.5): VIRTIO_NET_CTRL_MQ, VQ_PAIRS_SET. */
#define CTRL_MQ           4
#define CTRL_MQ_PAIRS_SET 0

struct net_queue {
    struct virtio_vq vq;
    uint8_t *bufs; /* NET_BUF_SIZE * size bytes: buffer k at bufs + k * NET_BUF_SIZE */
    uint16_t size;
    /* transmit only: free buffer indices (a stack) */
    uint16_t *free_stack;
    uint16_t nfree;
};

struct net_pair {
    struct net_queue rx, tx;
    struct virtio_net_counters counters;
} __attribute__((aligned(64))); /* pairs on separate cache lines: each core writes its own */

static struct virtio_dev *vdev; /* the device, whichever transport it is on */
static struct net_pair pairs[VIRTIO_NET_MAX_PAIRS];
static unsigned npairs;
static uint8_t mac[6];
/* Used when the device has no MAC: QEMU's default prefix, locally administered. */
static const uint8_t default_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void *alloc_zeroed(size_t bytes)
{
    size_t pages = (bytes + 4095) / 4096;
    void *p = core_pmm_alloc(pages);
    if (p)
        memset(p, 0, pages * 4096);
    return p;
}

static int setup_queue(struct net_queue *q, uint16_t index, uint16_t vector)
{
    uint16_t size = virtio_dev_queue_size(vdev, index, NET_QUEUE_SIZE);
    if (size == 0)
        return -ENOENT;
    size_t mem_len = virtio_vq_mem_size(size, false);
    void *mem = alloc_zeroed(mem_len);
    q->bufs = alloc_zeroed((size_t)size * NET_BUF_SIZE);
    if (!mem || !q->bufs)
        return -ENOMEM;
    q->size = size;
    struct virtio_vq_setup s = {.index = index,
                                .size = size,
                                .want_indirect = false,
                                .vector = vector,
                                .mem = mem,
                                .mem_len = mem_len};
    return virtio_dev_vq_setup(vdev, &q->vq, &s);
}

/* Post receive buffer k (token k + 1: tokens must be non-NULL). */
static int rx_post(struct net_queue *q, uint16_t k)
{
    struct virtio_vq_seg seg = {virtio_dma_addr(q->bufs + (size_t)k * NET_BUF_SIZE), NET_BUF_SIZE};
    return virtio_vq_add(&q->vq, &seg, 0, 1, (void *)(uintptr_t)(k + 1));
}

/* Control command on the control queue, polled to completion.  Boot only. */
static int ctrl_command(struct virtio_vq *cq, uint8_t class, uint8_t cmd, const void *data,
                        size_t len)
{
    static uint8_t buf[64] __attribute__((aligned(16)));
    if (len > sizeof(buf) - 3)
        return -EINVAL;
    buf[0] = class;
    buf[1] = cmd;
    memcpy(buf + 2, data, len);
    buf[2 + len] = 0xff; /* ack byte, written by the device */
    struct virtio_vq_seg segs[2] = {{virtio_dma_addr(buf), 2 + len},
                                    {virtio_dma_addr(buf + 2 + len), 1}};
    int rc = virtio_vq_add(cq, segs, 1, 1, buf);
    if (rc < 0)
        return rc;
    virtio_vq_kick(cq);
    uint32_t got;
    for (unsigned i = 0; i < CTRL_TIMEOUT_SPINS; i++)
        if (virtio_vq_get_buf(cq, &got))
            return buf[2 + len] == 0 ? 0 : -EIO; /* VIRTIO_NET_OK = 0 */
    return -ETIMEDOUT;
}

int virtio_net_init(unsigned want_pairs, const uint32_t *apic_ids)
{
    vdev = virtio_dev_find(VIRTIO_ID_NET, 0);
    if (!vdev) {
        log_info("virtio-net: no device");
        return -ENODEV;
    }
    vdev->name = "virtio-net";
    uint64_t want = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
                    VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
    int rc = virtio_dev_init_begin(vdev, want, 0);
    if (rc < 0) {
        log_error("virtio-net: feature negotiation failed (%d)", rc);
        return rc;
    }
    if (virtio_dev_has(vdev, VIRTIO_NET_F_MAC))
        virtio_config_read(vdev, CFG_MAC, mac, 6);
    else
        memcpy(mac, default_mac, 6);

    uint16_t max_pairs = 1;
    if (virtio_dev_has(vdev, VIRTIO_NET_F_MQ) &&
        virtio_config_read(vdev, CFG_MAX_PAIRS, &max_pairs, 2) == 0) {
        if (max_pairs < 1 || max_pairs > 0x8000)
            max_pairs = 1; /* §5.1.4: 1 .. 0x8000; anything else is a broken device */
    }
    npairs = max_pairs < want_pairs ? max_pairs : want_pairs;
    if (npairs > VIRTIO_NET_MAX_PAIRS)
        npairs = VIRTIO_NET_MAX_PAIRS;

    for (unsigned i = 0; i < npairs; i++) {
        uint16_t vector;
        /* Pair i's receive interrupt wakes core i.  A device with one interrupt for all its
         * queues (virtio-mmio) can wake one core only: the pairs stop where that bites. */
        if (virtio_dev_queue_irq(vdev, 2 * i, apic_ids[i], &vector) == -EBUSY) {
            log_info("virtio-net: %s has one interrupt for all queues: %u queue pair%s",
                     vdev->where, i, i == 1 ? "" : "s");
            npairs = i;
            break;
        }
        if ((rc = setup_queue(&pairs[i].rx, 2 * i, vector)) < 0 ||
            (rc = setup_queue(&pairs[i].tx, 2 * i + 1, VIRTIO_MSI_NO_VECTOR)) < 0) {
            log_error("virtio-net: queue pair %u setup failed (%d)", i, rc);
            virtio_dev_fail(vdev);
            return rc;
        }
        struct net_queue *tx = &pairs[i].tx;
        tx->free_stack = alloc_zeroed(tx->size * sizeof(uint16_t));
        if (!tx->free_stack)
            return -ENOMEM;
        for (uint16_t k = 0; k < tx->size; k++)
            tx->free_stack[tx->nfree++] = k;
        virtio_vq_intr_disable(&tx->vq); /* completions are reclaimed by polling */
        for (uint16_t k = 0; k < pairs[i].rx.size; k++)
            if (rx_post(&pairs[i].rx, k) < 0)
                break;
    }

    struct virtio_vq ctrl;
    bool have_ctrl = false;
    if (virtio_dev_has(vdev, VIRTIO_NET_F_CTRL_VQ)) {
        struct net_queue cq = {0};
        if (setup_queue(&cq, 2 * max_pairs, VIRTIO_MSI_NO_VECTOR) == 0) {
            ctrl = cq.vq;
            have_ctrl = true;
        }
    }
    if ((rc = virtio_dev_init_finish(vdev)) < 0) {
        log_error("virtio-net: device refused DRIVER_OK (%d)", rc);
        return rc;
    }
    for (unsigned i = 0; i < npairs; i++)
        virtio_vq_kick(&pairs[i].rx.vq);

    /* §5.1.6.5.5: only pair 0 receives until the driver sets the number of pairs. */
    if (npairs > 1) {
        uint16_t n = (uint16_t)npairs;
        if (!have_ctrl || (rc = ctrl_command(&ctrl, CTRL_MQ, CTRL_MQ_PAIRS_SET, &n, 2)) < 0) {
            log_warn("virtio-net: could not enable %u queue pairs (%d); using 1", npairs, rc);
            npairs = 1;
        }
    }
    log_info("virtio-net: mac %02x:%02x:%02x:%02x:%02x:%02x, %u queue pair%s (device has %u), %s",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], npairs, npairs == 1 ? "" : "s",
             max_pairs, vdev->where);
    return (int)npairs;
}

void virtio_net_mac(uint8_t out[6])
{
    memcpy(out, mac, 6);
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
        if (len < NET_HDR_LEN + ETH_MIN_FRAME || len > NET_HDR_LEN + ETH_MAX_FRAME) {
            p->counters.rx_drops++;
        } else {
            p->counters.rx++;
            fn(ctx, buf + NET_HDR_LEN, len - NET_HDR_LEN);
            handed++;
        }
        if (rx_post(q, k) < 0)
            p->counters.rx_drops++; /* cannot happen: the buffer's own slot was just freed */
    }
    if (handed)
        virtio_vq_kick(&q->vq);
    return handed;
}

static void tx_reclaim(struct net_queue *q)
{
    uint32_t len;
    void *token;
    while ((token = virtio_vq_get_buf(&q->vq, &len))) {
        uint16_t k = (uint16_t)((uintptr_t)token - 1);
        if (k < q->size && q->nfree < q->size)
            q->free_stack[q->nfree++] = k;
    }
}

int virtio_net_xmit(unsigned qi, const struct virtio_net_seg *segs, unsigned n)
{
    struct net_pair *p = &pairs[qi];
    struct net_queue *q = &p->tx;
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += segs[i].len;
    if (total > ETH_MAX_FRAME)
        return -EMSGSIZE;
    if (q->nfree == 0)
        tx_reclaim(q);
    if (q->nfree == 0) {
        p->counters.tx_full++;
        return -EAGAIN;
    }
    uint16_t k = q->free_stack[--q->nfree];
    uint8_t *buf = q->bufs + (size_t)k * NET_BUF_SIZE;
    memset(buf, 0, NET_HDR_LEN); /* no offloads: flags 0, gso none */
    size_t off = NET_HDR_LEN;
    for (unsigned i = 0; i < n; i++) {
        memcpy(buf + off, segs[i].data, segs[i].len);
        off += segs[i].len;
    }
    struct virtio_vq_seg seg = {virtio_dma_addr(buf), (uint32_t)off};
    if (virtio_vq_add(&q->vq, &seg, 1, 0, (void *)(uintptr_t)(k + 1)) < 0) {
        q->free_stack[q->nfree++] = k;
        p->counters.tx_full++;
        return -EAGAIN;
    }
    p->counters.tx++;
    return 0;
}

void virtio_net_flush(unsigned qi)
{
    struct net_queue *q = &pairs[qi].tx;
    virtio_vq_kick(&q->vq);
    tx_reclaim(q);
}

bool virtio_net_arm(unsigned qi)
{
    tx_reclaim(&pairs[qi].tx);
    return virtio_vq_intr_enable(&pairs[qi].rx.vq);
}

void virtio_net_counters(unsigned qi, struct virtio_net_counters *c)
{
    *c = pairs[qi].counters;
}
