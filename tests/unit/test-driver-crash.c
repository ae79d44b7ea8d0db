/* test-driver-crash.c: what keeps a killed build from leaving a volume that looks whole —
 * builds under a temporary name, renamed when done; leftovers hidden and removed at start. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "driver-fixture.h"

static void
touch(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static gboolean
exists(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    struct stat st;

    return lstat(path, &st) == 0;
}

static guint
count_temp_files(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    guint n = 0;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d)))
        n += g_str_has_prefix(name, ".vstor-tmp.");
    return n;
}

static guint
count_vols(Fixture *f, const VstorPoolId *id)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = vstor_driver_vol_list(f->drv, id, 0, &err);

    g_assert_no_error(err);
    g_assert_nonnull(vols);
    return vols->len;
}

/* What a killed build leaves is never a volume: not listed, not found by name or path, and
 * removed when the pool next becomes active (restart, or stop and start). */
static void
test_leftovers(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vid = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *tdir = g_build_filename(f->pooldir, ".vstor-tmp.deadbeef00000002", NULL);
    g_autofree char *tpath = g_build_filename(f->pooldir, ".vstor-tmp.deadbeef00000001", NULL);

    make_active_pool(f, &id);
    touch(f->pooldir, "real.img", "data");
    touch(f->pooldir, ".vstor-tmp.deadbeef00000001", "half");
    g_assert_cmpint(g_mkdir(tdir, 0755), ==, 0);
    /* a build's directory with its half-made volume, itself a directory of files (ploop) */
    {
        g_autofree char *inner = g_build_filename(tdir, "vol.ploop", NULL);
        g_autofree char *outside = g_build_filename(f->tmp, "outside.img", NULL);
        g_autofree char *link = g_build_filename(tdir, "link", NULL);

        touch(tdir, "vol.img", "half");
        g_assert_cmpint(g_mkdir(inner, 0755), ==, 0);
        touch(inner, "root.hds", "half");
        /* a link in there goes, not what it names */
        touch(f->tmp, "outside.img", "keep");
        g_assert_cmpint(symlink(outside, link), ==, 0);
    }
    touch(f->pooldir, ".hidden.img", "a hidden file is a volume, as in libvirt");
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &id, 0, &err), ==, 0);
    g_assert_cmpuint(count_vols(f, &id), ==, 2);
    ASSERT_FAILS(
        vstor_driver_vol_lookup_by_name(f->drv, &id, ".vstor-tmp.deadbeef00000001", &vid, err_),
        VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching name");
    ASSERT_FAILS(vstor_driver_vol_lookup_by_path(f->drv, tpath, &vid, err_),
                 VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching path");
    /* a refresh of a running pool leaves them: a build could be writing one */
    g_assert_true(exists(f->pooldir, ".vstor-tmp.deadbeef00000001"));

    reopen(f);
    g_assert_false(exists(f->pooldir, ".vstor-tmp.deadbeef00000001"));
    g_assert_false(exists(f->pooldir, ".vstor-tmp.deadbeef00000002"));
    g_assert_true(exists(f->tmp, "outside.img"));
    g_assert_true(exists(f->pooldir, "real.img"));
    g_assert_true(exists(f->pooldir, ".hidden.img"));
    g_assert_cmpuint(count_vols(f, &id), ==, 2);

    touch(f->pooldir, ".vstor-tmp.deadbeef00000003", "half");
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    g_assert_true(exists(f->pooldir, ".vstor-tmp.deadbeef00000003"));
    g_assert_cmpint(vstor_driver_pool_start(f->drv, &id, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_false(exists(f->pooldir, ".vstor-tmp.deadbeef00000003"));
}

/* The temporary names are vstor's: a volume cannot be created under one. */
static void
test_reserved_name(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vid = {0};

    make_active_pool(f, &id);
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &id,
                                         "<volume><name>.vstor-tmp.x</name><capacity>1024"
                                         "</capacity></volume>",
                                         0, &vid, err_),
                 VSTOR_ERR_INVALID_ARG, "pick another name");
    g_assert_cmpuint(count_temp_files(f->pooldir), ==, 0);
    g_assert_false(exists(f->pooldir, ".vstor-tmp.x"));
}

/* While qemu-img builds the image, the volume's own name does not exist on disk; afterwards
 * only it does. A stand-in qemu-img first in PATH lists the pool directory, then runs the
 * real one. */
static void
test_build_under_temp_name(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vid = {0};
    g_auto(VstorVolId) cid = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *bin = g_build_filename(f->tmp, "bin", NULL);
    g_autofree char *script = g_build_filename(bin, "qemu-img", NULL);
    g_autofree char *log = g_build_filename(f->tmp, "seen", NULL);
    g_autofree char *text = NULL;
    g_autofree char *seen = NULL;
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *new_path = g_strdup_printf("%s:%s", bin, old_path);
    g_autofree char *real = g_find_program_in_path("qemu-img");

    if (!real) {
        g_test_skip("qemu-img is not installed");
        return;
    }
    make_active_pool(f, &id);
    g_assert_cmpint(g_mkdir(bin, 0755), ==, 0);
    text = g_strdup_printf("#!/bin/sh\nls -a '%s' >> '%s'\necho -- >> '%s'\nexec '%s' \"$@\"\n",
                           f->pooldir, log, log, real);
    g_assert_true(g_file_set_contents(script, text, -1, NULL));
    g_assert_cmpint(chmod(script, 0755), ==, 0);
    g_setenv("PATH", new_path, TRUE);

    /* vmdk always goes through qemu-img */
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>v.vmdk</name><capacity unit='M'>8"
                                            "</capacity><target><format type='vmdk'/></target>"
                                            "</volume>",
                                            0, &vid, &err),
                    ==, 0);
    g_assert_no_error(err);
    /* and a conversion of it too */
    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &id,
                                                 "<volume><name>c.qcow2</name><capacity>0"
                                                 "</capacity><target><format type='qcow2'/>"
                                                 "</target></volume>",
                                                 &vid, 0, &cid, &err),
                    ==, 0);
    g_setenv("PATH", old_path, TRUE);
    g_assert_no_error(err);

    g_assert_true(g_file_get_contents(log, &seen, NULL, NULL));
    {
        g_auto(GStrv) runs = g_strsplit(seen, "--\n", -1);

        g_assert_cmpuint(g_strv_length(runs), >=, 2);
        /* first run: creating v.vmdk — not there under its name yet, but in a directory of
         * its build */
        g_assert_null(strstr(runs[0], "\nv.vmdk\n"));
        g_assert_nonnull(strstr(runs[0], ".vstor-tmp."));
        /* a later run: converting into c.qcow2 — v.vmdk done, c.qcow2 not yet */
        g_assert_nonnull(strstr(runs[g_strv_length(runs) - 2], "v.vmdk"));
        g_assert_null(strstr(runs[g_strv_length(runs) - 2], "c.qcow2"));
    }
    g_assert_true(exists(f->pooldir, "v.vmdk"));
    g_assert_true(exists(f->pooldir, "c.qcow2"));
    g_assert_cmpuint(count_temp_files(f->pooldir), ==, 0);
    /* what qemu-img wrote of the file's own name (a vmdk's extent) is the volume's name */
    {
        g_autofree char *vmdk = g_build_filename(f->pooldir, "v.vmdk", NULL);
        g_autofree char *bytes = NULL;
        gsize len = 0;

        g_assert_true(g_file_get_contents(vmdk, &bytes, &len, NULL));
        g_assert_nonnull(memmem(bytes, len, "SPARSE \"v.vmdk\"", 15));
    }
    g_assert_cmpuint(count_vols(f, &id), ==, 2);
}

/* A build that fails removes its temporary file, reports the volume's real path, and never
 * touches a file someone put under the volume's name meanwhile. The stand-in qemu-img writes
 * half an image into its output, drops a stranger's file under the real name and fails. */
static void
test_failed_build(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vid = {0};
    g_autofree char *bin = g_build_filename(f->tmp, "bin", NULL);
    g_autofree char *script = g_build_filename(bin, "qemu-img", NULL);
    g_autofree char *text = NULL;
    g_autofree char *content = NULL;
    g_autofree char *stranger = g_build_filename(f->pooldir, "bad.vmdk", NULL);
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *new_path = g_strdup_printf("%s:%s", bin, old_path);

    make_active_pool(f, &id);
    g_assert_cmpint(g_mkdir(bin, 0755), ==, 0);
    text = g_strdup_printf("#!/bin/sh\n"
                           "for a; do case \"$a\" in *.vstor-tmp.*) out=$a;; esac; done\n"
                           "echo half > \"$out\"\n"
                           "echo stranger > '%s'\n"
                           "echo \"qemu-img: $out: disk on fire\" >&2\n"
                           "exit 1\n",
                           stranger);
    g_assert_true(g_file_set_contents(script, text, -1, NULL));
    g_assert_cmpint(chmod(script, 0755), ==, 0);
    g_setenv("PATH", new_path, TRUE);
    {
        g_autoptr(GError) e = NULL;
        g_autofree char *want = g_strdup_printf("%s: disk on fire", stranger);

        g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                                "<volume><name>bad.vmdk</name><capacity unit='M'>8"
                                                "</capacity><target><format type='vmdk'/>"
                                                "</target></volume>",
                                                0, &vid, &e),
                        <, 0);
        g_setenv("PATH", old_path, TRUE);
        g_assert_nonnull(e);
        g_assert_nonnull(strstr(e->message, want));
        g_assert_null(strstr(e->message, ".vstor-tmp."));
    }
    g_assert_cmpuint(count_temp_files(f->pooldir), ==, 0);
    g_assert_true(g_file_get_contents(stranger, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "stranger\n");
}

/* The rename into place never replaces a file that took the name meanwhile. */
static void
test_commit_refuses_to_replace(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_autoptr(GError) err = NULL;
    const VstorBackend *be = vstor_backend_for_type(VSTOR_POOL_DIR);
    g_autoptr(VstorPoolDef) pool = NULL;
    g_autoptr(VstorVolDef) tmp = vstor_vol_def_new();
    g_autofree char *xml = pool_xml("p1", f->pooldir);
    g_autofree char *content = NULL;
    g_autofree char *path = g_build_filename(f->pooldir, "taken.img", NULL);

    make_active_pool(f, &id);
    pool = vstor_pool_def_parse(xml, 0, &err);
    g_assert_no_error(err);
    touch(f->pooldir, ".vstor-tmp.0000000000000001", "new");
    touch(f->pooldir, "taken.img", "someone else's");
    tmp->name = g_strdup(".vstor-tmp.0000000000000001");
    tmp->target.path = g_build_filename(f->pooldir, tmp->name, NULL);
    g_assert_cmpint(be->commit_vol(NULL, pool, tmp, "taken.img", &err), <, 0);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_STORAGE_VOL_EXIST);
    g_assert_true(g_file_get_contents(path, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "someone else's");
    g_clear_error(&err);
    g_assert_cmpint(be->commit_vol(NULL, pool, tmp, "free.img", &err), ==, 0);
    g_assert_no_error(err);
    g_assert_true(exists(f->pooldir, "free.img"));
    g_assert_false(exists(f->pooldir, tmp->name));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/driver/crash/leftovers", test_leftovers);
    ADD("/driver/crash/reserved-name", test_reserved_name);
    ADD("/driver/crash/build-under-temp-name", test_build_under_temp_name);
    ADD("/driver/crash/failed-build", test_failed_build);
    ADD("/driver/crash/commit-refuses-to-replace", test_commit_refuses_to_replace);
    return g_test_run();
}
