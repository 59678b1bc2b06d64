/*
 * virtio-rng driver (virtio 1.2 §5.4): the host's entropy, read at boot on core 0.  One
 * request queue, polled: the device fills the buffers the driver offers with random bytes.
 * Nothing is trusted: a used length beyond the buffer counts as nothing written, and a device
 * that does not answer is given up on after a bounded wait.
 *
 * Context: core 0, boot (the TLS layer seeds every core's random generator from what it read
 * before the other cores start).  The state is core 0's.
 */
#ifndef VIRTIO_RNG_H
#define VIRTIO_RNG_H

#include <stddef.h>

#include "virtio/virtio.h"

/* Bytes one virtio_rng_read() may ask for (the driver's bounce buffer). */
#ifndef VIRTIO_RNG_READ_MAX
#define VIRTIO_RNG_READ_MAX 4096u
#endif

/* Find the first virtio-rng device (PCI, else virtio-mmio) and bring it up.  Returns 0;
 * -ENODEV when there is none (not logged: the device is optional); -EIO or -ENOMEM when it
 * could not be set up (logged). */
int virtio_rng_init(void);

/* Drive `dev`, a probed virtio-rng device (not yet initialised).  Returns 0, -EIO or -ENOMEM
 * (logged). */
int virtio_rng_attach(struct virtio_dev *dev);

/*
 * Fill buf with len bytes from the device, in as many requests as it takes (the device may
 * return fewer bytes than offered).  Blocks, polling, at most VIRTIO_RNG_TIMEOUT_MS without
 * progress.  Returns 0; -ENODEV (no device up); -EINVAL (len above VIRTIO_RNG_READ_MAX);
 * -ETIMEDOUT or -EIO (the device stalled or broke its queue: logged, reset, never used again).
 */
int virtio_rng_read(void *buf, size_t len);

#endif
