/* QEMU fw_cfg through I/O ports 0x510/0x511 (see fw_cfg.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/fw_cfg.h"
#include "core/x86.h"

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000 /* "QEMU" */
#define FW_CFG_FILE_DIR  0x0019
#define FW_CFG_NAME_MAX  56   /* bytes of a directory entry's name, NUL included */
#define FW_CFG_FILES_MAX 4096 /* more entries than any QEMU makes: a bogus count */

/* One directory entry as the device sends it (big-endian fields). */
struct fw_cfg_file {
    uint32_t size;
    uint16_t select;
    uint16_t reserved;
    char name[FW_CFG_NAME_MAX];
} __attribute__((packed));

static void select_item(uint16_t select)
{
    outw(FW_CFG_PORT_SEL, select);
}

/* Reads continue where the previous read of the selected item stopped. */
static void read_bytes(void *buf, size_t len)
{
    /* rep insb: one instruction for the whole buffer (a hypervisor can batch the exits). */
    __asm__ volatile("rep insb" : "+D"(buf), "+c"(len) : "d"(FW_CFG_PORT_DATA) : "memory");
}

int core_fw_cfg_probe(void)
{
    char sig[4];
    select_item(FW_CFG_SIGNATURE);
    read_bytes(sig, sizeof(sig));
    return memcmp(sig, "QEMU", 4) == 0 ? 0 : -ENODEV;
}

int core_fw_cfg_find(const char *name, uint32_t *size, uint16_t *select)
{
    if (core_fw_cfg_probe() < 0)
        return -ENODEV;
    uint32_t count;
    select_item(FW_CFG_FILE_DIR);
    read_bytes(&count, sizeof(count));
    count = __builtin_bswap32(count);
    if (count > FW_CFG_FILES_MAX)
        count = FW_CFG_FILES_MAX;
    for (uint32_t i = 0; i < count; i++) {
        struct fw_cfg_file f;
        read_bytes(&f, sizeof(f));
        f.name[FW_CFG_NAME_MAX - 1] = '\0'; /* the device's string, terminated by us */
        if (strcmp(f.name, name) == 0) {
            *size = __builtin_bswap32(f.size);
            *select = __builtin_bswap16(f.select);
            return 0;
        }
    }
    return -ENOENT;
}

void core_fw_cfg_read(uint16_t select, void *buf, size_t len)
{
    select_item(select);
    read_bytes(buf, len);
}
