/*
 * A fake virtio device for host unit tests: a transport (struct virtio_transport_ops) whose
 * device side is driven by the test.  It learns the ring addresses through queue_setup like a
 * real device, consumes available chains (checking the driver obeyed the spec: bounds, chain
 * shape, indirect rules), and produces used entries, deciding on used-buffer notifications
 * with used_event / NO_INTERRUPT as a device must.  It can also misbehave on purpose: any id,
 * any length, any used index.
 *
 * Buffers are host memory and DMA addresses are host pointers, so AddressSanitizer catches a
 * descriptor that points outside its buffer when the fake device reads or writes through it.
 * The ring-side functions (pop, push, signal) touch only the rings and their own queue's
 * device state, so a test may run them on a second thread to act as a concurrent device.
 */
#ifndef VIRTIO_TESTS_FAKE_DEVICE_H
#define VIRTIO_TESTS_FAKE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/virtio.h"

#define FAKE_MAX_QUEUES  256 /* virtio-net: 64 pairs of a device that has up to 127 */
#define FAKE_MAX_SEGS    64  /* segments of one chain the fake device accepts */
#define FAKE_CONFIG_SIZE 64  /* bytes of configuration space */
#define FAKE_STATUS_LOG  16  /* status writes remembered */

/* One segment of a chain, as the device sees it. */
struct fake_seg {
    uint64_t addr; /* DMA address = host pointer */
    uint32_t len;  /* bytes */
    bool write;    /* device-writable */
};

/* A chain the device took from the available ring. */
struct fake_chain {
    uint16_t head;                      /* head descriptor index (the used id) */
    bool indirect;                      /* described by an indirect table */
    unsigned nseg;                      /* segments */
    struct fake_seg seg[FAKE_MAX_SEGS]; /* in chain order */
    uint32_t out_len;                   /* device-readable bytes */
    uint32_t in_len;                    /* device-writable bytes */
};

/* Device-side state of one queue. */
struct fake_queue {
    uint16_t max;            /* largest size offered; 0: the queue does not exist */
    uint16_t size;           /* size the driver set up */
    uint16_t vector;         /* MSI-X vector the driver chose */
    bool enabled;            /* queue_enable was called */
    struct virtq_desc *desc; /* ring parts, from queue_setup */
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint16_t last_avail;   /* next available entry to consume */
    uint16_t used_idx;     /* the device's used idx */
    uint16_t signalled;    /* used idx at the last notification decision */
    bool auto_avail_event; /* after each pop, ask for a kick at the next entry (EVENT_IDX) */
    unsigned notifies;     /* available-buffer notifications received */
    unsigned interrupts;   /* used-buffer notifications sent */
    bool irq_routed;       /* queue_irq_route was called for it (and succeeded) */
    uint32_t irq_apic_id;  /* the LAPIC id it was aimed at */
    unsigned setups;       /* queue_setup calls since the last reset */
};

struct fake_device {
    struct virtio_dev dev;                /* what the driver sees */
    uint64_t device_features;             /* offered */
    uint64_t driver_features;             /* written by the driver */
    uint8_t status;                       /* device status byte */
    uint8_t status_log[FAKE_STATUS_LOG];  /* every status written, in order */
    unsigned nstatus;                     /* entries in status_log */
    bool refuse_features_ok;              /* clear FEATURES_OK when the driver sets it */
    bool reset_times_out;                 /* reset reports -ETIMEDOUT */
    bool refuse_vector;                   /* queue_setup fails with -EIO */
    bool needs_reset;                     /* DEVICE_NEEDS_RESET reads set from DRIVER_OK on */
    int irq_entries;                      /* MSI-X-like table size (-1: no interrupts at all) */
    unsigned irq_used;                    /* table entries handed out by queue_irq_route */
    bool irq_shared;                      /* one interrupt for all queues (like virtio-mmio):
                                             the first route aims it, others must agree */
    unsigned resets;                      /* reset calls */
    uint8_t config[FAKE_CONFIG_SIZE];     /* configuration space */
    uint32_t generation;                  /* configuration generation */
    unsigned config_changes;              /* the next N generation reads each change it */
    unsigned config_reads;                /* config_read calls */
    uint16_t nqueues;                     /* queues the device has */
    struct fake_queue q[FAKE_MAX_QUEUES]; /* device-side queue state */
    unsigned driver_errors;               /* spec violations by the driver seen by the device */
    void (*on_notify)(void *arg, uint16_t index); /* called per notification, if set */
    void *on_notify_arg;                          /* its argument */
};

/* A device offering `features`, with `nqueues` queues of maximum size `qmax`, and an
 * interrupt table entry for each queue (irq_entries = nqueues, not shared). */
void fake_device_init(struct fake_device *fd, uint32_t device_id, uint64_t features,
                      uint16_t nqueues, uint16_t qmax);

/* Takes the next available chain of queue q.  Returns 0, -EAGAIN when none is available, or
 * -EPROTO when the chain breaks a driver rule (counted in driver_errors). */
int fake_queue_pop(struct fake_device *fd, unsigned q, struct fake_chain *c);

/* Writes used entry (id, len) and publishes the new used idx; no notification decision. */
void fake_queue_push(struct fake_device *fd, unsigned q, uint32_t id, uint32_t len);

/* Decides, as a device must (§2.7.7), whether the entries pushed since the last decision need
 * a used-buffer notification; counts and returns it. */
bool fake_queue_signal(struct fake_device *fd, unsigned q);

/* push + signal. */
bool fake_queue_complete(struct fake_device *fd, unsigned q, uint32_t id, uint32_t len);

/* Hostile: publishes an arbitrary used idx. */
void fake_queue_set_used_idx(struct fake_device *fd, unsigned q, uint16_t idx);

/* An idle device asks for a kick at the next available entry (avail_event with EVENT_IDX,
 * otherwise it clears NO_NOTIFY), then looks again.  Returns true when entries are already
 * available: the device must not wait for a kick then. */
bool fake_queue_arm_kick(struct fake_device *fd, unsigned q);

/* Device side of the available-buffer suppression (§2.7.10). */
void fake_queue_set_avail_event(struct fake_device *fd, unsigned q, uint16_t event);
void fake_queue_set_no_notify(struct fake_device *fd, unsigned q, bool no_notify);

/* Writes min(len, c->in_len) bytes of a pattern derived from seed into the writable segments;
 * returns the bytes written. */
uint32_t fake_chain_fill(const struct fake_chain *c, uint32_t len, uint8_t seed);

/* Copies up to cap readable bytes of the chain into buf; returns the bytes copied. */
size_t fake_chain_gather(const struct fake_chain *c, void *buf, size_t cap);

/* The pattern byte at position i for seed (what fake_chain_fill writes). */
static inline uint8_t fake_pattern(uint8_t seed, uint32_t i)
{
    return (uint8_t)(seed + i * 7u + (i >> 8));
}

#endif
