/* fuzz-probe.c: libFuzzer target for the image prober. The input is written to a memfd and
 * probed as a file; it must give either an image description or an error, never a crash. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/error.h"
#include "volfmt/probe.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

/* What any successful probe must satisfy, however hostile the header was. */
static void
check_info(const VstorImageInfo *info)
{
    if (info->format <= VSTOR_VOL_FORMAT_NONE || info->format >= VSTOR_VOL_FORMAT_LAST)
        abort();
    if (info->capacity > (unsigned long long)G_MAXINT64)
        abort();
    if (info->backing_path ? !info->backing_path[0] : info->backing_format != 0)
        abort();
    if (info->encrypted != (info->encryption_format != VSTOR_ENCRYPTION_FORMAT_DEFAULT))
        abort();
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;
    int fd = memfd_create("fuzz-probe", MFD_CLOEXEC);
    gsize done = 0;

    if (fd < 0)
        abort();
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);

        if (n <= 0)
            abort();
        done += (gsize)n;
    }
    if (vstor_volfmt_probe(fd, "fuzz.img", &info, &err) < 0) {
        if (!err || err->domain != VSTOR_ERROR || !err->message[0])
            abort();
    } else {
        check_info(&info);
    }
    close(fd);
    return 0;
}
