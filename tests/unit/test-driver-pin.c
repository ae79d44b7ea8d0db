/* test-driver-pin.c: qemu-img works on the file vstor opened, not on a path: a stand-in
 * qemu-img swaps the volume for a link out of the pool just before the real one runs, and
 * the file outside must stay untouched (resize, convert); relative backing names still work. */
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver-fixture.h"
#include "volfmt/probe.h"
#include "volfmt/qemu_img.h"

/* Runs @cmdline (a shell command) and returns its exit status. */
static int
sh(const char *cmdline)
{
    const char *argv[] = {"/bin/sh", "-c", cmdline, NULL};
    g_autoptr(GError) err = NULL;
    int status = -1;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, &err));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static unsigned long long
virtual_size(const char *path)
{
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_volfmt_probe_path(path, &info, &err), ==, 0);
    return info.capacity;
}

/* Puts a stand-in qemu-img first in PATH: for a command containing @verb it moves @victim
 * aside to @victim.orig and leaves a link to @target in its place, then runs the real one.
 * Returns the PATH to restore, or NULL (test skipped) without qemu-img. */
static char *
swap_before(Fixture *f, const char *verb, const char *victim, const char *target)
{
    g_autofree char *bin = g_build_filename(f->tmp, "bin", NULL);
    g_autofree char *script = g_build_filename(bin, "qemu-img", NULL);
    g_autofree char *real = g_find_program_in_path("qemu-img");
    g_autofree char *text = NULL;
    g_autofree char *new_path = NULL;
    char *old_path = g_strdup(g_getenv("PATH"));

    if (!real) {
        g_test_skip("qemu-img is not installed");
        g_free(old_path);
        return NULL;
    }
    g_mkdir(bin, 0755);
    text = g_strdup_printf("#!/bin/sh\n"
                           "case \"$*\" in *%s*) mv '%s' '%s.orig' && ln -s '%s' '%s';; esac\n"
                           "exec '%s' \"$@\"\n",
                           verb, victim, victim, target, victim, real);
    g_assert_true(g_file_set_contents(script, text, -1, NULL));
    g_assert_cmpint(chmod(script, 0755), ==, 0);
    new_path = g_strdup_printf("%s:%s", bin, old_path);
    g_setenv("PATH", new_path, TRUE);
    return old_path;
}

static void
test_resize_keeps_to_the_opened_file(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vid = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *outside = g_build_filename(f->tmp, "outside.qcow2", NULL);
    g_autofree char *vol = NULL;
    g_autofree char *orig = NULL;
    g_autofree char *mk = g_strdup_printf("qemu-img create -q -f qcow2 '%s' 8M", outside);
    g_autofree char *old_path = NULL;

    make_active_pool(f, &id);
    vol = g_build_filename(f->pooldir, "v.qcow2", NULL);
    orig = g_strconcat(vol, ".orig", NULL);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>v.qcow2</name><capacity unit='M'>8"
                                            "</capacity><target><format type='qcow2'/></target>"
                                            "</volume>",
                                            0, &vid, &err),
                    ==, 0);
    g_assert_no_error(err);
    if (sh(mk) != 0) {
        g_test_skip("qemu-img cannot create images here");
        return;
    }
    if (!(old_path = swap_before(f, "resize", vol, outside)))
        return;
    /* Done on the volume's file, after which its name is a link out of the pool: gone. */
    vstor_driver_vol_resize(f->drv, &vid, 16 << 20, 0, &err);
    g_setenv("PATH", old_path, TRUE);
    if (err)
        g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_STORAGE_VOL);
    g_assert_cmpuint(virtual_size(outside), ==, 8 << 20); /* untouched */
    g_assert_cmpuint(virtual_size(orig), ==, 16 << 20); /* the volume's own file */
}

static void
test_convert_reads_the_opened_file(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) in_id = {0};
    g_auto(VstorVolId) out_id = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *secret = g_build_filename(f->tmp, "secret.raw", NULL);
    g_autofree char *in = NULL;
    g_autofree char *out = NULL;
    g_autofree char *orig = NULL;
    g_autofree char *cmp = NULL;
    g_autofree char *old_path = NULL;
    g_autofree char *ours = g_strnfill(65536, 'A');
    g_autofree char *theirs = g_strnfill(65536, 'S');

    make_active_pool(f, &id);
    in = g_build_filename(f->pooldir, "in.raw", NULL);
    out = g_build_filename(f->pooldir, "out.qcow2", NULL);
    orig = g_strconcat(in, ".orig", NULL);
    g_assert_true(g_file_set_contents(in, ours, 65536, NULL));
    g_assert_true(g_file_set_contents(secret, theirs, 65536, NULL));
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &id, 0, &err), ==, 0);
    in_id.pool = g_strdup(id.name);
    in_id.name = g_strdup("in.raw");
    if (!(old_path = swap_before(f, "convert", in, secret)))
        return;
    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &id,
                                                 "<volume><name>out.qcow2</name><capacity>65536"
                                                 "</capacity><target><format type='qcow2'/>"
                                                 "</target></volume>",
                                                 &in_id, 0, &out_id, &err),
                    ==, 0);
    g_setenv("PATH", old_path, TRUE);
    g_assert_no_error(err);
    cmp = g_strdup_printf("qemu-img compare -q -f raw -F qcow2 '%s' '%s'", orig, out);
    g_assert_cmpint(sh(cmp), ==, 0); /* what vstor opened, */
    g_free(cmp);
    cmp = g_strdup_printf("qemu-img compare -q -f raw -F qcow2 '%s' '%s'", secret, out);
    g_assert_cmpint(sh(cmp), !=, 0); /* not what the link led to */
}

/* An image naming its backing file relatively: the resize leaves the chain as it was, and a
 * conversion reads through it. */
static void
test_relative_backing(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) top_id = {0};
    g_auto(VstorVolId) flat_id = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *base = NULL;
    g_autofree char *top = NULL;
    g_autofree char *flat = NULL;
    g_autofree char *mk = NULL;
    g_autofree char *cmp = NULL;
    g_autofree char *pattern = g_strnfill(1 << 20, 'B');
    g_auto(VstorImageInfo) info = {0};

    make_active_pool(f, &id);
    base = g_build_filename(f->pooldir, "base.raw", NULL);
    top = g_build_filename(f->pooldir, "top.qcow2", NULL);
    flat = g_build_filename(f->pooldir, "flat.raw", NULL);
    g_assert_true(g_file_set_contents(base, pattern, 1 << 20, NULL));
    mk = g_strdup_printf("cd '%s' && qemu-img create -q -f qcow2 -F raw -b base.raw top.qcow2 1M",
                         f->pooldir);
    if (sh(mk) != 0) {
        g_test_skip("qemu-img cannot create images here");
        return;
    }
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &id, 0, &err), ==, 0);
    top_id.pool = g_strdup(id.name);
    top_id.name = g_strdup("top.qcow2");

    g_assert_cmpint(vstor_driver_vol_resize(f->drv, &top_id, 2 << 20, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_volfmt_probe_path(top, &info, &err), ==, 0);
    g_assert_cmpuint(info.capacity, ==, 2 << 20);
    g_assert_cmpstr(info.backing_path, ==, "base.raw");

    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &id,
                                                 "<volume><name>flat.raw</name><capacity>2097152"
                                                 "</capacity><target><format type='raw'/>"
                                                 "</target></volume>",
                                                 &top_id, 0, &flat_id, &err),
                    ==, 0);
    g_assert_no_error(err);
    cmp = g_strdup_printf("qemu-img compare -q -f qcow2 -F raw '%s' '%s'", top, flat);
    g_assert_cmpint(sh(cmp), ==, 0);
}

/* The rewriting itself. */
static void
test_argv(void)
{
    const char *resize[] = {"qemu-img", "resize", "/p/v.qcow2", "1024", NULL};
    const char *convert[] = {"qemu-img", "convert", "-f",         "qcow2", "-O",
                             "raw",      "/p/a\"b", "/p/out.raw", NULL};
    const char *opts[] = {"qemu-img",
                          "convert",
                          "--image-opts",
                          "-n",
                          "--target-image-opts",
                          "driver=luks,file.filename=/p/a,,b,key-secret=s0",
                          "driver=raw,file.filename=/p/a,,b.out",
                          NULL};
    VstorVolTarget abs_backing = {.path = (char *)"/p/b\"a\\s,e\t.raw",
                                  .format = VSTOR_VOL_FORMAT_RAW};
    VstorVolTarget nbd = {.path = (char *)"nbd://host/x", .format = VSTOR_VOL_FORMAT_QCOW2};
    VstorVolTarget rel = {.path = (char *)"base.raw", .format = VSTOR_VOL_FORMAT_RAW};
    g_auto(GStrv) a = vstor_qemu_img_pin(resize, "/p/v.qcow2", 3, "qcow2", NULL, TRUE);
    g_auto(GStrv) b = vstor_qemu_img_pin(resize, "/p/v.qcow2", 3, "qcow2", &nbd, TRUE);
    g_auto(GStrv) c = vstor_qemu_img_pin(convert, "/p/a\"b", 4, NULL, &abs_backing, FALSE);
    g_auto(GStrv) d = vstor_qemu_img_pin(opts, "/p/a,b", 3, NULL, NULL, FALSE);
    g_auto(GStrv) e = vstor_qemu_img_pin(opts, "/p/a,b", 3, NULL, &abs_backing, TRUE);
    g_auto(GStrv) g = vstor_qemu_img_pin(convert, "/p/a\"b", 4, NULL, &nbd, FALSE);

    g_assert_cmpstr(a[2], ==,
                    "json:{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":"
                    "\"/proc/self/fd/3\"},\"backing\":null}");
    g_assert_cmpstr(a[3], ==, "1024");
    /* a resize needs no backing store, whatever it is */
    g_assert_cmpstr(b[2], ==, a[2]);
    g_assert_cmpstr(c[6], ==,
                    "json:{\"file\":{\"driver\":\"file\",\"filename\":\"/proc/self/fd/4\"},"
                    "\"backing\":{\"driver\":\"raw\",\"file\":{\"filename\":"
                    "\"/p/b\\\"a\\\\s,e\\u0009.raw\"}}}");
    g_assert_cmpstr(c[7], ==, "/p/out.raw");
    g_assert_cmpstr(g[6], ==,
                    "json:{\"file\":{\"driver\":\"file\",\"filename\":\"/proc/self/fd/4\"},"
                    "\"backing\":{\"driver\":\"qcow2\",\"file\":{\"filename\":"
                    "\"nbd://host/x\"}}}");
    /* the input's option, not the output's that starts the same */
    g_assert_cmpstr(d[5], ==, "driver=luks,file.filename=/proc/self/fd/3,key-secret=s0");
    g_assert_cmpstr(d[6], ==, opts[6]);
    g_assert_cmpstr(e[5], ==,
                    "driver=luks,file.filename=/proc/self/fd/3,key-secret=s0,backing.driver=raw,"
                    "backing.file.filename=/p/b\"a\\s,,e\t.raw");

    /* what cannot be pinned: a relative backing file name, a command without the path */
    g_assert_null(vstor_qemu_img_pin(convert, "/p/a\"b", 4, NULL, &rel, FALSE));
    g_assert_null(vstor_qemu_img_pin(opts, "/p/a,b", 3, NULL, &rel, FALSE));
    g_assert_null(vstor_qemu_img_pin(resize, "/p/other", 3, "qcow2", NULL, TRUE));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/pin/resize", test_resize_keeps_to_the_opened_file);
    ADD("/pin/convert", test_convert_reads_the_opened_file);
    ADD("/pin/relative-backing", test_relative_backing);
#undef ADD
    g_test_add_func("/pin/argv", test_argv);
    return g_test_run();
}
