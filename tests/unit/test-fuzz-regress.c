/* test-fuzz-regress.c: every input a fuzzer once crashed on (fuzz/regressions/) goes back
 * through the parsers: refused with an error, or parsed and formatted to a fixed point. */
#include <string.h>

#include "conf/pool_conf.h"
#include "conf/secret_conf.h"
#include "conf/vol_conf.h"
#include "testutil.h"

static void
check_pool(gconstpointer data)
{
    const char *path = data;
    g_autofree char *text = NULL;
    gsize len;
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = NULL;

    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    def = vstor_pool_def_parse(text, 0, &err);
    if (!def) {
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, !=, "");
    } else {
        g_autofree char *out = vstor_pool_def_format(def);
        g_autoptr(VstorPoolDef) again = vstor_pool_def_parse(out, 0, &err);
        g_autofree char *out2 = NULL;

        g_assert_no_error(err);
        out2 = vstor_pool_def_format(again);
        g_assert_cmpstr(out, ==, out2);
    }
}

static void
check_vol(gconstpointer data)
{
    const char *path = data;
    g_autofree char *raw = NULL;
    gsize len;
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    VstorPoolType type;
    unsigned int flags;
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(path, &raw, &len, NULL));
    if (len < 1)
        return;
    /* Same framing as fuzz-vol-xml: the first byte picks pool type and flags. */
    type = (VstorPoolType)((guint8)raw[0] % VSTOR_POOL_TYPE_LAST);
    flags = ((guint8)raw[0] / VSTOR_POOL_TYPE_LAST) % 4;
    text = g_strndup(raw + 1, len - 1);
    def = vstor_vol_def_parse(type, text, flags, &err);
    if (!def) {
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, !=, "");
    } else {
        g_autofree char *out = vstor_vol_def_format(type, def);
        g_autoptr(VstorVolDef) again = vstor_vol_def_parse(type, out, flags, &err);
        g_autofree char *out2 = NULL;

        g_assert_no_error(err);
        out2 = vstor_vol_def_format(type, again);
        g_assert_cmpstr(out, ==, out2);
    }
}

static void
check_secret(gconstpointer data)
{
    const char *path = data;
    g_autofree char *text = NULL;
    gsize len;
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorSecretDef) def = NULL;

    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    def = vstor_secret_def_parse(text, &err);
    if (!def) {
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, !=, "");
    } else {
        g_autofree char *out = vstor_secret_def_format(def);
        g_autoptr(VstorSecretDef) again = vstor_secret_def_parse(out, &err);
        g_autofree char *out2 = NULL;

        g_assert_no_error(err);
        out2 = vstor_secret_def_format(again);
        g_assert_cmpstr(out, ==, out2);
    }
}

static void
add_dir(const char *kind, GTestDataFunc fn)
{
    g_autofree char *dir = g_build_filename(test_source_root(), "fuzz", "regressions", kind, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    if (!d)
        return;
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *name = g_strdup_printf("/fuzz-regress/%s/%s", kind, ent);

        if (ent[0] == '.')
            continue;
        g_test_add_data_func_full(name, g_build_filename(dir, ent, NULL), fn, g_free);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    add_dir("pool", check_pool);
    add_dir("vol", check_vol);
    add_dir("secret", check_secret);
    return g_test_run();
}
