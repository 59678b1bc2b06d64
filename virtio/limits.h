/*
 * Named limits of the virtio layer.  Each may be overridden at build time with -DNAME=value
 * (e.g. through the make command line) where noted.
 */
#ifndef VIRTIO_LIMITS_H
#define VIRTIO_LIMITS_H

/* Largest split-virtqueue size the spec allows (virtio 1.2 §2.7): the 16-bit free-running
 * indices can tell a full ring from an empty one only up to 2^15 entries. */
#define VIRTIO_VQ_SIZE_MAX 32768

/* A descriptor chain with more segments than this goes through an indirect table when
 * VIRTIO_F_INDIRECT_DESC was negotiated (and the queue was set up to use it): it then takes one
 * ring descriptor instead of one per segment.  Short chains (virtio-net header + one frame)
 * stay direct, which spares the device one level of indirection.  Overridable. */
#ifndef VIRTIO_VQ_DIRECT_SEGS
#define VIRTIO_VQ_DIRECT_SEGS 2
#endif

/* Descriptors in each indirect table.  Every ring slot owns one table, so a queue of size N
 * that uses indirect descriptors needs N * VIRTIO_VQ_INDIRECT_SEGS * 16 bytes more memory
 * (64 KiB for N = 256).  Longer chains fall back to direct descriptors.  16: a virtio-net
 * transmit chain is its header block plus up to 15 pieces by reference (VIRTIO_NET_TX_SEGS_MAX),
 * enough for a TSO frame of headers, response header and file bytes.  Overridable. */
#ifndef VIRTIO_VQ_INDIRECT_SEGS
#define VIRTIO_VQ_INDIRECT_SEGS 16
#endif

/* Alignment of the used ring inside a queue's memory.  The spec asks for 4 (§2.7); a cache line
 * keeps the device-written used ring off the lines the driver writes (available ring). */
#define VIRTIO_VQ_USED_ALIGN 64

/* Times the device configuration space is re-read when its generation counter changes during
 * a read (§2.5.1) before the device is given up on: a device that changes its configuration
 * without pause is broken or hostile. */
#define VIRTIO_CONFIG_READ_TRIES 64

/* Devices virtio_dev_find() can hand out per transport (it keeps their transport state): one
 * disk and one network card today. */
#define VIRTIO_FIND_MAX_DEVICES 4

/* Queues of one PCI device whose notification offset is kept (a direct table, read on every
 * notification): QEMU's own limit (VIRTIO_QUEUE_MAX), so every queue of any QEMU device fits,
 * virtio-net's control queue at 2 * max_virtqueue_pairs included.  A queue beyond it is
 * refused at set-up.  2 bytes each, per device. */
#define VIRTIO_PCI_MAX_QUEUES 1024

/*
 * Ethernet frames as virtio-net carries them (no preamble, no FCS: the device strips and adds
 * it).  The one definition of the frame limit for the virtio side, and the one the network
 * stack's own limit should be:
 *   VIRTIO_NET_ETH_HLEN   destination, source, EtherType;
 *   VIRTIO_NET_MTU        payload bytes: Ethernet's 1500.  No jumbo frames: neither
 *                         VIRTIO_NET_F_MTU nor any receive GSO feature is negotiated, so the
 *                         device hands over nothing larger (and a frame that is larger is
 *                         dropped).  Only transmit may be larger, with TSO (VIRTIO_NET_GSO_MAX);
 *   VIRTIO_NET_VLAN_HLEN  one 802.1Q tag;
 *   VIRTIO_NET_FRAME_MAX  the largest frame received or sent: header + MTU, + 4 because a frame
 *                         carrying one VLAN tag is accepted on receive, so the stack sees it
 *                         and drops it where it is counted, not unseen in the driver.  The
 *                         stack itself never sends more than header + MTU.  A receive buffer
 *                         holds the virtio-net header plus this;
 *   VIRTIO_NET_FRAME_MIN  a frame shorter than its Ethernet header is a runt: dropped, counted.
 */
#define VIRTIO_NET_ETH_HLEN  14
#define VIRTIO_NET_MTU       1500
#define VIRTIO_NET_VLAN_HLEN 4
#define VIRTIO_NET_FRAME_MAX (VIRTIO_NET_ETH_HLEN + VIRTIO_NET_MTU + VIRTIO_NET_VLAN_HLEN)
#define VIRTIO_NET_FRAME_MIN VIRTIO_NET_ETH_HLEN

/* virtio-net transmit, with VIRTIO_NET_F_HOST_TSO4: the largest frame the device segments,
 * an IPv4 packet of 64 KiB - 1 (its 16-bit total length) behind an Ethernet header. */
#define VIRTIO_NET_GSO_MAX (VIRTIO_NET_ETH_HLEN + 65535)

/* virtio-net transmit: bytes of headers a frame may have copied into the driver's buffer (an
 * Ethernet, a 60-byte IPv4 and a 60-byte TCP header fit), and pieces it may add by reference:
 * one descriptor of an indirect table goes to the virtio-net header and the copied bytes. */
#define VIRTIO_NET_TX_HDR_MAX  192
#define VIRTIO_NET_TX_SEGS_MAX (VIRTIO_VQ_INDIRECT_SEGS - 1)

/* virtio-net transmit: a frame of at most this many bytes is copied whole into the driver's
 * buffer (one descriptor; cheaper than holding its pieces for pure ACKs and ARP). */
#ifndef VIRTIO_NET_TX_COPY_MAX
#define VIRTIO_NET_TX_COPY_MAX 256
#endif

/* virtio-net: queue pairs driven, at most: one per core, for up to 64 cores (xAPIC ids stay
 * below 255 under TCG).  2 * 64 + 1 queues with the control queue; one MSI-X entry per
 * receive queue.  Must be >= CORE_MAX_CPUS (checked in net.c). */
#define VIRTIO_NET_MAX_PAIRS 64

/* virtio-net: the most queue pairs a device may report (§5.1.4 max_virtqueue_pairs: 1 ..
 * 0x8000).  A value outside 1 .. this is a broken or hostile device. */
#define VIRTIO_NET_SPEC_MAX_PAIRS 0x8000

/* virtio-net: entries asked for per receive and transmit queue (the device may offer fewer).
 * Each entry holds one frame buffer of 2 KiB (on transmit: the virtio-net header, the copied
 * headers, or a whole frame that is copied), and a transmit queue an indirect table per entry,
 * so a pair costs about (2 * 2 KiB + 256) * this (1.1 MiB at 256).  Overridable. */
#ifndef VIRTIO_NET_QUEUE_SIZE
#define VIRTIO_NET_QUEUE_SIZE 256
#endif

/* virtio-net: fewest entries a queue may have.  A control command is a chain of two
 * descriptors (§5.1.6.5), and a receive ring of one buffer would drop every frame that arrives
 * while it is being handed up.  A device offering less is refused. */
#define VIRTIO_NET_QUEUE_MIN 2

/* virtio-net: how long a control command may go unanswered (QEMU answers while handling the
 * notification, in microseconds).  A device that does not answer is given up on. */
#define VIRTIO_NET_CTRL_TIMEOUT_MS 1000

#endif
