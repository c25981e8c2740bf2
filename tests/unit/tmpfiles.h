/* A temporary directory of guest images and initrds for the loader tests (test_loader,
 * test_linux_boot, test_pvh_boot): made once, files written into it by name, removed at
 * the end. Setup failures print one FAIL line and exit. */
#ifndef VP_TEST_TMPFILES_H
#define VP_TEST_TMPFILES_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[64];

/* mkdtemp /tmp/vp-TAG-XXXXXX into tmpdir. */
static void tmpdir_make(const char *tag)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vp-%s-XXXXXX", tag);
    if (!mkdtemp(tmpdir)) {
        printf("FAIL setup: mkdtemp %s\n", tmpdir);
        exit(1);
    }
}

static void tmpdir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) printf("note: could not remove %s\n", tmpdir);
}

/* Write tmpdir/NAME; returns its path (valid for the next 7 calls). */
static const char *write_file(const char *name, const void *data, size_t len)
{
    static char paths[8][128];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 128, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        printf("FAIL setup: cannot write %s\n", p);
        exit(1);
    }
    fclose(f);
    return p;
}

#endif
