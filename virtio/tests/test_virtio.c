/*
 * Host unit tests of the device-independent init sequence (virtio/virtio.c, virtio 1.2
 * §3.1.1) and configuration reads (§2.5.1) against the fake device's transport.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "tests/host/log_host.h"
#include "virtio/tests/fake_device.h"
#include "virtio/virtio.h"

#define V1    VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define EVENT VIRTIO_BIT(VIRTIO_F_EVENT_IDX)
#define MAC   VIRTIO_BIT(VIRTIO_NET_F_MAC)
#define MQ    VIRTIO_BIT(VIRTIO_NET_F_MQ)
#define CSUM  VIRTIO_BIT(VIRTIO_NET_F_CSUM)

static const uint8_t st_ack = VIRTIO_STATUS_ACKNOWLEDGE;
static const uint8_t st_drv = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
static const uint8_t st_fok =
    VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;

/* The full sequence: reset, ACKNOWLEDGE, DRIVER, negotiation (the intersection, never a bit
 * the driver does not implement), FEATURES_OK, queue set-up, DRIVER_OK. */
static void test_init_sequence(void **state)
{
    struct fake_device fd;
    struct virtio_vq vq;
    struct virtio_vq_addrs a;
    size_t len = virtio_vq_mem_size(64, false);
    void *mem = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
    /* Offers more than the driver implements, in every feature range. */
    uint64_t offered = V1 | EVENT | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | MAC | MQ |
                       VIRTIO_BIT(34) /* RING_PACKED */ | VIRTIO_BIT(40) | VIRTIO_BIT(63);
    struct virtio_vq_setup s = {.index = 1, .size = 64, .mem = mem, .mem_len = len};

    fake_device_init(&fd, VIRTIO_ID_NET, offered, 2, 256);
    fd.status = 0x55; /* whatever a previous user left */
    assert_int_equal(virtio_dev_init_begin(&fd.dev, MAC | CSUM | EVENT, MAC), 0);
    assert_int_equal(fd.driver_features, V1 | EVENT | MAC);
    assert_int_equal(fd.dev.features, V1 | EVENT | MAC);
    assert_true(virtio_dev_has(&fd.dev, VIRTIO_NET_F_MAC));
    assert_false(virtio_dev_has(&fd.dev, VIRTIO_NET_F_CSUM));
    assert_int_equal(fd.nstatus, 4);
    assert_int_equal(fd.status_log[0], 0);
    assert_int_equal(fd.status_log[1], st_ack);
    assert_int_equal(fd.status_log[2], st_drv);
    assert_int_equal(fd.status_log[3], st_fok);

    assert_int_equal(virtio_dev_queue_size(&fd.dev, 1, 64), 64);
    /* The queue's interrupt aims at APIC id 7 before the queue is set up with its entry. */
    assert_int_equal(virtio_dev_queue_irq(&fd.dev, 1, 7, &s.vector), 0);
    assert_int_equal(s.vector, 0);
    assert_true(fd.q[1].irq_routed);
    assert_int_equal(fd.q[1].irq_apic_id, 7);
    assert_int_equal(virtio_dev_vq_setup(&fd.dev, &vq, &s), 0);
    virtio_vq_ring_addrs(&vq, &a);
    assert_true(fd.q[1].enabled);
    assert_false(fd.q[0].enabled);
    assert_int_equal(fd.q[1].size, 64);
    assert_int_equal(fd.q[1].vector, 0);
    assert_ptr_equal(fd.q[1].desc, (void *)(uintptr_t)a.desc);
    assert_ptr_equal(fd.q[1].avail, (void *)(uintptr_t)a.driver);
    assert_ptr_equal(fd.q[1].used, (void *)(uintptr_t)a.device);
    assert_true(vq.event_idx);
    assert_null(vq.indirect); /* not negotiated */

    assert_int_equal(virtio_dev_init_finish(&fd.dev), 0);
    assert_int_equal(fd.status, st_fok | VIRTIO_STATUS_DRIVER_OK);

    /* Notifications reach the transport with the queue's index. */
    assert_int_equal(virtio_vq_add(&vq,
                                   &(struct virtio_vq_seg){.addr = virtio_dma_addr(mem), .len = 1},
                                   1, 0, mem),
                     0);
    assert_true(virtio_vq_kick(&vq));
    assert_int_equal(fd.q[1].notifies, 1);
    assert_int_equal(fd.driver_errors, 0);
    free(mem);
}

static void expect_failed(struct fake_device *fd)
{
    assert_true(fd->status & VIRTIO_STATUS_FAILED);
    assert_false(fd->status & VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(fd->driver_errors, 0);
}

/* A legacy-only device (no VERSION_1) is refused before any feature is written. */
static void test_init_needs_version_1(void **state)
{
    struct fake_device fd;

    fake_device_init(&fd, VIRTIO_ID_NET, MAC | EVENT, 1, 256);
    assert_int_equal(virtio_dev_init_begin(&fd.dev, MAC | EVENT, 0), -ENOTSUP);
    assert_int_equal(fd.driver_features, 0);
    assert_false(fd.status & VIRTIO_STATUS_FEATURES_OK);
    expect_failed(&fd);
}

static void test_init_missing_required(void **state)
{
    struct fake_device fd;

    fake_device_init(&fd, VIRTIO_ID_NET, V1 | MAC, 1, 256);
    assert_int_equal(virtio_dev_init_begin(&fd.dev, MAC | MQ, MQ), -ENOTSUP);
    assert_int_equal(fd.driver_features, 0);
    expect_failed(&fd);
}

/* §3.1.1 step 6: the device clears FEATURES_OK when it cannot live with our subset. */
static void test_init_features_ok_refused(void **state)
{
    struct fake_device fd;

    fake_device_init(&fd, VIRTIO_ID_NET, V1 | MAC, 1, 256);
    fd.refuse_features_ok = true;
    assert_int_equal(virtio_dev_init_begin(&fd.dev, MAC, 0), -ENOTSUP);
    assert_int_equal(fd.dev.features, 0);
    expect_failed(&fd);
}

static void test_init_reset_timeout(void **state)
{
    struct fake_device fd;

    fake_device_init(&fd, VIRTIO_ID_NET, V1 | MAC, 1, 256);
    fd.reset_times_out = true;
    assert_int_equal(virtio_dev_init_begin(&fd.dev, MAC, 0), -ETIMEDOUT);
    expect_failed(&fd);
}

static void test_init_needs_reset_after_driver_ok(void **state)
{
    struct fake_device fd;

    fake_device_init(&fd, VIRTIO_ID_NET, V1, 1, 256);
    fd.needs_reset = true;
    assert_int_equal(virtio_dev_init_begin(&fd.dev, 0, 0), 0);
    assert_int_equal(virtio_dev_init_finish(&fd.dev), -EIO);
}

/* Asking for a transport feature this layer does not implement is a driver bug: panic. */
static void test_init_unimplemented_feature_panics(void **state)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0) {
        struct fake_device fd;
        fake_device_init(&fd, VIRTIO_ID_NET, ~0ULL, 1, 256);
        (void)virtio_dev_init_begin(&fd.dev, VIRTIO_BIT(34) /* RING_PACKED */, 0);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void test_config_read(void **state)
{
    struct fake_device fd;
    uint8_t b = 0, mac[6];
    uint16_t w = 0;
    uint32_t l = 0;
    uint64_t q = 0;

    fake_device_init(&fd, VIRTIO_ID_NET, V1, 1, 256);
    for (unsigned i = 0; i < FAKE_CONFIG_SIZE; i++)
        fd.config[i] = (uint8_t)(0x10 + i);
    assert_int_equal(virtio_config_read(&fd.dev, 0, mac, 6), 0);
    assert_memory_equal(mac, "\x10\x11\x12\x13\x14\x15", 6);
    assert_int_equal(virtio_config_read(&fd.dev, 6, &w, 2), 0);
    assert_int_equal(w, 0x1716);
    assert_int_equal(virtio_config_read(&fd.dev, 8, &l, 4), 0);
    assert_int_equal(l, 0x1b1a1918);
    assert_int_equal(virtio_config_read(&fd.dev, 16, &q, 8), 0);
    assert_int_equal(q, 0x2726252423222120ULL);
    assert_int_equal(virtio_config_read(&fd.dev, FAKE_CONFIG_SIZE - 1, &b, 1), 0);
    assert_int_equal(b, 0x10 + FAKE_CONFIG_SIZE - 1);

    /* Outside the configuration space. */
    assert_int_equal(virtio_config_read(&fd.dev, FAKE_CONFIG_SIZE - 1, &w, 2), -EINVAL);
    assert_int_equal(virtio_config_read(&fd.dev, FAKE_CONFIG_SIZE, &b, 1), -EINVAL);
    assert_int_equal(virtio_config_read(&fd.dev, FAKE_CONFIG_SIZE - 3, mac, 6), -EINVAL);

    /* The configuration changes during the first reads: re-read until stable (§2.5.1). */
    fd.config_reads = 0;
    fd.config_changes = 5;
    assert_int_equal(virtio_config_read(&fd.dev, 0, mac, 6), 0);
    assert_true(fd.config_reads > 6);
    assert_int_equal(fd.config_changes, 0);

    /* ... and a device that never stops changing is given up on. */
    fd.config_changes = 100000;
    assert_int_equal(virtio_config_read(&fd.dev, 16, &q, 8), -EIO);
}

static void test_queue_size(void **state)
{
    struct fake_device fd;

    fake_device_init(&fd, VIRTIO_ID_NET, V1, 2, 256);
    assert_int_equal(virtio_dev_queue_size(&fd.dev, 0, 1024), 256);
    assert_int_equal(virtio_dev_queue_size(&fd.dev, 0, 256), 256);
    assert_int_equal(virtio_dev_queue_size(&fd.dev, 0, 100), 64);
    assert_int_equal(virtio_dev_queue_size(&fd.dev, 0, 1), 1);
    assert_int_equal(virtio_dev_queue_size(&fd.dev, 0, 0), 0);
    assert_int_equal(virtio_dev_queue_size(&fd.dev, 2, 256), 0); /* no such queue */
    fd.q[1].max = 300;                                           /* not a power of two */
    assert_int_equal(virtio_dev_queue_size(&fd.dev, 1, 1024), 256);
    fd.q[1].max = 65535;
    assert_int_equal(virtio_dev_queue_size(&fd.dev, 1, 65535), 32768);
}

static void test_vq_setup_errors(void **state)
{
    struct fake_device fd;
    struct virtio_vq vq;
    size_t len = virtio_vq_mem_size(256, true);
    uint8_t *mem = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
    struct virtio_vq_setup s = {.index = 0,
                                .size = 256,
                                .want_indirect = true,
                                .vector = VIRTIO_MSI_NO_VECTOR,
                                .mem = mem,
                                .mem_len = len};

    fake_device_init(&fd, VIRTIO_ID_NET, V1 | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC), 1, 128);
    assert_int_equal(virtio_dev_init_begin(&fd.dev, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC), 0), 0);
    assert_int_equal(virtio_dev_vq_setup(&fd.dev, &vq, &s), -EINVAL); /* > max */
    s.size = 128;
    s.index = 1;
    assert_int_equal(virtio_dev_vq_setup(&fd.dev, &vq, &s), -ENOENT);
    s.index = 0;
    s.mem = mem + 4;
    assert_int_equal(virtio_dev_vq_setup(&fd.dev, &vq, &s), -EINVAL);
    s.mem = mem;
    s.size = 100;
    assert_int_equal(virtio_dev_vq_setup(&fd.dev, &vq, &s), -EINVAL);
    s.size = 128;
    fd.refuse_vector = true;
    assert_int_equal(virtio_dev_vq_setup(&fd.dev, &vq, &s), -EIO);
    assert_false(fd.q[0].enabled);
    fd.refuse_vector = false;
    assert_int_equal(virtio_dev_vq_setup(&fd.dev, &vq, &s), 0);
    assert_non_null(vq.indirect);
    assert_true(fd.q[0].enabled);
    assert_int_equal(fd.q[0].vector, VIRTIO_MSI_NO_VECTOR);
    assert_int_equal(fd.driver_errors, 0);
    free(mem);
}

/* Interrupt routing through the transport: an entry per queue while the device has them;
 * then none (logged, the queue is polled); a shared interrupt aims at one core only (-EBUSY,
 * not logged: the driver explains); a device without interrupts (logged). */
static void test_queue_irq(void **state)
{
    struct fake_device fd;
    uint16_t vector;

    fake_device_init(&fd, VIRTIO_ID_NET, V1, 3, 64);
    fd.irq_entries = 2;
    assert_int_equal(virtio_dev_init_begin(&fd.dev, 0, 0), 0);
    assert_int_equal(virtio_dev_queue_irq(&fd.dev, 0, 1, &vector), 0);
    assert_int_equal(vector, 0);
    assert_int_equal(virtio_dev_queue_irq(&fd.dev, 2, 4, &vector), 0);
    assert_int_equal(vector, 1);
    assert_int_equal(fd.q[2].irq_apic_id, 4);
    unsigned warns = log_host_count[LOG_WARN];
    assert_int_equal(virtio_dev_queue_irq(&fd.dev, 1, 2, &vector), -ENOSPC);
    assert_int_equal(vector, VIRTIO_MSI_NO_VECTOR);
    assert_false(fd.q[1].irq_routed);
    assert_int_equal(log_host_count[LOG_WARN], warns + 1);
    assert_non_null(strstr(log_host_last, "no interrupt for queue 1 on APIC id 2"));
    assert_int_equal(fd.driver_errors, 0);

    fake_device_init(&fd, VIRTIO_ID_NET, V1, 3, 64);
    fd.irq_shared = true;
    assert_int_equal(virtio_dev_init_begin(&fd.dev, 0, 0), 0);
    assert_int_equal(virtio_dev_queue_irq(&fd.dev, 0, 5, &vector), 0);
    assert_int_equal(vector, VIRTIO_MSI_NO_VECTOR);
    assert_int_equal(virtio_dev_queue_irq(&fd.dev, 1, 5, &vector), 0);
    warns = log_host_count[LOG_WARN];
    assert_int_equal(virtio_dev_queue_irq(&fd.dev, 2, 6, &vector), -EBUSY);
    assert_int_equal(vector, VIRTIO_MSI_NO_VECTOR);
    assert_int_equal(log_host_count[LOG_WARN], warns);
    assert_int_equal(fd.driver_errors, 0);

    fake_device_init(&fd, VIRTIO_ID_NET, V1, 1, 64);
    fd.irq_entries = -1;
    assert_int_equal(virtio_dev_init_begin(&fd.dev, 0, 0), 0);
    assert_int_equal(virtio_dev_queue_irq(&fd.dev, 0, 0, &vector), -ENODEV);
    assert_non_null(strstr(log_host_last, "only polled"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_sequence),
        cmocka_unit_test(test_init_needs_version_1),
        cmocka_unit_test(test_init_missing_required),
        cmocka_unit_test(test_init_features_ok_refused),
        cmocka_unit_test(test_init_reset_timeout),
        cmocka_unit_test(test_init_needs_reset_after_driver_ok),
        cmocka_unit_test(test_init_unimplemented_feature_panics),
        cmocka_unit_test(test_config_read),
        cmocka_unit_test(test_queue_size),
        cmocka_unit_test(test_vq_setup_errors),
        cmocka_unit_test(test_queue_irq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
