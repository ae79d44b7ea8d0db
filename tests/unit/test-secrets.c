/* test-secrets.c: the secret store on a temp directory — libvirt's define rules, lookups,
 * list flags, values, private secrets, file modes and atomicity, and a restart. */
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "testutil.h"
#include "storage/secrets.h"
#include "util/error.h"
#include "util/fileio.h"

#define UUID_A "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
#define UUID_B "1b81f5b2-8403-7b23-c8d6-21ccc2f80d6f"

typedef struct {
    char *dir;
    VstorSecretStore *st;
} Fixture;

static void
fx_setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *tmp = g_dir_make_tmp("vstor-secrets-XXXXXX", NULL);

    fx->dir = g_build_filename(tmp, "etc", "secrets", NULL);
    fx->st = vstor_secret_store_open(fx->dir, &err);
    g_assert_no_error(err);
}

static void
fx_teardown(Fixture *fx, gconstpointer data)
{
    g_autofree char *etc = g_path_get_dirname(fx->dir);
    g_autofree char *tmp = g_path_get_dirname(etc);

    vstor_secret_store_free(fx->st);
    test_rm_rf(tmp);
    g_free(fx->dir);
}

static void
fx_restart(Fixture *fx)
{
    g_autoptr(GError) err = NULL;

    vstor_secret_store_free(fx->st);
    fx->st = vstor_secret_store_open(fx->dir, &err);
    g_assert_no_error(err);
}

static void
define_ok(Fixture *fx, const char *xml, VstorSecretId *ret_id)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_secret_define(fx->st, xml, 0, ret_id, &err), ==, 0);
    g_assert_no_error(err);
}

static void
uuid_of(const char *str, guint8 *ret)
{
    g_assert_true(vstor_uuid_parse(str, ret));
}

static mode_t
file_mode(Fixture *fx, const char *name)
{
    g_autofree char *p = g_build_filename(fx->dir, name, NULL);
    struct stat sb;

    if (stat(p, &sb) < 0)
        return (mode_t)-1;
    return sb.st_mode & 07777;
}

static void
test_define_lookup_value_restart(Fixture *fx, gconstpointer data)
{
    g_auto(VstorSecretId) id = {0};
    g_auto(VstorSecretId) by_usage = {0};
    g_autoptr(GError) err = NULL;
    g_autofree guint8 *value = NULL;
    g_autofree char *xml = NULL;
    guint8 uuid[VSTOR_UUID_LEN];
    gsize len = 0;

    define_ok(fx,
              "<secret><uuid>" UUID_A "</uuid><usage type='ceph'><name>client.admin</name>"
              "</usage></secret>",
              &id);
    uuid_of(UUID_A, uuid);
    g_assert_true(memcmp(id.uuid, uuid, VSTOR_UUID_LEN) == 0);
    g_assert_cmpint(id.usage_type, ==, VSTOR_SECRET_USAGE_CEPH);
    g_assert_cmpstr(id.usage_id, ==, "client.admin");
    g_assert_cmpint(file_mode(fx, UUID_A ".xml"), ==, 0600);
    g_assert_cmpint(file_mode(fx, UUID_A ".base64"), ==, (mode_t)-1);

    g_assert_cmpint(vstor_secret_lookup_by_usage(fx->st, VSTOR_SECRET_USAGE_CEPH, "client.admin",
                                                 &by_usage, &err),
                    ==, 0);
    g_assert_true(memcmp(by_usage.uuid, uuid, VSTOR_UUID_LEN) == 0);
    g_assert_cmpint(vstor_secret_lookup_by_usage(fx->st, VSTOR_SECRET_USAGE_TLS, "client.admin",
                                                 &by_usage, &err),
                    ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
    g_assert_true(g_str_has_suffix(err->message, "no secret with matching usage 'client.admin'"));
    g_clear_error(&err);

    value = vstor_secret_get_value(fx->st, uuid, 0, FALSE, &len, &err);
    g_assert_null(value);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
    g_assert_true(g_str_has_suffix(err->message, "secret '" UUID_A "' does not have a value"));
    g_clear_error(&err);

    g_assert_cmpint(vstor_secret_set_value(fx->st, uuid, (const guint8 *)"s3cr\0t", 6, 0, &err), ==,
                    0);
    g_assert_no_error(err);
    g_assert_cmpint(file_mode(fx, UUID_A ".base64"), ==, 0600);

    fx_restart(fx);
    g_assert_cmpuint(vstor_secret_count(fx->st), ==, 1);
    value = vstor_secret_get_value(fx->st, uuid, 0, FALSE, &len, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(len, ==, 6);
    g_assert_true(memcmp(value, "s3cr\0t", 6) == 0);
    xml = vstor_secret_get_xml(fx->st, uuid, 0, &err);
    g_assert_cmpstr(xml, ==,
                    "<secret ephemeral='no' private='no'>\n  <uuid>" UUID_A "</uuid>\n"
                    "  <usage type='ceph'>\n    <name>client.admin</name>\n  </usage>\n"
                    "</secret>\n");
    g_assert_null(vstor_secret_get_xml(fx->st, uuid, 1, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);

    g_assert_cmpint(vstor_secret_undefine(fx->st, uuid, &err), ==, 0);
    g_assert_cmpint(file_mode(fx, UUID_A ".xml"), ==, (mode_t)-1);
    g_assert_cmpint(file_mode(fx, UUID_A ".base64"), ==, (mode_t)-1);
    g_assert_cmpint(vstor_secret_undefine(fx->st, uuid, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
    g_assert_true(g_str_has_suffix(err->message, "no secret with matching uuid '" UUID_A "'"));
    g_clear_error(&err);
    fx_restart(fx);
    g_assert_cmpuint(vstor_secret_count(fx->st), ==, 0);
}

static void
test_redefine_rules(Fixture *fx, gconstpointer data)
{
    g_auto(VstorSecretId) id = {0};
    g_autoptr(GError) err = NULL;
    guint8 uuid[VSTOR_UUID_LEN];

    uuid_of(UUID_A, uuid);
    define_ok(fx,
              "<secret private='yes'><uuid>" UUID_A "</uuid><usage type='volume'>"
              "<volume>/v/a.img</volume></usage></secret>",
              &id);
    vstor_secret_id_clear(&id);
    /* Same uuid, other usage. */
    g_assert_cmpint(vstor_secret_define(fx->st,
                                        "<secret private='yes'><uuid>" UUID_A "</uuid>"
                                        "<usage type='volume'><volume>/v/b.img</volume></usage>"
                                        "</secret>",
                                        0, &id, &err),
                    ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_true(g_str_has_suffix(err->message, "a secret with UUID " UUID_A
                                                 " is already defined for use with /v/a.img"));
    g_clear_error(&err);
    /* Private cannot be dropped. */
    g_assert_cmpint(vstor_secret_define(fx->st,
                                        "<secret><uuid>" UUID_A "</uuid><usage type='volume'>"
                                        "<volume>/v/a.img</volume></usage></secret>",
                                        0, &id, &err),
                    ==, -1);
    g_assert_true(g_str_has_suffix(err->message, "cannot change private flag on existing secret"));
    g_clear_error(&err);
    /* Another uuid, same usage. */
    g_assert_cmpint(vstor_secret_define(fx->st,
                                        "<secret><uuid>" UUID_B "</uuid><usage type='volume'>"
                                        "<volume>/v/a.img</volume></usage></secret>",
                                        0, &id, &err),
                    ==, -1);
    g_assert_true(g_str_has_suffix(err->message, "a secret with UUID " UUID_A
                                                 " already defined for use with /v/a.img"));
    g_clear_error(&err);
    /* The same usage id under another type is another usage. */
    define_ok(fx,
              "<secret><uuid>" UUID_B "</uuid><usage type='iscsi'><target>/v/a.img</target>"
              "</usage></secret>",
              &id);
    vstor_secret_id_clear(&id);
    /* Secrets without usage never collide. */
    define_ok(fx, "<secret/>", &id);
    vstor_secret_id_clear(&id);
    define_ok(fx, "<secret/>", &id);
    vstor_secret_id_clear(&id);
    g_assert_cmpuint(vstor_secret_count(fx->st), ==, 4);
    /* Redefinition that keeps usage and privacy replaces the description. */
    define_ok(fx,
              "<secret private='yes'><uuid>" UUID_A "</uuid><description>new</description>"
              "<usage type='volume'><volume>/v/a.img</volume></usage></secret>",
              &id);
    fx_restart(fx);
    {
        g_autofree char *xml = vstor_secret_get_xml(fx->st, uuid, 0, &err);

        g_assert_no_error(err);
        g_assert_nonnull(strstr(xml, "<description>new</description>"));
        g_assert_nonnull(strstr(xml, "private='yes'"));
    }
    g_assert_cmpuint(vstor_secret_count(fx->st), ==, 4);
    g_assert_cmpint(vstor_secret_define(fx->st, "<secret/>", 2, &id, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_cmpint(vstor_secret_define(fx->st, "<secret ephemeral='x'/>", 0, &id, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_XML_ERROR);
}

static void
test_ephemeral_and_private(Fixture *fx, gconstpointer data)
{
    g_auto(VstorSecretId) id = {0};
    g_autoptr(GError) err = NULL;
    g_autofree guint8 *value = NULL;
    guint8 uuid[VSTOR_UUID_LEN];
    gsize len = 0;

    uuid_of(UUID_A, uuid);
    define_ok(fx, "<secret ephemeral='yes' private='yes'><uuid>" UUID_A "</uuid></secret>", &id);
    g_assert_cmpint(file_mode(fx, UUID_A ".xml"), ==, (mode_t)-1);
    g_assert_cmpint(vstor_secret_set_value(fx->st, uuid, (const guint8 *)"pw", 2, 0, &err), ==, 0);
    g_assert_cmpint(file_mode(fx, UUID_A ".base64"), ==, (mode_t)-1);
    g_assert_null(vstor_secret_get_value(fx->st, uuid, 0, FALSE, &len, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_SECRET);
    g_assert_true(g_str_has_suffix(err->message, "secret is private"));
    g_clear_error(&err);
    value = vstor_secret_get_value(fx->st, uuid, 0, TRUE, &len, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(len, ==, 2);

    /* Becoming persistent saves the value kept so far. */
    vstor_secret_id_clear(&id);
    define_ok(fx, "<secret private='yes'><uuid>" UUID_A "</uuid></secret>", &id);
    g_assert_cmpint(file_mode(fx, UUID_A ".xml"), ==, 0600);
    g_assert_cmpint(file_mode(fx, UUID_A ".base64"), ==, 0600);
    fx_restart(fx);
    g_assert_cmpuint(vstor_secret_count(fx->st), ==, 1);
    /* And ephemeral again: the files go. */
    vstor_secret_id_clear(&id);
    define_ok(fx, "<secret ephemeral='yes' private='yes'><uuid>" UUID_A "</uuid></secret>", &id);
    g_assert_cmpint(file_mode(fx, UUID_A ".xml"), ==, (mode_t)-1);
    g_assert_cmpint(file_mode(fx, UUID_A ".base64"), ==, (mode_t)-1);
    fx_restart(fx);
    g_assert_cmpuint(vstor_secret_count(fx->st), ==, 0);
}

static void
test_list_flags(Fixture *fx, gconstpointer data)
{
    static const char *const defs[] = {
        "<secret ephemeral='no' private='no'><uuid>" UUID_B "</uuid></secret>",
        "<secret ephemeral='yes' private='no'><uuid>" UUID_A "</uuid></secret>",
        "<secret ephemeral='no' private='yes'/>",
        "<secret ephemeral='yes' private='yes'/>",
    };
    static const struct {
        unsigned int flags;
        guint expected;
    } cases[] = {
        {0, 4},
        {VSTOR_LIST_SECRETS_EPHEMERAL, 2},
        {VSTOR_LIST_SECRETS_NO_EPHEMERAL, 2},
        {VSTOR_LIST_SECRETS_EPHEMERAL | VSTOR_LIST_SECRETS_NO_EPHEMERAL, 4},
        {VSTOR_LIST_SECRETS_PRIVATE, 2},
        {VSTOR_LIST_SECRETS_NO_PRIVATE | VSTOR_LIST_SECRETS_EPHEMERAL, 1},
        {VSTOR_LIST_SECRETS_PRIVATE | VSTOR_LIST_SECRETS_NO_EPHEMERAL, 1},
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) all = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(defs); i++) {
        g_auto(VstorSecretId) id = {0};

        define_ok(fx, defs[i], &id);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GPtrArray) ids = vstor_secret_list(fx->st, cases[i].flags, &err);

        g_assert_no_error(err);
        g_assert_cmpuint(ids->len, ==, cases[i].expected);
    }
    all = vstor_secret_list(fx->st, 0, &err);
    for (guint i = 1; i < all->len; i++)
        g_assert_cmpint(memcmp(((VstorSecretId *)all->pdata[i - 1])->uuid,
                               ((VstorSecretId *)all->pdata[i])->uuid, VSTOR_UUID_LEN),
                        <, 0);
    g_assert_cmpstr(((VstorSecretId *)all->pdata[0])->usage_id, ==, "");
    g_assert_null(vstor_secret_list(fx->st, 1 << 4, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
}

/* Files the daemon did not write, or that were damaged, are skipped at start-up. */
static void
test_load_skips_bad_files(Fixture *fx, gconstpointer data)
{
    g_autofree char *wrong_name = g_build_filename(fx->dir, UUID_B ".xml", NULL);
    g_autofree char *garbage = g_build_filename(fx->dir, "garbage.xml", NULL);
    g_autofree char *temp =
        g_build_filename(fx->dir, "." UUID_A ".xml" VSTOR_TEMP_MARK "123456", NULL);

    g_assert_true(
        g_file_set_contents(wrong_name, "<secret><uuid>" UUID_A "</uuid></secret>", -1, NULL));
    g_assert_true(g_file_set_contents(garbage, "<secret", -1, NULL));
    g_assert_true(g_file_set_contents(temp, "<secret/>", -1, NULL));
    fx_restart(fx);
    g_assert_cmpuint(vstor_secret_count(fx->st), ==, 0);
    g_assert_false(g_file_test(temp, G_FILE_TEST_EXISTS));
}

static void
test_set_value_unknown(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    guint8 uuid[VSTOR_UUID_LEN];
    gsize len;

    uuid_of(UUID_A, uuid);
    g_assert_cmpint(vstor_secret_set_value(fx->st, uuid, (const guint8 *)"x", 1, 0, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
    g_clear_error(&err);
    g_assert_null(vstor_secret_get_value(fx->st, uuid, 0, TRUE, &len, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
}

static void
record_event(const VstorSecretId *id, VstorSecretEventType event, gpointer data)
{
    char uuid[VSTOR_UUID_STRING_LEN];

    vstor_uuid_format(id->uuid, uuid);
    g_ptr_array_add(data, g_strdup_printf("%s %d %s", uuid, (int)event, id->usage_id));
}

static void
test_events(Fixture *fx, gconstpointer data)
{
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    g_auto(VstorSecretId) id = {0};
    g_auto(VstorSecretId) bad = {0};
    guint8 raw[VSTOR_UUID_LEN];
    guint sub = vstor_secret_store_subscribe(fx->st, record_event, seen);

    g_assert_cmpuint(sub, >, 0);
    define_ok(fx,
              "<secret><uuid>" UUID_A "</uuid><usage type='volume'><volume>/v/a</volume>"
              "</usage></secret>",
              &id);
    g_assert_cmpint(vstor_secret_set_value(fx->st, id.uuid, (const guint8 *)"pw", 2, 0, &err), ==,
                    0);
    /* Failures send nothing: a conflicting usage, a value for an unknown secret. */
    g_assert_cmpint(vstor_secret_define(fx->st,
                                        "<secret><uuid>" UUID_B "</uuid><usage type='volume'>"
                                        "<volume>/v/a</volume></usage></secret>",
                                        0, &bad, &err),
                    ==, -1);
    g_clear_error(&err);
    uuid_of(UUID_B, raw);
    g_assert_cmpint(vstor_secret_set_value(fx->st, raw, (const guint8 *)"x", 1, 0, &err), ==, -1);
    g_clear_error(&err);
    g_assert_cmpint(vstor_secret_undefine(fx->st, id.uuid, &err), ==, 0);
    g_assert_cmpuint(seen->len, ==, 3);
    g_assert_cmpstr(seen->pdata[0], ==, UUID_A " 0 /v/a");
    g_assert_cmpstr(seen->pdata[1], ==, UUID_A " 2 /v/a");
    g_assert_cmpstr(seen->pdata[2], ==, UUID_A " 1 /v/a");

    vstor_secret_store_unsubscribe(fx->st, sub);
    define_ok(fx, "<secret><uuid>" UUID_A "</uuid></secret>", &bad);
    g_assert_cmpuint(seen->len, ==, 3);
}

/* What the backends use for encrypted volumes: by uuid or by usage, volume secrets only. */
static void
test_volume_value(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_auto(VstorSecretId) id = {0};
    g_auto(VstorSecretId) ceph = {0};
    VstorEncryptionSecret sec = {.lookup = VSTOR_SECRET_LOOKUP_USAGE, .usage = (char *)"/v/b"};
    guint8 found[VSTOR_UUID_LEN];
    g_autofree guint8 *value = NULL;
    gsize len = 0;

    define_ok(fx,
              "<secret private='yes'><uuid>" UUID_A "</uuid><usage type='volume'>"
              "<volume>/v/b</volume></usage></secret>",
              &id);
    g_assert_null(vstor_secret_volume_value(fx->st, &sec, &len, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
    g_clear_error(&err);
    g_assert_cmpint(vstor_secret_set_value(fx->st, id.uuid, (const guint8 *)"pw", 2, 0, &err), ==,
                    0);
    /* Private values are read: the storage driver needs them itself. */
    value = vstor_secret_volume_value(fx->st, &sec, &len, &err);
    g_assert_no_error(err);
    g_assert_cmpmem(value, len, "pw", 2);
    g_assert_true(vstor_secret_volume_find(fx->st, "/v/b", found));
    g_assert_cmpmem(found, VSTOR_UUID_LEN, id.uuid, VSTOR_UUID_LEN);
    g_assert_false(vstor_secret_volume_find(fx->st, "/v/other", found));

    define_ok(fx,
              "<secret><uuid>" UUID_B "</uuid><usage type='ceph'><name>c</name></usage>"
              "</secret>",
              &ceph);
    sec.lookup = VSTOR_SECRET_LOOKUP_UUID;
    memcpy(sec.uuid, ceph.uuid, VSTOR_UUID_LEN);
    g_assert_null(vstor_secret_volume_value(fx->st, &sec, &len, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, "is of type 'ceph' not expected 'volume' type"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fx_setup, fn, fx_teardown)
    ADD("/secrets/define-lookup-value-restart", test_define_lookup_value_restart);
    ADD("/secrets/redefine-rules", test_redefine_rules);
    ADD("/secrets/ephemeral-and-private", test_ephemeral_and_private);
    ADD("/secrets/list-flags", test_list_flags);
    ADD("/secrets/load-skips-bad-files", test_load_skips_bad_files);
    ADD("/secrets/set-value-unknown", test_set_value_unknown);
    ADD("/secrets/events", test_events);
    ADD("/secrets/volume-value", test_volume_value);
#undef ADD
    return g_test_run();
}
