# virtio/: split virtqueue, device-independent transport contract and init sequence.
# (Transports and the net/blk drivers add their sources here as they land.)
KERNEL_SRCS += \
	virtio/virtq.c \
	virtio/virtio.c \
	virtio/find.c \
	virtio/pci.c \
	virtio/pci_modern.c \
	virtio/mmio.c \
	virtio/config.c \
	virtio/net.c \
	virtio/blk.c \
	virtio/rng.c

# Host tests: the virtqueue, the init sequence and the drivers against a fake device.
VIRTIO_TEST_DEPS := virtio/virtq.c virtio/virtio.c virtio/tests/fake_device.c tests/host/log_host.c
$(eval $(call host_test,virtio/test_virtq,virtio/tests/test_virtq.c virtio/tests/vq_env.c $(VIRTIO_TEST_DEPS)))
$(eval $(call host_test,virtio/test_virtq_hostile,virtio/tests/test_virtq_hostile.c virtio/tests/vq_env.c $(VIRTIO_TEST_DEPS)))
$(eval $(call host_test,virtio/test_virtio,virtio/tests/test_virtio.c $(VIRTIO_TEST_DEPS)))
$(eval $(call host_test,virtio/test_blk,virtio/tests/test_blk.c virtio/tests/blk_disk.c virtio/blk.c $(VIRTIO_TEST_DEPS)))
$(eval $(call host_test,virtio/test_net,virtio/tests/test_net.c virtio/net.c $(VIRTIO_TEST_DEPS)))
$(eval $(call host_test,virtio/test_rng,virtio/tests/test_rng.c virtio/rng.c $(VIRTIO_TEST_DEPS)))
$(eval $(call host_test,virtio/test_mmio,virtio/tests/test_mmio.c virtio/tests/blk_disk.c virtio/mmio.c virtio/find.c virtio/blk.c $(VIRTIO_TEST_DEPS)))
