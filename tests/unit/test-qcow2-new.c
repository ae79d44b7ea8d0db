/* test-qcow2-new.c: the native qcow2 writer against qemu-img itself — for each command line,
 * qemu-img create and the writer must give byte-identical files that `qemu-img check` passes —
 * plus the command lines it must leave to qemu-img. */
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "testutil.h"
#include "util/error.h"
#include "volfmt/qcow2_new.h"

static gboolean
run(const char *const *argv, char **ret_err)
{
    g_autofree char *out = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, ret_err,
                      &status, NULL))
        return FALSE;
    return g_spawn_check_wait_status(status, NULL);
}

static char *
slurp(const char *path, gsize *len)
{
    char *data = NULL;

    g_assert_true(g_file_get_contents(path, &data, len, NULL));
    return data;
}

/* One case: the -o options, an optional backing file (made first) and the size. */
typedef struct {
    const char *opts;
    const char *backing; /* a name in the temp dir, or NULL */
    const char *size;
} Case;

static const Case cases[] = {
    {"compat=0.10", NULL, "0K"},
    {"compat=0.10", NULL, "1025K"},
    {"compat=0.10", NULL, "5242880K"},
    {"compat=1.1", NULL, "0K"},
    {"compat=1.1", NULL, "1K"},
    {"compat=1.1", NULL, "1048576K"},
    {"compat=1.1", NULL, "3670016K"},
    {"compat=1.1", NULL, "107374182400K"}, /* 100 TiB: an L1 table of 25 clusters */
    {"compat=1.1,lazy_refcounts", NULL, "10485760K"},
    {"compat=1.1,cluster_size=2097152", NULL, "10485760K"},
    {"compat=1.1,cluster_size=8192", NULL, "1048576K"},
    {"compat=0.10,cluster_size=16384", NULL, "1048576K"},
    {"compat=1.1,cluster_size=32768", NULL, "107374182400K"},
    {"backing_fmt=raw,compat=0.10", "base.raw", "5242880K"},
    {"backing_fmt=raw,compat=1.1", "base.raw", "5242880K"},
    {"backing_fmt=qcow2,compat=1.1,lazy_refcounts", "base.qcow2", "2048K"},
    {"backing_fmt=raw,compat=1.1,cluster_size=65536", "a-rather-long-backing-file-name.img",
     "1024K"},
};

static void
test_identical_to_qemu_img(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-qcow2-new-XXXXXX", NULL);
    g_autofree char *raw = g_build_filename(dir, "base.raw", NULL);
    g_autofree char *longname = g_build_filename(dir, "a-rather-long-backing-file-name.img", NULL);
    g_autofree char *qbase = g_build_filename(dir, "base.qcow2", NULL);

    g_assert_true(g_file_set_contents(raw, "", 0, NULL));
    g_assert_true(g_file_set_contents(longname, "", 0, NULL));
    {
        const char *mk[] = {"qemu-img", "create", "-f", "qcow2", qbase, "1M", NULL};
        g_autofree char *errout = NULL;

        if (!run(mk, &errout)) {
            g_test_fail_printf("qemu-img create failed (make check installs qemu-utils): %s",
                               errout ? errout : "");
            return;
        }
    }
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const Case *c = &cases[i];
        g_autofree char *ref = g_strdup_printf("%s/ref%zu.qcow2", dir, i);
        g_autofree char *mine = g_strdup_printf("%s/mine%zu.qcow2", dir, i);
        g_autofree char *backing = c->backing ? g_build_filename(dir, c->backing, NULL) : NULL;
        g_autofree char *errout = NULL;
        g_autofree char *a = NULL;
        g_autofree char *b = NULL;
        g_autoptr(GError) err = NULL;
        const char *argv_ref[12], *argv_mine[12];
        VstorQcow2New img;
        gsize alen, blen, k = 0, m = 0;
        int fd;

        argv_ref[k++] = argv_mine[m++] = "qemu-img";
        argv_ref[k++] = argv_mine[m++] = "create";
        argv_ref[k++] = argv_mine[m++] = "-f";
        argv_ref[k++] = argv_mine[m++] = "qcow2";
        if (backing) {
            argv_ref[k++] = argv_mine[m++] = "-b";
            argv_ref[k++] = argv_mine[m++] = backing;
        }
        argv_ref[k++] = argv_mine[m++] = "-o";
        argv_ref[k++] = argv_mine[m++] = c->opts;
        argv_ref[k++] = ref;
        argv_mine[m++] = mine;
        argv_ref[k++] = argv_mine[m++] = c->size;
        argv_ref[k] = argv_mine[m] = NULL;

        if (!run(argv_ref, &errout)) {
            g_test_fail_printf("case %zu: qemu-img failed: %s", i, errout);
            continue;
        }
        if (!vstor_qcow2_new_from_argv(argv_mine, &img)) {
            g_test_fail_printf("case %zu (%s %s): not taken natively", i, c->opts, c->size);
            continue;
        }
        g_assert_cmpstr(img.path, ==, mine);
        fd = open(mine, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(vstor_qcow2_new_write(fd, &img, &err), ==, 0);
        g_assert_no_error(err);
        close(fd);

        a = slurp(ref, &alen);
        b = slurp(mine, &blen);
        if (alen != blen || memcmp(a, b, alen) != 0) {
            gsize at = 0;

            while (at < MIN(alen, blen) && a[at] == b[at])
                at++;
            g_test_fail_printf("case %zu (%s %s): %zu bytes from qemu-img, %zu written, first "
                               "difference at %zu",
                               i, c->opts, c->size, alen, blen, at);
            continue;
        }
        {
            struct stat sa, sb;

            /* As allocated as qemu-img's file, so allocation figures match libvirt's. */
            g_assert_cmpint(stat(ref, &sa), ==, 0);
            g_assert_cmpint(stat(mine, &sb), ==, 0);
            if (sa.st_blocks != sb.st_blocks)
                g_test_fail_printf("case %zu: %lld blocks from qemu-img, %lld written", i,
                                   (long long)sa.st_blocks, (long long)sb.st_blocks);
        }
        {
            const char *check[] = {"qemu-img", "check", "-f", "qcow2", mine, NULL};
            g_autofree char *cerr = NULL;

            if (!run(check, &cerr))
                g_test_fail_printf("case %zu: qemu-img check: %s", i, cerr);
        }
    }
    test_rm_rf(dir);
}

/* Anything beyond the options reproduced goes to qemu-img. */
static void
test_left_to_qemu_img(void)
{
    static const char *const refused[][11] = {
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=1.1,preallocation=metadata", "/p", "1K",
         NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=1.1,cluster_size=131072,extended_l2=on",
         "/p", "1K", NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "backing_fmt=raw,encryption=on,nocow=on", "/p",
         "1K", NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=0.10,lazy_refcounts", "/p", "1K", NULL},
        {"qemu-img", "create", "-f", "qcow2", "-b", "/dev/null", "-o", "compat=1.1", "/p", NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=1.1", "/p", NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=1.1", "/p", "1M", NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=1.1", "/p", "-1K", NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=1.2", "/p", "1K", NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=1.1,cluster_size=4096", "/p", "1K",
         NULL},
        {"qemu-img", "create", "-f", "qcow2", "-o", "compat=1.1,cluster_size=1000", "/p", "1K",
         NULL},
        {"qemu-img", "create", "-f", "qcow", "-o", "compat=1.1", "/p", "1K", NULL},
        {"qemu-img", "convert", "-f", "raw", "-O", "qcow2", "/a", "/p", NULL},
    };
    VstorQcow2New img;

    for (gsize i = 0; i < G_N_ELEMENTS(refused); i++)
        if (vstor_qcow2_new_from_argv(refused[i], &img))
            g_test_fail_printf("command %zu taken natively", i);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qcow2-new/identical-to-qemu-img", test_identical_to_qemu_img);
    g_test_add_func("/qcow2-new/left-to-qemu-img", test_left_to_qemu_img);
    return g_test_run();
}
