/*
 * virtio-net driver (virtio 1.2 §5.1): one receive/transmit queue pair per core.  Pair i is
 * touched only by core i (after boot); its receive interrupt is an MSI-X vector aimed at core
 * i's LAPIC, so a halted core is woken by its own traffic only.
 *
 * Consumer-facing contract (netstack/): init once at boot on core 0; afterwards each core calls
 * the per-queue functions for its own queue index only.
 */
#ifndef VIRTIO_NET_H
#define VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/limits.h" /* VIRTIO_NET_MAX_PAIRS, VIRTIO_NET_FRAME_MIN/MAX */

/* One piece of an outgoing frame (a pbuf's bytes, say), sent by reference. */
struct virtio_net_seg {
    const void *data;
    size_t len;
};

/* Offloads the device negotiated and the driver implements (virtio_net_offloads()). */
#define VIRTIO_NET_OFFLOAD_TX_CSUM 1u /* VIRTIO_NET_F_CSUM: the device completes partial sums */
#define VIRTIO_NET_OFFLOAD_RX_CSUM 2u /* VIRTIO_NET_F_GUEST_CSUM: receive reports validated
                                         sums (VIRTIO_NET_RX_CSUM_OK) */
#define VIRTIO_NET_OFFLOAD_TSO4    4u /* VIRTIO_NET_F_HOST_TSO4 (with CSUM): the device cuts a
                                         TCP/IPv4 frame of up to VIRTIO_NET_GSO_MAX bytes into
                                         segments */

/*
 * One outgoing frame (virtio 1.2 §5.1.6.2).  `hdr` (the Ethernet/IP/TCP headers, or a whole
 * small frame) is copied into the driver's buffer; `segs` follow it by reference: their bytes
 * MUST stay unchanged until the driver hands `cookie` back to the queue's release function
 * (the device reads them after virtio_net_xmit() returned).  Zeroed offload fields: a fully
 * checksummed frame of at most VIRTIO_NET_FRAME_MAX bytes.
 */
struct virtio_net_frame {
    const void *hdr;                   /* copied; may be NULL when hdr_len is 0 */
    size_t hdr_len;                    /* <= VIRTIO_NET_TX_HDR_MAX */
    const struct virtio_net_seg *segs; /* by reference, after hdr */
    unsigned nsegs;                    /* more than VIRTIO_NET_TX_SEGS_MAX: the frame is
                                          copied whole (then at most VIRTIO_NET_FRAME_MAX) */
    uint16_t csum_start;  /* 0: no partial checksum; else (TX_CSUM only) the device sums from
                             this offset to the end and stores the sum at csum_start +
                             csum_offset, whose 16 bits hold the pseudo-header sum (§5.1.6.2) */
    uint16_t csum_offset; /* see csum_start (16 for TCP) */
    uint16_t gso_size;    /* 0: one frame; else (TSO4 only, with csum_start) TCP payload bytes
                             per segment the device cuts the frame into */
    uint16_t gso_hdr_len; /* with gso_size: bytes of Ethernet + IP + TCP headers */
    void *cookie;         /* given back through the release function once the device is done
                             with the frame (NULL: nothing to give back) */
};
/*
 * Find the first virtio-net device (PCI, else virtio-mmio), negotiate, set up
 * min(device pairs, `want_pairs`) queue pairs with receive buffers posted, aim pair i's
 * receive interrupt at core i, set DRIVER_OK and enable the pairs on the control queue.  Fewer
 * pairs than wanted when the device's interrupt cannot reach every core (virtio-mmio: one line) or
 * memory runs out (logged).  Boot, core 0, before the other cores start; `apic_ids` holds
 * `want_pairs` LAPIC ids.  Returns the number of pairs (>= 1); -ENODEV (no device: logged once);
 * or, when the device could not be brought up, a negative errno (logged: the device was reset,
 * marked FAILED, and its queue memory given back): -ENOTSUP (features refused), -EIO (a queue
 * missing, too small or refused, DRIVER_OK refused), -ENOMEM, -ETIMEDOUT (no answer on the
 * control queue).
 */
int virtio_net_init(unsigned want_pairs, const uint32_t *apic_ids);

/* The device's MAC address (valid after init).  Any core. */
void virtio_net_mac(uint8_t mac[6]);

/*
 * Receive: hand up to `budget` received frames of queue q to fn(ctx, frame, len) and give the
 * buffers back to the device.  The frame is valid only during the call (copy what you keep).
 * Frames are VIRTIO_NET_FRAME_MIN .. VIRTIO_NET_FRAME_MAX bytes (virtio/limits.h); runts and
 * larger frames are dropped and counted.  `flags` is VIRTIO_NET_RX_CSUM_OK or 0.  Returns the
 * number handed up.
 * Main loop of core q.
 */
#define VIRTIO_NET_RX_CSUM_OK 1u /* flags: the device validated the TCP/UDP checksum, or the
                                    frame came from the host with a partial one (GUEST_CSUM:
                                    DATA_VALID or NEEDS_CSUM); 0: verify it in software */
typedef void (*virtio_net_rx_fn)(void *ctx, const uint8_t *frame, size_t len, unsigned flags);
unsigned virtio_net_rx_poll(unsigned q, virtio_net_rx_fn fn, void *ctx, unsigned budget);

/*
 * Transmit one frame (see struct virtio_net_frame): the headers copied, the segments by
 * reference, no per-frame copy of the payload (a small frame, or one of more pieces than a
 * chain takes, is copied whole).  Returns 0 (the cookie comes back through the release
 * function later); -EAGAIN when the transmit ring is full (back-pressure: try again after the
 * device consumed some; the frame was not taken); -EMSGSIZE for a frame larger than
 * VIRTIO_NET_FRAME_MAX (VIRTIO_NET_GSO_MAX with gso_size), or a TSO frame of too many pieces;
 * -EINVAL for an offload not negotiated, offsets outside the frame, or a piece that straddles
 * the per-core window's edge.  Main loop of core q.
 */
int virtio_net_xmit(unsigned q, const struct virtio_net_frame *f);

/*
 * Where queue q gives transmitted frames' cookies back: fn(ctx, cookie), called on core q's
 * main loop from inside virtio_net_xmit(), virtio_net_flush() and virtio_net_arm() (with
 * interrupts off) as the device finishes with frames, in whatever order it finishes them.  fn
 * must not call back into the driver.  Set it before the first virtio_net_xmit() on q.
 */
typedef void (*virtio_net_release_fn)(void *ctx, void *cookie);
void virtio_net_tx_release(unsigned q, virtio_net_release_fn fn, void *ctx);

/* The offloads in use (VIRTIO_NET_OFFLOAD_*), the same for every queue.  Valid after init. */
unsigned virtio_net_offloads(void);

/* Push the frames queued by virtio_net_xmit() to the device (one notification per batch). */
void virtio_net_flush(unsigned q);

/*
 * Idle path, interrupts off: reclaim finished transmissions, re-arm the receive interrupt and
 * report whether work is already pending (then do not halt).  Main loop of core q.
 */
bool virtio_net_arm(unsigned q);

/* Counters of queue q, for the stats line. */
struct virtio_net_counters {
    uint64_t rx;       /* frames handed up */
    uint64_t tx;       /* frames given to the device (a TSO frame counts once) */
    uint64_t rx_drops; /* runts and oversize frames */
    uint64_t tx_full;  /* transmits refused because the ring was full */
    uint64_t tx_gso;   /* of tx: frames the device segments (TSO) */
    uint64_t tx_copied; /* of tx: frames copied whole (small, or too many pieces) */
};
void virtio_net_counters(unsigned q, struct virtio_net_counters *c);

#endif
