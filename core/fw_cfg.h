/*
 * QEMU's firmware configuration device (fw_cfg), read through its I/O ports: how files given
 * with `-fw_cfg name=opt/...,file=...` reach the guest (tls/ takes its key and certificate
 * from there, so that no secret ever sits on the served disk).
 *
 * The legacy port interface (QEMU docs/specs/fw_cfg.rst): a 16-bit selector written to port
 * 0x510, then the selected item's bytes read one at a time from port 0x511, from offset 0
 * onwards.  QEMU places it at these ports on pc, q35 and microvm alike.  Item 0 holds the
 * signature "QEMU"; item 0x19 is the file directory (a big-endian count, then 64-byte entries:
 * size, selector, reserved, a NUL-terminated name of up to 56 bytes).
 *
 * Context: boot, core 0 only (the selector is device state shared by all cores, unlocked).
 * Everything the device reports is distrusted: counts and sizes are bounds-checked.
 */
#ifndef CORE_FW_CFG_H
#define CORE_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

/* Whether the device answers with its signature.  Returns 0 or -ENODEV. */
int core_fw_cfg_probe(void);

/*
 * Find the file `name` (e.g. "opt/toril/tls_key") in the directory.  On success stores its
 * size in *size and its selector in *select and returns 0; -ENOENT when absent, -ENODEV
 * without the device.
 */
int core_fw_cfg_find(const char *name, uint32_t *size, uint16_t *select);

/* Read the first len bytes of item `select` into buf (len <= its size, from core_fw_cfg_find). */
void core_fw_cfg_read(uint16_t select, void *buf, size_t len);

#endif
