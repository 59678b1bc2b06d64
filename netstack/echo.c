/*
 * TCP echo (see echo.h).  One copy of this code serves every core: each connection belongs to
 * the core that accepted it (its lwIP instance), and only that core's main loop touches it.
 *
 * Flow control: received data is kept in a pbuf chain (`pending`) until the send buffer takes
 * it; only then is it acknowledged to the receive window (recved).  A peer that sends faster
 * than it reads therefore fills its own window and stops; the chain never holds more than one
 * receive window.  What the send buffer refused is retried from the sent and poll callbacks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/limits.h"
#include "core/log.h"
#include "netstack/echo.h"
#include "netstack/limits.h"
#include "netstack/netstack.h"

#define POLL_INTERVAL 2 /* TCP coarse ticks (500 ms): the poll callback runs every second */
#define IDLE_POLLS    (NETSTACK_ECHO_IDLE_S * 2 / POLL_INTERVAL)

/* One core's service.  Written by that core only. */
struct echo_core {
    bool started;
    struct altcp_pcb *listener;
    unsigned nconns; /* open connections */
};

/* One connection: owned by the core that accepted it. */
struct echo_conn {
    struct echo_core *core;
    struct altcp_pcb *pcb;
    struct pbuf *pending; /* received, not yet queued for sending (not yet recved) */
    bool peer_closed;     /* FIN received: close once pending is sent */
    bool closing;         /* close failed for lack of memory: retried from poll */
    unsigned idle;        /* poll callbacks since the last data either way */
};

static struct echo_core cores[CORE_MAX_CPUS];

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len);
static err_t on_poll(void *arg, struct altcp_pcb *pcb);
static void on_err(void *arg, err_t err);

static void conn_free(struct echo_conn *c)
{
    if (c->pending != NULL)
        pbuf_free(c->pending);
    c->core->nconns--;
    free(c);
}

/* Close gracefully; ERR_OK when the pcb is gone from our hands (c freed), or ERR_MEM when
 * lwIP could not close yet (c kept, retried from poll). */
static err_t conn_close(struct echo_conn *c)
{
    struct altcp_pcb *pcb = c->pcb;

    altcp_arg(pcb, NULL);
    altcp_recv(pcb, NULL);
    altcp_sent(pcb, NULL);
    altcp_err(pcb, NULL);
    altcp_poll(pcb, NULL, 0);
    if (altcp_close(pcb) != ERR_OK) {
        /* Keep the connection (without recv: the peer is done or we are); poll retries. */
        altcp_arg(pcb, c);
        altcp_sent(pcb, on_sent);
        altcp_err(pcb, on_err);
        altcp_poll(pcb, on_poll, POLL_INTERVAL);
        c->closing = true;
        return ERR_MEM;
    }
    conn_free(c);
    return ERR_OK;
}

/* Abort (RST): the pcb and c are freed.  Callers return ERR_ABRT to lwIP. */
static err_t conn_abort(struct echo_conn *c)
{
    struct altcp_pcb *pcb = c->pcb;

    altcp_arg(pcb, NULL);
    altcp_err(pcb, NULL); /* we free c ourselves */
    conn_free(c);
    altcp_abort(pcb);
    return ERR_ABRT;
}

/* Queue as much of `pending` as the send buffer takes, acknowledge it to the receive window,
 * push it out; close once the peer is done and everything is queued.  Returns ERR_OK (c may
 * have been closed and freed) or ERR_ABRT (c aborted and freed). */
static err_t conn_flush(struct echo_conn *c)
{
    struct altcp_pcb *pcb = c->pcb;
    bool queued = false;

    while (c->pending != NULL) {
        u16_t room = altcp_sndbuf(pcb);
        u16_t n = c->pending->len < room ? c->pending->len : room;
        if (n == 0)
            break;
        err_t err = altcp_write(pcb, c->pending->payload, n, TCP_WRITE_FLAG_COPY);
        if (err == ERR_MEM)
            break; /* queue full: the sent or poll callback retries */
        if (err != ERR_OK)
            return conn_abort(c);
        c->pending = pbuf_free_header(c->pending, n);
        altcp_recved(pcb, n); /* only now: the window opens as the data leaves */
        queued = true;
    }
    if (queued) {
        c->idle = 0;
        if (altcp_output(pcb) != ERR_OK)
            return conn_abort(c);
    }
    if (c->pending == NULL && c->peer_closed && !c->closing)
        conn_close(c);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct echo_conn *c = arg;

    if (err != ERR_OK) {
        if (p != NULL)
            pbuf_free(p);
        return err;
    }
    if (p == NULL) { /* FIN */
        c->peer_closed = true;
        return conn_flush(c);
    }
    c->idle = 0;
    if (c->pending == NULL)
        c->pending = p;
    else
        pbuf_cat(c->pending, p);
    return conn_flush(c);
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    struct echo_conn *c = arg;
    c->idle = 0;
    return conn_flush(c);
}

static err_t on_poll(void *arg, struct altcp_pcb *pcb)
{
    struct echo_conn *c = arg;

    if (c->closing || ++c->idle > IDLE_POLLS) {
        c->closing = false;
        conn_close(c); /* frees c, or sets closing again for the next poll */
        return ERR_OK;
    }
    return conn_flush(c);
}

/* The pcb is already gone (reset by the peer, or lwIP gave up). */
static void on_err(void *arg, err_t err)
{
    struct echo_conn *c = arg;
    if (c != NULL)
        conn_free(c);
}

static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
    struct echo_core *core = arg;

    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    struct echo_conn *c = NULL;
    if (core->nconns < NETSTACK_ECHO_MAX_CONNS)
        c = calloc(1, sizeof(*c));
    if (c == NULL) { /* over the limit or out of memory: refuse with a reset */
        altcp_abort(pcb);
        return ERR_ABRT;
    }
    c->core = core;
    c->pcb = pcb;
    core->nconns++;
    altcp_arg(pcb, c);
    altcp_recv(pcb, on_recv);
    altcp_sent(pcb, on_sent);
    altcp_err(pcb, on_err);
    altcp_poll(pcb, on_poll, POLL_INTERVAL);
    altcp_nagle_disable(pcb); /* echo what arrived now, not after the next ACK */
    return ERR_OK;
}

int netstack_echo_start(unsigned cpu, uint16_t port)
{
    if (port == 0 || cpu >= CORE_MAX_CPUS)
        return -EINVAL;
    struct echo_core *core = &cores[cpu];
    if (core->started)
        return -EBUSY;
    int rc = netstack_listen(&core->listener, port, 0, on_accept, core);
    if (rc < 0) {
        log_error("echo: cpu%u cannot listen on port %u (%d)", cpu, port, rc);
        return rc;
    }
    core->started = true;
    return 0;
}

unsigned netstack_echo_conns(unsigned cpu)
{
    return cpu < CORE_MAX_CPUS ? cores[cpu].nconns : 0;
}
