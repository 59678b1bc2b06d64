/*
 * The admin endpoint (admin_port=, off by default): GET /metrics, every registered counter in
 * the Prometheus text format (core/stats.h), and GET /healthz, 200 "ok" while serving and 503
 * "draining" once a drain has begun (core/drain.h).  Only clients inside admin_allow= get an
 * answer; others are reset before a byte is read.
 *
 * It listens on every core that has a network stack, like the site: the host steers each
 * connection to a core by its flow hash, so a listener on core 0 alone would see connections
 * that hash elsewhere reset.  Any core can build /metrics: it reads every core's counters
 * without locks, as the console's stats line does.  It stays open during a drain, so health
 * checks see the 503.
 */
#ifndef HTTPD_ADMIN_H
#define HTTPD_ADMIN_H

/*
 * Register the machine-wide metrics (uptime, content, build, drain) and, when admin_port is set,
 * arrange for every networked core to listen on it as it enters its main loop.  Boot, core 0,
 * after httpd_server_boot() and content_boot(), before the other cores start.  A core that
 * cannot listen logs it and serves no admin port (the site is not affected).
 */
void httpd_admin_boot(void);

#endif
