/* Reading guest images from host files, with errors phrased for the user. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "loader.h"
#include "machine.h"
#include "multiboot.h"

int loader_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int load_file(const char *path, const char *what, u64 max, u8 **buf, size_t *len, char *err,
              size_t errlen)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return loader_error(err, errlen, "%s '%s': %s", what, path, strerror(errno));
    struct stat st;
    /* Directories and devices open fine but are no image; say so instead of reading junk. */
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return loader_error(err, errlen, "%s '%s': not a regular file", what, path);
    }
    if ((u64)st.st_size > max) {
        fclose(f);
        return loader_error(err, errlen, "%s '%s': %llu bytes do not fit in guest RAM", what,
                            path, (unsigned long long)st.st_size);
    }
    size_t n = (size_t)st.st_size;
    u8 *p = malloc(n ? n : 1);
    if (!p) {
        fclose(f);
        return loader_error(err, errlen, "%s '%s': out of memory", what, path);
    }
    if (fread(p, 1, n, f) != n) {
        int e = ferror(f) ? errno : 0;
        free(p);
        fclose(f);
        return loader_error(err, errlen, "%s '%s': read failed: %s", what, path,
                            e ? strerror(e) : "file changed size");
    }
    fclose(f);
    *buf = p;
    *len = n;
    return 0;
}

int kernel_load(struct machine *m, const char *path, const char *cmdline, const char *initrd,
                char *err, size_t errlen)
{
    u8 *img;
    size_t len;
    if (load_file(path, "kernel", m->ram_size + MB_SEARCH_LIMIT, &img, &len, err, errlen)) return -1;
    int rc;
    if (linux_is_bzimage(img, len)) {
        rc = linux_load_image(m, path, img, len, cmdline, initrd, err, errlen);
    } else if (multiboot_has_header(img, len) || !pvh_is_elf(img, len)) {
        /* Neither bzImage nor ELF: the multiboot loader says what is wrong with it. */
        rc = multiboot_load_image(m, path, img, len, cmdline, initrd, err, errlen);
        if (rc && !multiboot_has_header(img, len) && err && errlen) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, "; nor a Linux bzImage or an ELF kernel with a PVH entry");
        }
    } else {
        rc = pvh_load_image(m, path, img, len, cmdline, initrd, err, errlen);
    }
    free(img);
    return rc;
}
