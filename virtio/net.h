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

/* One piece of an outgoing frame (a pbuf, say). */
struct virtio_net_seg {
    const void *data;
    size_t len;
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
 * larger frames are dropped and counted.  Returns the number handed up.
 * Main loop of core q.
 */
typedef void (*virtio_net_rx_fn)(void *ctx, const uint8_t *frame, size_t len);
unsigned virtio_net_rx_poll(unsigned q, virtio_net_rx_fn fn, void *ctx, unsigned budget);

/*
 * Transmit one frame made of `n` segments (copied into a driver buffer; the caller keeps its
 * memory).  Returns 0, -EAGAIN when the transmit ring is full (back-pressure: try again after
 * the device consumed some; the frame is not lost, it was not taken), -EMSGSIZE for a frame
 * larger than VIRTIO_NET_FRAME_MAX.  Main loop of core q.
 */
int virtio_net_xmit(unsigned q, const struct virtio_net_seg *segs, unsigned n);

/* Push the frames queued by virtio_net_xmit() to the device (one notification per batch). */
void virtio_net_flush(unsigned q);

/*
 * Idle path, interrupts off: reclaim finished transmissions, re-arm the receive interrupt and
 * report whether work is already pending (then do not halt).  Main loop of core q.
 */
bool virtio_net_arm(unsigned q);

/* Counters of queue q, for the stats line: frames received/sent, dropped on receive. */
struct virtio_net_counters {
    uint64_t rx, tx, rx_drops, tx_full;
};
void virtio_net_counters(unsigned q, struct virtio_net_counters *c);

#endif
