/* host_replay_dir(): see replay.h. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/host/replay.h"

/* The whole of path in a malloc'd buffer (one spare byte, so empty files still allocate). */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)n + 1);
        if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return data;
}

unsigned host_replay_dir(const char *dir, int (*one)(const uint8_t *data, size_t size))
{
    DIR *d = opendir(dir);
    struct dirent *de;
    unsigned n = 0;

    if (d == NULL)
        fail_msg("cannot open %s (run from the repository root)", dir);
    while ((de = readdir(d)) != NULL) {
        char path[1024];
        uint8_t *data;
        size_t len;

        if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
            fail_msg("path too long: %s/%s", dir, de->d_name);
        data = slurp(path, &len);
        if (data == NULL)
            fail_msg("cannot read %s", path);
        print_message("replaying %s (%zu bytes)\n", path, len);
        one(data, len);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}
