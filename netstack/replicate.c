/* ARP/DHCP replication between the per-core instances (see replicate.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/ring.h"
#include "netstack/limits.h"
#include "netstack/replicate.h"

#define ETHTYPE_IPV4     0x0800
#define ETHTYPE_ARP      0x0806
#define ARP_FRAME_MIN    (NETSTACK_ETH_HLEN + 28) /* Ethernet + ARP for IPv4 over Ethernet */
#define IP_PROTO_UDP     17
#define DHCP_CLIENT_PORT 68

_Static_assert((NETSTACK_REPL_RING_SLOTS & (NETSTACK_REPL_RING_SLOTS - 1)) == 0 &&
                   (NETSTACK_REPL_RING_SLOTS_MIN & (NETSTACK_REPL_RING_SLOTS_MIN - 1)) == 0,
               "replication ring sizes must be powers of two");

/* A slot: the frame's length, then its bytes. */
struct slot {
    uint16_t len;
    uint8_t data[];
};

/* Per-sender drop counters, each on its own cache line (written by that sender only). */
struct sender {
    _Alignas(64) uint64_t drops;
};

/* Written by netstack_repl_init() on core 0 before the other cores start; read-only after.
 * rings[from * ncores + to]: the ring from core `from` to core `to` (its head is written by
 * `to` only, its tail by `from` only: core/ring.h). */
static struct core_ring *rings;
static unsigned ncores;
static void (*kick_fn)(unsigned cpu);
static struct sender senders[CORE_MAX_CPUS];

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum netstack_repl_class netstack_repl_classify(const uint8_t *f, size_t len, uint32_t our_ip,
                                                uint32_t netmask)
{
    if (len < NETSTACK_ETH_HLEN)
        return NETSTACK_REPL_DROP;
    switch (be16(f + 12)) {
    case ETHTYPE_ARP:
        return len >= ARP_FRAME_MIN ? NETSTACK_REPL_ALL : NETSTACK_REPL_DROP;
    case ETHTYPE_IPV4:
        break;
    default: /* VLAN, IPv6, anything else */
        return NETSTACK_REPL_DROP;
    }

    const uint8_t *ip = f + NETSTACK_ETH_HLEN;
    size_t iplen = len - NETSTACK_ETH_HLEN;
    if (iplen < 20 || ip[0] >> 4 != 4)
        return NETSTACK_REPL_DROP;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > iplen)
        return NETSTACK_REPL_DROP;

    uint32_t dst = be32(ip + 16);
    if (dst >> 28 == 0xe) /* 224.0.0.0/4 */
        return NETSTACK_REPL_DROP;

    /* DHCP answers: UDP to port 68, first fragment with the whole UDP header. */
    bool first_frag = (be16(ip + 6) & 0x1fff) == 0;
    if (ip[9] == IP_PROTO_UDP && first_frag && iplen >= ihl + 8 &&
        be16(ip + ihl + 2) == DHCP_CLIENT_PORT)
        return NETSTACK_REPL_OWNER;

    /* Unicast to another host.  Broadcasts (limited, or directed to our subnet) are local. */
    if (our_ip != 0 && dst != our_ip && dst != 0xffffffffu && dst != (our_ip | ~netmask))
        return NETSTACK_REPL_DROP;
    return NETSTACK_REPL_LOCAL;
}

static size_t slot_bytes(unsigned to)
{
    return sizeof(struct slot) +
           (to == NETSTACK_REPL_OWNER_CPU ? NETSTACK_REPL_OWNER_SLOT : NETSTACK_REPL_SLOT);
}

/* Slots per ring for n cores: NETSTACK_REPL_RING_SLOTS, fewer with many cores (limits.h). */
static uint32_t ring_slots(unsigned n)
{
    uint32_t slots = NETSTACK_REPL_RING_SLOTS;
    while (slots > NETSTACK_REPL_RING_SLOTS_MIN &&
           (uint64_t)slots * (n - 1) > NETSTACK_REPL_INBOUND_SLOTS)
        slots /= 2;
    return slots;
}

int netstack_repl_init(unsigned n, void (*kick)(unsigned cpu))
{
    if (n == 0 || n > CORE_MAX_CPUS || kick == NULL)
        return -EINVAL;
    if (rings != NULL)
        return -EBUSY;
    struct core_ring *r = calloc((size_t)n * n, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    for (unsigned from = 0; from < n; from++)
        for (unsigned to = 0; to < n; to++) {
            if (from == to)
                continue;
            void *mem = malloc(ring_slots(n) * slot_bytes(to));
            if (mem == NULL)
                goto fail;
            int rc = core_ring_init(&r[from * n + to], mem, ring_slots(n),
                                    (uint32_t)slot_bytes(to));
            if (rc < 0) {
                free(mem);
                goto fail;
            }
        }
    rings = r;
    ncores = n;
    kick_fn = kick;
    return 0;
fail:
    for (unsigned i = 0; i < n * n; i++)
        free(r[i].slots);
    free(r);
    return -ENOMEM;
}

bool netstack_repl_send(unsigned from, unsigned to, const uint8_t *frame, size_t len)
{
    if (from >= ncores || to >= ncores || from == to)
        return false;
    struct core_ring *r = &rings[from * ncores + to];
    struct slot *s = NULL;
    if (len <= r->slot_size - sizeof(struct slot))
        s = core_ring_push_slot(r);
    if (s == NULL) {
        senders[from].drops++;
        return false;
    }
    s->len = (uint16_t)len;
    memcpy(s->data, frame, len);
    core_ring_push_commit(r);
    kick_fn(to);
    return true;
}

unsigned netstack_repl_fanout(unsigned from, const uint8_t *frame, size_t len)
{
    unsigned queued = 0;
    for (unsigned to = 0; to < ncores; to++)
        if (to != from && netstack_repl_send(from, to, frame, len))
            queued++;
    return queued;
}

unsigned netstack_repl_drain(unsigned cpu, netstack_repl_deliver_fn deliver, void *ctx,
                             unsigned budget)
{
    unsigned done = 0;
    if (cpu >= ncores)
        return 0;
    for (unsigned from = 0; from < ncores && done < budget; from++) {
        if (from == cpu)
            continue;
        struct core_ring *r = &rings[from * ncores + cpu];
        const struct slot *s;
        while (done < budget && (s = core_ring_peek(r)) != NULL) {
            /* The sender is trusted code, but a length beyond the slot would read past it. */
            if (s->len <= r->slot_size - sizeof(struct slot))
                deliver(ctx, s->data, s->len);
            core_ring_pop_commit(r);
            done++;
        }
    }
    return done;
}

bool netstack_repl_pending(unsigned cpu)
{
    if (cpu >= ncores)
        return false;
    for (unsigned from = 0; from < ncores; from++)
        if (from != cpu && core_ring_peek(&rings[from * ncores + cpu]) != NULL)
            return true;
    return false;
}

uint64_t netstack_repl_drops(unsigned cpu)
{
    return cpu < CORE_MAX_CPUS ? __atomic_load_n(&senders[cpu].drops, __ATOMIC_RELAXED) : 0;
}
