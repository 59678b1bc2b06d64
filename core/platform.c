/* Machine discovery: ACPI first, the MP table as the fallback (see platform.h). */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/platform.h"

struct platform core_platform;

void core_platform_add_cpu(struct platform *p, uint32_t apic_id)
{
    for (unsigned i = 0; i < p->ncpus; i++)
        if (p->apic_ids[i] == apic_id)
            return;
    if (p->ncpus == CORE_MAX_CPUS) {
        p->ncpus_ignored++;
        return;
    }
    p->apic_ids[p->ncpus++] = apic_id;
}

int core_platform_discover(uint64_t rsdp)
{
    struct platform *p = &core_platform;
    memset(p, 0, sizeof(*p));
    if (core_acpi_parse(rsdp, p) < 0) {
        memset(p, 0, sizeof(*p));
        if (core_mptable_parse(p) < 0)
            return -ENODEV;
    }
    if (!p->lapic_base)
        p->lapic_base = 0xfee00000;
    log_info("platform: %u cpus, %u ioapics, %u pcie windows (from %s)", p->ncpus, p->nioapics,
             p->necam, p->source);
    if (p->ncpus_ignored)
        log_warn("platform: %u more cpus ignored (built for at most %d)", p->ncpus_ignored,
                 CORE_MAX_CPUS);
    return 0;
}
