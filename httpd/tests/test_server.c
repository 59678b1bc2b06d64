/*
 * The worker and its connections on the host: httpd/worker.c and httpd/conn.c on core 0's lwIP
 * instance, a client on core 1's, the two wired back to back (netstack/tests/host_wire.c) on a
 * fake clock, over a stand-in content cache of three files.  What a client of the real server
 * sees:
 *   - a GET answered with exactly the expected bytes, the connection kept open;
 *   - three pipelined requests (one HEAD) answered in order on one connection;
 *   - a connection beyond max_conns reset at once, counted (refused=);
 *   - an idle keep-alive connection closed after keepalive_ms, counted (timeouts=);
 *   - a client that stops reading a large response (its window shuts), and one whose receive
 *     callback refuses the data, reset by the send-progress rule (slow_readers=), their
 *     connection memory returned (conn_mem=);
 *   - a client that reads slowly but steadily (above send_min_bytes per send_stall_ms) gets
 *     the whole response and is not reset.
 *
 * Real: worker.c, conn.c and the rest of httpd/ (budget, access log, files, protocol), lwIP
 * (the host object of netstack/module.mk), netstack/tcpinfo.c (the send-progress rule's view of
 * TCP), the configuration parser.  Played here: the content cache, the main loop, the stats
 * registry, the drain coordinator, TLS ("no key and certificate given"), the wall clock, each
 * core's heap statistics (malloc of the linked code is counted per current core, see
 * "Per-core heap" below) and each core's GS base (core_cpu_id()).
 */
#define _GNU_SOURCE /* memmem */
#include <asm/prctl.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "content/cache.h"
#include "core/config.h"
#include "core/cpu.h"
#include "core/drain.h"
#include "core/heap.h"
#include "core/loop.h"
#include "core/pmm.h"
#include "core/stats.h"
#include "core/time.h"
#include "core/timer.h"
#include "httpd/server.h"
#include "netstack/link.h"
#include "netstack/netstack.h"
#include "netstack/tests/host_cores.h"
#include "netstack/tests/host_env.h"
#include "netstack/tests/host_wire.h"
#include "tls/tls.h"

#define SERVER 0 /* the core httpd runs on */
#define CLIENT 1 /* the core the test's clients run on */
#define MS     1000000ull
#define NS     1000000000ull

/* The keys under test (ms and bytes as set below). */
#define CMDLINE       "max_conns=2 keepalive_ms=2000 send_stall_ms=3000 send_min_bytes=16384"
#define KEEPALIVE_MS  2000
#define SEND_STALL_MS 3000
#define POLL_MS       500 /* conn.c's poll callback period: the granularity of its timeouts */

/* The wall clock stands still: every Date header is this second, so responses are exact. */
#define WALL_S 1700000000 /* Tue, 14 Nov 2023 22:13:20 GMT */

/* ---- A site of three files (the content cache's consumer interface) -------------------- */

static const char index_html[] = "<!doctype html><p>hello\n";
static const char about_txt[] = "about\n";
#define BIG_LEN (512 * 1024)
static uint8_t big[BIG_LEN];
static struct content_file files[3];

static void site_init(void)
{
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 31 + (i >> 9));
    /* Last modified 06 Nov 1994 08:49:37 GMT (784111777); hashes that make short ETags. */
    files[0] = (struct content_file){.path = "/index.html",
                                     .data = index_html,
                                     .size = sizeof(index_html) - 1,
                                     .hash = 0x1111,
                                     .index = 0};
    files[1] = (struct content_file){.path = "/about.txt",
                                     .data = about_txt,
                                     .size = sizeof(about_txt) - 1,
                                     .hash = 0x2222,
                                     .index = 1};
    files[2] = (struct content_file){
        .path = "/big.bin", .data = big, .size = sizeof(big), .hash = 0x3333, .index = 2};
    for (size_t i = 0; i < 3; i++) {
        files[i].path_len = strlen(files[i].path);
        files[i].mtime = 784111777;
    }
}

size_t content_cache_count(void)
{
    return 3;
}

const struct content_file *content_cache_file(size_t i)
{
    return i < 3 ? &files[i] : NULL;
}

const struct content_file *content_cache_lookup(const char *path, size_t len)
{
    for (size_t i = 0; i < 3; i++)
        if (files[i].path_len == len && memcmp(files[i].path, path, len) == 0)
            return &files[i];
    return NULL;
}

bool content_cache_is_dir(const char *path, size_t len)
{
    return len == 1 && path[0] == '/';
}

/* ---- Cores: GS base and per-core heap ---------------------------------------------------- */

struct cpu core_cpus[CORE_MAX_CPUS];
unsigned core_ncpus = 2;

/*
 * host_core_enter() (netstack/tests/host_cores.c) swaps lwIP's state; the link wraps it
 * (-Wl,--wrap=host_core_enter, httpd/server.mk) so that it also points the GS base at the
 * core's struct cpu, as the kernel's boot does: core_cpu_id() (httpd/budget.c) then names the
 * core whose code runs, also inside lwIP's callbacks from host_wire_pump().
 */
void __real_host_core_enter(unsigned cpu);
void __wrap_host_core_enter(unsigned cpu)
{
    static int gs = -1;
    __real_host_core_enter(cpu);
    if (gs == (int)cpu)
        return;
    core_cpus[cpu].self = &core_cpus[cpu];
    core_cpus[cpu].id = cpu;
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&core_cpus[cpu]) != 0)
        fail_msg("arch_prctl(ARCH_SET_GS): errno %d", errno);
    gs = (int)cpu;
}

/*
 * Per-core heap.  In the kernel malloc takes from the calling core's heap, and httpd/budget.c
 * reads that heap's live bytes (core_heap_stats) as the core's connection memory.  Here the
 * link wraps malloc, calloc, realloc and free of the linked objects (lwIP's included; not
 * libc's or cmocka's own) and books each live block to the core that was current when it was
 * made, in a table by address; free takes it off that core again.  Blocks the table does not
 * know (made by a library) pass through.
 */
#define ALLOC_SLOTS (1u << 16) /* power of two; live blocks stay far below */

struct alloc {
    void *p;
    size_t size;
    unsigned cpu;
};

static struct alloc allocs[ALLOC_SLOTS];
static size_t alloc_live;
static size_t heap_bytes[HOST_CORES_MAX];

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

static size_t slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull >> 48) & (ALLOC_SLOTS - 1);
}

static void book(void *p, size_t size)
{
    if (!p)
        return;
    if (alloc_live >= ALLOC_SLOTS / 2) {
        fprintf(stderr, "test_server: more live blocks than the table holds\n");
        abort();
    }
    size_t i = slot_of(p);
    while (allocs[i].p)
        i = (i + 1) & (ALLOC_SLOTS - 1);
    allocs[i] = (struct alloc){p, size, host_core_current()};
    heap_bytes[allocs[i].cpu] += size;
    alloc_live++;
}

/* Take p off the table (linear probing: later entries of its run move up). */
static void unbook(void *p)
{
    if (!p)
        return;
    size_t i = slot_of(p);
    while (allocs[i].p && allocs[i].p != p)
        i = (i + 1) & (ALLOC_SLOTS - 1);
    if (!allocs[i].p)
        return; /* not ours */
    heap_bytes[allocs[i].cpu] -= allocs[i].size;
    alloc_live--;
    allocs[i].p = NULL;
    for (size_t j = (i + 1) & (ALLOC_SLOTS - 1); allocs[j].p; j = (j + 1) & (ALLOC_SLOTS - 1)) {
        size_t home = slot_of(allocs[j].p);
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            allocs[i] = allocs[j];
            allocs[j].p = NULL;
            i = j;
        }
    }
}

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    book(p, n);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = __real_calloc(n, size);
    book(p, n * size);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    void *q = __real_realloc(p, n);
    if (q || n == 0) {
        unbook(p);
        book(q, n);
    }
    return q;
}

void __wrap_free(void *p)
{
    unbook(p);
    __real_free(p);
}

void core_heap_stats(const struct heap *h, struct heap_stats *st)
{
    size_t cpu = (size_t)((const char *)h - (const char *)&core_cpus[0].heap) / sizeof(struct cpu);
    assert_true(cpu < HOST_CORES_MAX);
    memset(st, 0, sizeof(*st));
    st->bytes_in_use = heap_bytes[cpu];
}

/* 64 MiB free at boot: a budget of 16 MiB per core (conn_mem_pct=50, two cores). */
void core_pmm_stats(size_t *total_pages, size_t *free_pages)
{
    *total_pages = *free_pages = (64u << 20) / CORE_PMM_PAGE_SIZE;
}

/* ---- Other kernel stand-ins --------------------------------------------------------------- */

static void (*worker_init)(unsigned cpu);

void core_loop_on_each_cpu(void (*init)(unsigned cpu))
{
    assert_null(worker_init); /* worker.c registers one initialiser */
    worker_init = init;
}

static struct core_poller drain_poller; /* the one poller worker.c adds (core 0) */

void core_loop_add(const struct core_poller *p)
{
    assert_int_equal(host_core_current(), SERVER);
    assert_null(drain_poller.poll);
    drain_poller = *p;
}

void core_loop_kick(unsigned cpu)
{
}

/* The access log arms a timer only when it leaves lines out (log_rate): none are run. */
void core_timer_add(struct core_timer *t, uint64_t deadline, void (*fn)(void *), void *arg)
{
    *t = (struct core_timer){.deadline = deadline, .fn = fn, .arg = arg, .pending = true};
}

void core_timer_cancel(struct core_timer *t)
{
    t->pending = false;
}

static const struct core_stats_source *stats_src;

void core_stats_add(const struct core_stats_source *src)
{
    assert_null(stats_src); /* worker.c's one source */
    stats_src = src;
}

static const struct core_drain_participant *drain_part;

void core_drain_register(const struct core_drain_participant *p)
{
    drain_part = p;
}

int64_t core_time_wall(void)
{
    return WALL_S;
}

bool netstack_link_has_stack(unsigned cpu)
{
    return cpu == SERVER;
}

/* TLS as when no key and certificate were given: tls_boot() says -ENOENT and worker.c opens
 * no HTTPS listener, so the rest must never be asked for a TLS connection. */
static struct tls_counters tls_counters[CORE_MAX_CPUS];

int tls_boot(void)
{
    return -ENOENT;
}

int tls_listen(struct altcp_pcb **out, uint16_t port, uint8_t backlog, altcp_accept_fn accept,
               void *arg)
{
    fail_msg("tls_listen without TLS");
    return -ENODEV;
}

struct tls_counters *tls_counters_this_cpu(void)
{
    return &tls_counters[core_cpu_id()];
}

bool tls_handshake_over(struct altcp_pcb *pcb)
{
    fail_msg("tls_handshake_over on a connection that is not TLS");
    return false;
}

/* One counter of the server core's stats (the console view). */
static unsigned long long stat(const char *key)
{
    uint64_t v[CORE_STATS_MAX_FIELDS];
    assert_non_null(stats_src);
    assert_true(stats_src->read(SERVER, CORE_STATS_CONSOLE, v));
    for (unsigned i = 0; i < stats_src->nfields; i++)
        if (stats_src->fields[i].key && strcmp(stats_src->fields[i].key, key) == 0)
            return v[i];
    fail_msg("no counter %s", key);
    return 0;
}

/* ---- The clients (on core 1) -------------------------------------------------------------- */

enum client_reads {
    READ_ALL,  /* takes every byte as it comes (the window stays open) */
    READ_SLOW, /* takes slow_bytes every slow_ms (the window opens that fast) */
    READ_NONE, /* stops reading: takes nothing, so the window shuts */
    REFUSE,    /* the receive callback refuses data (lwIP keeps it and drops what follows) */
};

struct client {
    struct altcp_pcb *pcb;
    enum client_reads reads;
    bool connected, closed, reset;
    uint64_t reset_at; /* host_env_now_ns when reset */
    uint8_t *buf;      /* what arrived */
    size_t len, cap;
    size_t unread;     /* arrived, not yet given back to the window (altcp_recved) */
    size_t slow_bytes; /* READ_SLOW: bytes read each slow_ms */
    uint64_t slow_ms;
    uint64_t next_read; /* READ_SLOW: host_env_now_ns of the next read */
};

#define MAX_CLIENTS 3
/* Static: the test's own buffers must not be booked to a core's heap, and a test that fails
 * half-way leaves no client on a stack that lwIP would still call back (teardown frees them). */
static uint8_t client_bufs[MAX_CLIENTS][BIG_LEN + 4096];
static struct client client_pool[MAX_CLIENTS];
static bool client_used[MAX_CLIENTS];

static err_t client_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct client *c = arg;
    if (!p) {
        c->closed = true;
        return ERR_OK;
    }
    if (c->reads == REFUSE)
        return ERR_MEM;
    assert_true(c->len + p->tot_len <= c->cap);
    pbuf_copy_partial(p, c->buf + c->len, p->tot_len, 0);
    c->len += p->tot_len;
    if (c->reads == READ_ALL)
        altcp_recved(pcb, p->tot_len);
    else
        c->unread += p->tot_len;
    pbuf_free(p);
    return ERR_OK;
}

static void client_err(void *arg, err_t err)
{
    struct client *c = arg;
    assert_int_equal(err, ERR_RST);
    c->reset = true;
    c->reset_at = host_env_now_ns;
    c->pcb = NULL; /* lwIP freed it */
}

static err_t client_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
    ((struct client *)arg)->connected = true;
    return ERR_OK;
}

static struct client *client_open(enum client_reads reads)
{
    unsigned slot = 0;
    while (slot < MAX_CLIENTS && client_used[slot])
        slot++;
    assert_true(slot < MAX_CLIENTS);
    client_used[slot] = true;
    struct client *c = &client_pool[slot];
    memset(c, 0, sizeof(*c));
    c->reads = reads;
    c->buf = client_bufs[slot];
    c->cap = sizeof(client_bufs[slot]);
    host_core_enter(CLIENT);
    c->pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
    assert_non_null(c->pcb);
    altcp_arg(c->pcb, c);
    altcp_recv(c->pcb, client_recv);
    altcp_err(c->pcb, client_err);
    ip_addr_t dst;
    IP_ADDR4(&dst, 10, 0, 0, 1);
    assert_int_equal(altcp_connect(c->pcb, &dst, 80, client_connected), ERR_OK);
    return c;
}

static void client_send(struct client *c, const char *text)
{
    host_core_enter(CLIENT);
    assert_non_null(c->pcb);
    assert_int_equal(altcp_write(c->pcb, text, (u16_t)strlen(text), TCP_WRITE_FLAG_COPY), ERR_OK);
    assert_int_equal(altcp_output(c->pcb), ERR_OK);
}

/* Drop the client: reset its connection if it still has one. */
static void client_free(struct client *c)
{
    if (c->pcb) {
        host_core_enter(CLIENT);
        altcp_arg(c->pcb, NULL);
        altcp_err(c->pcb, NULL);
        altcp_recv(c->pcb, NULL);
        altcp_abort(c->pcb);
        c->pcb = NULL;
    }
    client_used[c - client_pool] = false;
}

/* What the READ_SLOW clients read by now: give it back to their windows. */
static void clients_read(void)
{
    for (unsigned i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &client_pool[i];
        if (!client_used[i] || c->reads != READ_SLOW || !c->pcb)
            continue;
        while (host_env_now_ns >= c->next_read) {
            size_t n = c->unread < c->slow_bytes ? c->unread : c->slow_bytes;
            if (n) {
                host_core_enter(CLIENT);
                altcp_recved(c->pcb, (u16_t)n);
                c->unread -= n;
            }
            c->next_read += c->slow_ms * MS;
        }
    }
}

/* Run the wire (and the READ_SLOW clients) until `done` holds or `ms` of simulated time
 * pass; evaluates to whether it held.  `done` is evaluated once per round (it may have
 * effects: next_response() advances). */
#define PUMP_UNTIL(done, ms)                                                                       \
    ({                                                                                             \
        uint64_t until_ = host_env_now_ns + (uint64_t)(ms)*MS;                                     \
        bool held_;                                                                                \
        while (!(held_ = (done)) && host_env_now_ns < until_ && host_wire_pump())                  \
            clients_read();                                                                        \
        held_;                                                                                     \
    })

/* Run the wire for `ms` of simulated time (or until nothing at all is left to do). */
static void pump_for(uint64_t ms)
{
    (void)PUMP_UNTIL(false, ms);
}

/*
 * One response at buf[*at..len): its header block and, unless `head` (a HEAD request, whose
 * answer has a Content-Length but no body), Content-Length bytes of body.  Checks the status
 * line; returns the body (NULL if the response is not complete yet) and advances *at past it.
 */
static const uint8_t *next_response(const struct client *c, size_t *at, unsigned status, bool head,
                                    size_t *body_len)
{
    const uint8_t *start = c->buf + *at;
    size_t avail = c->len - *at;
    const uint8_t *end = memmem(start, avail, "\r\n\r\n", 4);
    if (!end)
        return NULL;
    size_t head_len = (size_t)(end + 4 - start);
    char line[32];
    snprintf(line, sizeof(line), "HTTP/1.1 %u ", status);
    assert_true(avail >= strlen(line));
    assert_memory_equal(start, line, strlen(line));
    const uint8_t *cl = memmem(start, head_len, "\r\nContent-Length: ", 18);
    assert_non_null(cl);
    size_t n = strtoul((const char *)cl + 18, NULL, 10);
    *body_len = n;
    if (head)
        n = 0;
    if (avail < head_len + n)
        return NULL;
    *at += head_len + n;
    return start + head_len;
}

/* ---- Set-up ------------------------------------------------------------------------------- */

static size_t idle_mem; /* conn_mem= with no connection: what the worker's listener holds */

/* Everything of the previous test gone on the server: no connection, and its TCP state
 * (TIME_WAIT lasts 2 * TCP_MSL = 2 s) and memory returned. */
static void server_settle(void)
{
    assert_true(PUMP_UNTIL(stat("active") == 0 && stat("conn_mem") == idle_mem, 10000));
}

static int setup(void **state)
{
    static bool up;
    if (!up) {
        up = true;
        site_init();
        assert_int_equal(core_config_parse(CMDLINE), 0);
        host_wire_up();
        pump_for(100);           /* the instances' start-up traffic done, its buffers freed */
        host_core_enter(SERVER); /* boot runs on core 0 */
        assert_int_equal(httpd_server_boot(), 0);
        assert_non_null(worker_init);
        assert_non_null(drain_part);
        for (unsigned cpu = 0; cpu < core_ncpus; cpu++) { /* each core's main loop starts */
            host_core_enter(cpu);
            worker_init(cpu); /* core 1 has no stack: does nothing */
        }
        assert_non_null(drain_poller.poll);
        pump_for(100);
        /* The worker's zero is taken before it listens: its listener's pcbs count. */
        idle_mem = stat("conn_mem");
        assert_true(idle_mem > 0 && idle_mem < 1024);
    }
    server_settle();
    return 0;
}

/* ---- Tests -------------------------------------------------------------------------------- */

static void test_get_answered_with_exact_bytes(void **state)
{
    /* HTTP/1.1: kept alive, which no header needs to say. */
    static const char expect[] = "HTTP/1.1 200 OK\r\n"
                                 "Server: toril\r\n"
                                 "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
                                 "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                 "ETag: \"0000000000001111\"\r\n"
                                 "Content-Type: text/html; charset=utf-8\r\n"
                                 "Content-Length: 24\r\n"
                                 "Accept-Ranges: bytes\r\n"
                                 "\r\n"
                                 "<!doctype html><p>hello\n";
    unsigned long long reqs = stat("reqs");
    struct client *c = client_open(READ_ALL);
    assert_true(PUMP_UNTIL(c->connected && stat("active") == 1, 1000));
    client_send(c, "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(PUMP_UNTIL(c->len >= sizeof(expect) - 1, 1000));
    pump_for(200); /* nothing more comes */
    if (c->len != sizeof(expect) - 1 || memcmp(c->buf, expect, c->len) != 0)
        fail_msg("got %zu bytes:\n%.*s", c->len, (int)c->len, (const char *)c->buf);
    assert_false(c->closed || c->reset); /* kept alive */
    assert_int_equal(stat("reqs"), reqs + 1);
    client_free(c);
}

static void test_three_pipelined_requests_answered_in_order(void **state)
{
    unsigned long long reqs = stat("reqs");
    struct client *c = client_open(READ_ALL);
    assert_true(PUMP_UNTIL(c->connected, 1000));
    /* All three in one segment: answered one after the other on this connection. */
    client_send(c, "GET /about.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                   "HEAD /index.html HTTP/1.1\r\nHost: t\r\n\r\n"
                   "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n");
    size_t at = 0, n;
    const uint8_t *b;
    assert_true(PUMP_UNTIL((b = next_response(c, &at, 200, false, &n)) != NULL, 1000));
    assert_int_equal(n, sizeof(about_txt) - 1);
    assert_memory_equal(b, about_txt, n);
    /* HEAD: the GET's Content-Length, no body; the next response follows at once. */
    assert_true(PUMP_UNTIL((b = next_response(c, &at, 200, true, &n)) != NULL, 1000));
    assert_int_equal(n, sizeof(index_html) - 1);
    assert_true(PUMP_UNTIL((b = next_response(c, &at, 200, false, &n)) != NULL, 1000));
    assert_int_equal(n, sizeof(index_html) - 1);
    assert_memory_equal(b, index_html, n);
    pump_for(200);
    assert_int_equal(at, c->len); /* nothing else */
    assert_false(c->closed || c->reset);
    assert_int_equal(stat("reqs"), reqs + 3);
    client_free(c);
}

static void test_beyond_max_conns_reset_at_once_and_counted(void **state)
{
    unsigned long long refused = stat("refused");
    struct client *a = client_open(READ_ALL), *b = client_open(READ_ALL);
    assert_true(PUMP_UNTIL(a->connected && b->connected && stat("active") == 2, 1000));
    uint64_t t0 = host_env_now_ns;
    struct client *c = client_open(READ_ALL); /* max_conns=2: the third */
    assert_true(PUMP_UNTIL(c->reset, 1000));
    assert_true(c->reset_at - t0 < 10 * MS); /* at accept, not by any timer */
    assert_int_equal(c->len, 0);
    assert_int_equal(stat("refused"), refused + 1);
    assert_int_equal(stat("active"), 2);
    /* The two admitted are served as before. */
    client_send(a, "GET /about.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    size_t at = 0, n;
    const uint8_t *body;
    assert_true(PUMP_UNTIL((body = next_response(a, &at, 200, false, &n)) != NULL, 1000));
    assert_memory_equal(body, about_txt, n);
    assert_false(a->reset || b->reset);
    client_free(c);
    client_free(a);
    client_free(b);
}

static void test_idle_keepalive_closed_after_keepalive_ms(void **state)
{
    unsigned long long timeouts = stat("timeouts"), slow = stat("slow_readers");
    struct client *c = client_open(READ_ALL);
    assert_true(PUMP_UNTIL(c->connected, 1000));
    client_send(c, "GET /about.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    size_t at = 0, n;
    assert_true(PUMP_UNTIL(next_response(c, &at, 200, false, &n) != NULL, 1000));
    uint64_t t0 = host_env_now_ns;
    assert_true(PUMP_UNTIL(c->closed, 4 * KEEPALIVE_MS));
    uint64_t waited = host_env_now_ns - t0;
    /* The last activity is the client's acknowledgement (delayed by at most lwIP's 250 ms
     * delayed-ACK tick); the close comes at the first poll after keepalive_ms. */
    if (waited < KEEPALIVE_MS * MS || waited > (KEEPALIVE_MS + 250 + POLL_MS) * MS)
        fail_msg("closed after %llu ms", (unsigned long long)(waited / MS));
    assert_false(c->reset); /* a FIN, not a reset */
    assert_int_equal(stat("timeouts"), timeouts + 1);
    assert_int_equal(stat("slow_readers"), slow);
    client_free(c);
}

/*
 * A client that takes the first part of /big.bin and then no more (reads: READ_NONE or REFUSE)
 * is reset by the send-progress rule, within `windows` send_stall_ms windows from the request
 * (each ends at the first poll after it), and its memory on the server is returned at once.
 */
static void stalled_reader_is_reset(enum client_reads reads, unsigned windows)
{
    unsigned long long timeouts = stat("timeouts"), slow = stat("slow_readers");
    struct client *c = client_open(READ_ALL);
    assert_true(PUMP_UNTIL(c->connected, 1000));
    c->reads = reads;
    client_send(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    uint64_t t0 = host_env_now_ns;
    /* The response in flight holds memory (segments, pbufs; the body goes by reference). */
    assert_true(PUMP_UNTIL(stat("conn_mem") > idle_mem + 8 * 1024, 1000));
    assert_true(PUMP_UNTIL(c->reset, 10 * SEND_STALL_MS));
    uint64_t waited = c->reset_at - t0;
    if (waited < 2 * SEND_STALL_MS * MS || waited > windows * (SEND_STALL_MS + POLL_MS) * MS)
        fail_msg("reset after %llu ms", (unsigned long long)(waited / MS));
    assert_true(c->len < BIG_LEN); /* it never had the whole file */
    assert_memory_equal(c->buf, "HTTP/1.1 200 OK\r\n", c->len < 17 ? c->len : 17);
    assert_int_equal(stat("slow_readers"), slow + 1);
    assert_int_equal(stat("timeouts"), timeouts + 1);
    assert_int_equal(stat("active"), 0);
    assert_int_equal(stat("conn_mem"), idle_mem); /* at once: the reset freed it all */
    client_free(c);
}

/* The window shuts: the first send_stall_ms window sees the client's window (64 KiB)
 * acknowledged, the second nothing, and ends in the reset. */
static void test_reader_that_stops_is_reset_and_its_memory_returned(void **state)
{
    stalled_reader_is_reset(READ_NONE, 2);
}

/*
 * lwIP acknowledges the segment the callback refused and drops every later one unacknowledged
 * (the window stays open): the first window sees that segment, a later one nothing.  One
 * window more is allowed: the server's retransmission timer and the poll run in the same
 * timer pass, and a window that ends in a pass that just queued a retransmission sees the
 * core's own transmit backlog (netstack_tcp_peer_stalled: not the client's fault).
 */
static void test_reader_that_refuses_data_is_reset_and_its_memory_returned(void **state)
{
    stalled_reader_is_reset(REFUSE, 3);
}

static void test_slow_steady_reader_is_not_reset(void **state)
{
    unsigned long long timeouts = stat("timeouts"), slow = stat("slow_readers");
    struct client *c = client_open(READ_SLOW);
    /* 8 KiB a second: 24 KiB per send_stall_ms window, where send_min_bytes asks 16 KiB. */
    c->slow_bytes = 8 * 1024;
    c->slow_ms = 1000;
    c->next_read = host_env_now_ns;
    assert_true(PUMP_UNTIL(c->connected, 1000));
    client_send(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    size_t at = 0, n;
    const uint8_t *body;
    uint64_t t0 = host_env_now_ns;
    assert_true(
        PUMP_UNTIL((body = next_response(c, &at, 200, false, &n)) != NULL || c->reset, 200 * 1000));
    assert_false(c->reset);
    assert_int_equal(n, BIG_LEN);
    assert_memory_equal(body, big, BIG_LEN);
    /* It did take long: the whole file at the client's pace, less its first window. */
    assert_true(host_env_now_ns - t0 >= (uint64_t)(BIG_LEN - 128 * 1024) / (8 * 1024) * NS);
    assert_int_equal(stat("slow_readers"), slow);
    assert_int_equal(stat("timeouts"), timeouts);
    client_free(c);
}

/* Whatever a test left (also one that failed half-way): reset. */
static int teardown(void **state)
{
    for (unsigned i = 0; i < MAX_CLIENTS; i++)
        if (client_used[i])
            client_free(&client_pool[i]);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_answered_with_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_three_pipelined_requests_answered_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_beyond_max_conns_reset_at_once_and_counted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idle_keepalive_closed_after_keepalive_ms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_that_stops_is_reset_and_its_memory_returned,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_reader_that_refuses_data_is_reset_and_its_memory_returned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_steady_reader_is_not_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
