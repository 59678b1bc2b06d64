/*
 * lwIP 2.1.3 configuration for Toril: one lwIP per core (NO_SYS, raw/altcp API), IPv4 only,
 * tuned for a static web server under many concurrent keep-alive connections.
 *
 * Every copy of lwIP (netstack/module.mk) is built from this one file; nothing here may depend
 * on which core a copy serves.  Options left at lwIP's default are listed only when the default
 * matters to us.  Three switches a build may flip are at the top.
 *
 * The option table is aligned by hand (clang-format off): one option per line, its reason
 * beside it.
 */
#ifndef NETSTACK_LWIPOPTS_H
#define NETSTACK_LWIPOPTS_H

/* clang-format off */

#include "netstack/limits.h" /* named limits used below (TCP_OOSEQ_MAX_PBUFS) */

/* ---- Switches ------------------------------------------------------------------------------ */

/* SWITCH: TLS through altcp_tls_mbedtls (tls/module.mk builds mbedTLS and links it, with
 * altcp_tls_mbedtls.c and altcp_tls_mbedtls_mem.c, into the kernel's per-core lwIP object). */
#ifndef NETSTACK_TLS
#define NETSTACK_TLS 1
#endif

/* SWITCH: virtio-net checksum offload, where the device offers it (VIRTIO_NET_F_CSUM,
 * GUEST_CSUM; a tap does, QEMU's user networking does not).  1: TCP checksums of outgoing
 * frames are left to the device (netstack/instance.c puts the pseudo-header sum in and asks for
 * completion), and received TCP/UDP frames the device validated are not summed again; lwIP
 * still computes and checks every other sum, and all of them on a device without the offload
 * (lwIP's checksum control per netif, set per frame).  0: lwIP does every checksum. */
#ifndef NETSTACK_CSUM_OFFLOAD
#define NETSTACK_CSUM_OFFLOAD 1
#endif

/* SWITCH: TCP segmentation offload (VIRTIO_NET_F_HOST_TSO4, needs the checksum offload).  1:
 * consecutive full segments of one connection that lwIP sends in one pass leave as one frame of
 * up to 64 KiB, which the device cuts at lwIP's segment size; lwIP itself is unchanged (it
 * still builds MSS-sized segments, under its congestion window). */
#ifndef NETSTACK_TSO
#define NETSTACK_TSO 1
#endif

/* SWITCH: lwIP's internal assertions (LWIP_ASSERT -> panic).  They check lwIP's own invariants
 * and API misuse, never packet contents; they cost ~15 KB per copy (netstack/module.mk). */
#ifndef NETSTACK_LWIP_ASSERTS
#define NETSTACK_LWIP_ASSERTS 1
#endif

/* ---- System ------------------------------------------------------------------------------- */

#define NO_SYS                  1 /* no threads: each core's main loop drives its own copy */
#define SYS_LIGHTWEIGHT_PROT    0 /* a copy is only ever entered from its core's main loop */
#define LWIP_TIMERS             1 /* lwIP needs its timeouts ... */
#define LWIP_TIMERS_CUSTOM      1 /* ... scheduled by netstack/timers.c: only what has work runs */
#define LWIP_NETCONN            0 /* no sequential API without threads */
#define LWIP_SOCKET             0 /* idem */
#define LWIP_NETIF_API          0 /* idem */
#define LWIP_TCPIP_CORE_LOCKING 0 /* no tcpip thread */

/* ---- Memory: everything from the calling core's heap ------------------------------------- */

/* With both, a copy has no static heap or pools multiplied by the number of copies; the MEMP_NUM
 * limits below are then not enforced: the bounds are the listen backlog, TCP_MSL, and the
 * applications' own connection limits (httpd max_conns, NETSTACK_ECHO_MAX_CONNS). */
#define MEM_LIBC_MALLOC         1    /* mem_malloc -> malloc: the calling core's heap */
#define MEMP_MEM_MALLOC         1    /* memp pools (pcbs, segments, pbufs) from malloc too */
#define MEM_ALIGNMENT           8    /* x86-64: pointers and u64 in pbufs and pcbs */
#define MEMP_NUM_TCP_PCB        4096 /* the intended scale per core (documentary, see above) */
#define MEMP_NUM_TCP_PCB_LISTEN 8    /* idem: http, https, echo listeners per core */

/* ---- Link layer --------------------------------------------------------------------------- */

#define LWIP_ETHERNET              1  /* virtio-net frames */
#define LWIP_ARP                   1  /* resolve the host and the gateway */
#define ARP_TABLE_SIZE             32 /* peers of a guest on a tap or slirp are few */
#define ARP_QUEUEING               1  /* queue packets for a peer being resolved: with only the
                                         latest kept, concurrent SYN-ACKs to a just-expired
                                         gateway were lost and waited ~2.7 s for TCP's resend */
#define ARP_QUEUE_LEN              64 /* at most this many per peer (a burst of new connections) */
#define ETH_PAD_SIZE               0  /* the driver hands frames without padding */
#define LWIP_SINGLE_NETIF          1  /* one netif per copy: no netif list walks per packet */
#define LWIP_HAVE_LOOPIF           0  /* nothing in the guest talks to itself */
#define LWIP_NETIF_LOOPBACK        0  /* idem */
#define LWIP_NETIF_STATUS_CALLBACK 1  /* tells netstack/ when DHCP sets or changes the address */
#define LWIP_NETIF_LINK_CALLBACK   0  /* the virtio link is always up */
#define LWIP_NETIF_HOSTNAME        0  /* DHCP without a host name option */
/* Frames may be pbuf chains (headers + file bytes by reference from the content cache) that the
 * driver gathers.  With 1, tcp_write would copy every byte of every response into a fresh pbuf
 * first, and the immutable content cache exists so that file bytes go out by reference. */
#define LWIP_NETIF_TX_SINGLE_PBUF  0

/* ---- IPv4, ICMP, UDP, DHCP --------------------------------------------------------------- */

#define LWIP_IPV4               1
#define LWIP_IPV6               0  /* not yet: IPv4 only for now */
#define IP_FORWARD              0  /* an end host */
#define IP_REASSEMBLY           0  /* TCP never fragments (MSS), DHCP fits a frame: no reassembly
                                      buffers, and no 1 s reassembly timer on an idle core */
#define IP_FRAG                 0  /* idem for sending */
#define IP_DEFAULT_TTL          64 /* the usual Linux value */
#define LWIP_ICMP               1  /* answer ping */
#define LWIP_BROADCAST_PING     0  /* ... but not to broadcast addresses */
#define LWIP_MULTICAST_PING     0  /* ... nor multicast */
#define LWIP_RAW                0  /* no raw pcbs */
#define LWIP_UDP                1  /* for DHCP only */
#define LWIP_DHCP               1  /* ip=dhcp: core 0 runs it, the lease is copied to the others */
#define DHCP_DOES_ARP_CHECK     0  /* no ARP probe of the offered address: it would delay the
                                      lease by a second on a link whose other host is the server */
#define LWIP_DHCP_CHECK_LINK_UP 0  /* the link is always up */
#define LWIP_AUTOIP             0  /* no link-local fallback */
#define LWIP_IGMP               0  /* no multicast groups */
#define LWIP_DNS                0  /* a server resolves nothing */

/* ---- TCP ----------------------------------------------------------------------------------- */

#define LWIP_TCP                   1
#define LWIP_ALTCP                 1            /* httpd and echo use altcp: TLS slides in below */
#define LWIP_ALTCP_TLS             NETSTACK_TLS
#define LWIP_ALTCP_TLS_MBEDTLS     NETSTACK_TLS /* the altcp_tls implementation on mbedTLS */
/* Session tickets (RFC 5077) in altcp_tls: each core's configuration gets a ticket context
 * whose key comes from that core's CTR_DRBG and which mbedTLS rotates every lifetime (keeping
 * the previous key, so a ticket stays valid for up to two lifetimes).  No session cache: a
 * cache is per-server state tickets avoid. */
#define ALTCP_MBEDTLS_USE_SESSION_TICKETS            NETSTACK_TLS
#define ALTCP_MBEDTLS_SESSION_TICKET_CIPHER          MBEDTLS_CIPHER_AES_256_GCM
#define ALTCP_MBEDTLS_SESSION_TICKET_TIMEOUT_SECONDS (12 * 60 * 60)
#define LWIP_CALLBACK_API          1            /* raw API callbacks */
#define TCP_MSS                    1460         /* Ethernet MTU 1500 - 20 (IP) - 20 (TCP) */
#define LWIP_WND_SCALE             1            /* windows above 64 KiB - 1 need RFC 7323 */
#define TCP_RCV_SCALE              2            /* TCP_WND >> 2 advertised: room up to 256 KiB */
#define TCP_WND                    (64 * 1024)  /* a bandwidth-delay product on a tap */
#define TCP_SND_BUF                (64 * 1024)  /* a 64 KiB file in one burst, before any ACK */
/* A connection's send buffer starts at TCP_SND_BUF; an application may grow it per connection
 * up to this (netstack_tcp_sndbuf_adjust: httpd does while a core has few connections).  With
 * one ACK per TSO frame from the host, a connection moves at most its send buffer per round
 * trip, and round trips under load are milliseconds. */
#define NETSTACK_SNDBUF_MAX        (256 * 1024)
/* Pbufs queued per connection: a segment by reference is two (header + file bytes), and a
 * response may start mid-segment: four per MSS of the largest send buffer (lwIP wants >= 2 per
 * MSS).  Only a bound: snd_buf limits a connection first. */
#define TCP_SND_QUEUELEN           ((4 * NETSTACK_SNDBUF_MAX + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT               (TCP_SND_BUF / 2)      /* "writable" at half free: fewer,
                                                             larger writes */
#define TCP_SNDQUEUELOWAT          (TCP_SND_QUEUELEN / 2) /* idem for the pbuf queue (neither is
                                                             used by the raw API) */
/* TIME_WAIT lasts 2 * TCP_MSL.  lwIP's 60 s default keeps every connection a client or httpd
 * closed for two minutes: across back-to-back wrk runs the TIME_WAIT list grows to tens of
 * thousands of pcbs, every incoming segment walks it, and throughput collapses (seen in other
 * lwIP-based unikernels under repeated wrk runs).
 * On a tap or slirp a segment lives microseconds, and clients take fresh ephemeral ports, so
 * 2 s of TIME_WAIT still outlives any delayed duplicate. */
#define TCP_MSL                    1000UL
#define TCP_LISTEN_BACKLOG         1        /* bound half-open connections per listener */
#define TCP_DEFAULT_LISTEN_BACKLOG 128      /* per core and listener; lwIP's maximum is 255 */
#define TCP_QUEUE_OOSEQ            1        /* keep out-of-order segments: a loss costs one resend */
#define TCP_OOSEQ_MAX_BYTES        TCP_WND  /* ... but no more than a window of them ... */
/* ... and no more than this many segments: counted in bytes only, 1-byte segments behind a
 * gap would keep ~64 K pbufs (~6 MiB) per connection.  Beyond it lwIP drops the newest and the
 * client resends them once the gap is filled. */
#define TCP_OOSEQ_MAX_PBUFS        NETSTACK_OOSEQ_PBUFS_MAX
#define TCP_OVERSIZE               TCP_MSS  /* small writes (headers) grow into full segments */
#define LWIP_TCP_TIMESTAMPS        0        /* 12 bytes per segment for nothing on a LAN */
#define LWIP_TCP_KEEPALIVE         0        /* httpd closes idle connections itself */
#define SO_REUSE                   0        /* listeners bind at boot, before any TIME_WAIT */
#define LWIP_TCP_SACK_OUT          0        /* not worth the code on loss-free virtual links */

/* ---- Hooks (netstack/hooks.h, netstack/tcpguard.c) --------------------------------------- */

#define LWIP_HOOK_FILENAME "netstack/hooks.h"
/* RFC 6528 initial sequence numbers: a keyed hash of the 4-tuple plus a clock, instead of
 * lwIP's tick-driven counter that two probes predict. */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port)                           \
    netstack_tcp_isn(local_ip, local_port, remote_ip, remote_port)
/* Every segment before its pcb sees it: SYN cookies when a listen backlog is full, and the
 * TIME_WAIT cap (NETSTACK_TIME_WAIT_MAX) before each new connection. */
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                            \
    netstack_tcp_inpacket(pcb, hdr, optlen, opt1len, opt2, p)
/* Large segments (netstack/lwip-patches/tcp-large-segments.patch, netstack/instance.c): when
 * the link segments (TSO), tcp_write builds segments of up to 64 KiB, and the link learns
 * each segment's MSS as TCP hands it down (the hook runs just before ip_output). */
#define TCP_WRITE_SEG_MAX(pcb) netstack_tcp_write_seg_max(pcb)
#define LWIP_HOOK_TCP_OUT_ADD_TCPOPTS(p, hdr, pcb, opts) netstack_tcp_out_segment(p, hdr, pcb, opts)

/* ---- Checksums (one switch: NETSTACK_CSUM_OFFLOAD) ---------------------------------------- */

/* All compiled in; which ones run is decided per netif, and on receive per frame, from what
 * the device offers (netstack/instance.c): a device without offloads gets every sum. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define CHECKSUM_GEN_IP       1 /* the IPv4 header sum is cheap and never offloaded */
#define CHECKSUM_CHECK_IP     1 /* idem */
#define CHECKSUM_GEN_ICMP     1 /* ping replies: rare, always software */
#define CHECKSUM_CHECK_ICMP   1 /* idem */
#define CHECKSUM_GEN_TCP      1 /* software unless the device completes it */
#define CHECKSUM_GEN_UDP      1 /* DHCP only: always software */
#define CHECKSUM_CHECK_TCP    1 /* unless the device validated it */
#define CHECKSUM_CHECK_UDP    1 /* idem */
#define LWIP_CHKSUM_ALGORITHM 3 /* lwIP's fastest portable variant (32-bit accumulation) */

/* ---- Diagnostics -------------------------------------------------------------------------- */

#define LWIP_STATS 0 /* netstack/ keeps its own per-core counters (stats line) */
/* LWIP_DEBUG stays undefined: no debug messages compiled in. */
#if !NETSTACK_LWIP_ASSERTS
#define LWIP_NOASSERT /* LWIP_ASSERT compiles to nothing */
#endif

/* clang-format on */

#endif
