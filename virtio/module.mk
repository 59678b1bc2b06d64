# virtio/: split virtqueue, device-independent transport contract and init sequence.
# (Transports and the net/blk drivers add their sources here as they land.)
KERNEL_SRCS += \
	virtio/virtq.c \
	virtio/virtio.c
