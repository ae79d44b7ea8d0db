/* test-cli-core.c: the CLI parts that need no connection — the hint table (which failure
 * gets which hint) and the --json forms of every pool and volume in libvirt's corpus. */
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "testutil.h"
#include "util/error.h"

static const CliOptDef opts_pool_vol[] = {
    {"vol", CLI_OPT_DATA, 0, ""},
    {"pool", CLI_OPT_STRING, 0, ""},
    {NULL},
};

/* The hint for command @name (options vol, pool set to @vol, @pool) failing with @code and
 * @message; NULL when none. */
static char *
hint(const char *name, const char *vol, const char *pool, int code, const char *message)
{
    CliCmdDef def = {name, "", "", opts_pool_vol, NULL};
    char *values[] = {(char *)vol, (char *)pool};
    CliCmd cmd = {&def, values, NULL};
    g_autoptr(GError) err = g_error_new_literal(VSTOR_ERROR, code, message);

    return cli_hint_for(&cmd, err);
}

static void
check_hint(const char *name, const char *vol, const char *pool, int code, const char *message,
           const char *expect)
{
    g_autofree char *got = hint(name, vol, pool, code, message);

    g_assert_cmpstr(got, ==, expect);
}

static void
test_hints(void)
{
    check_hint("pool-undefine", NULL, "p", VSTOR_ERR_OPERATION_INVALID,
               "Failed to undefine pool p\nerror: Requested operation is not valid: storage "
               "pool 'p' is still active",
               "stop it first with 'vstor pool-destroy p'");
    /* The name comes from the message (the pool word may have been a UUID), quoted for a
     * shell when it needs it. */
    check_hint("pool-delete", NULL, "7641d5a8-af11-f730-a34e-0a7dfcede71f",
               VSTOR_ERR_OPERATION_INVALID,
               "Failed to delete pool x\nerror: Requested operation is not valid: storage pool "
               "'my pool' is still active",
               "stop it first with 'vstor pool-destroy \"my pool\"'");
    check_hint("vol-create-as", NULL, "p", VSTOR_ERR_OPERATION_INVALID,
               "Failed to create vol b\nerror: Requested operation is not valid: storage pool "
               "'p' is not active",
               "start it first with 'vstor pool-start p'");
    check_hint("pool-info", NULL, "nope", VSTOR_ERR_NO_STORAGE_POOL,
               "failed to get pool 'nope'\nerror: Storage pool not found: no storage pool with "
               "matching name 'nope'",
               "'vstor pool-list --all' lists the pools there are");
    check_hint("vol-info", "v", "p", VSTOR_ERR_NO_STORAGE_VOL, "failed to get vol 'v'",
               "'vstor vol-list p' lists the volumes of pool p");
    check_hint("vol-create-as", NULL, "p", VSTOR_ERR_STORAGE_VOL_EXIST,
               "Failed to create vol a\nerror: storage volume 'a' exists already",
               "pick another name, or delete the old one first with 'vstor vol-delete a --pool "
               "p'");
    check_hint("pool-destroy", NULL, "p", VSTOR_ERR_OPERATION_DENIED,
               "Failed to destroy pool p\nerror: operation forbidden: read only access "
               "prevents virStoragePoolDestroy",
               "this connection is read-only; run the command without -r to change things");
    check_hint("pool-list", NULL, NULL, VSTOR_ERR_ACCESS_DENIED,
               "failed to connect to the hypervisor\nerror: access denied: uid 1000 (pid 5) is "
               "neither root nor in group 'vstor'; use the read-only socket",
               "run as root or as a member of group 'vstor' (usermod -aG vstor USER, then log "
               "in again); reading works for everyone with -r");
    check_hint("pool-destroy", NULL, "p1", VSTOR_ERR_ACCESS_DENIED,
               "Failed to destroy pool p1\nerror: access denied: 'storage' denied access "
               "(virStoragePoolDestroy needs 'manage' on pool 'p1')",
               "vstord's pool access rules do not give you 'manage' on pool 'p1': ask its "
               "administrator to add you to the 'manage' list of a [pool:...] section that "
               "matches it (vstord.conf)");
    check_hint("vol-resize", "v", "p", VSTOR_ERR_INVALID_ARG,
               "Failed to change size of volume 'v' to 1M\nerror: invalid argument: can't "
               "shrink capacity below existing allocation",
               "the volume holds more data than the new size; a smaller size would cut it off, "
               "so choose one at least its allocation ('vstor vol-info' shows it)");
    check_hint("pool-list", NULL, NULL, VSTOR_ERR_SYSTEM_ERROR,
               "failed to connect to the hypervisor\nerror: Failed to connect socket to "
               "'/run/vstor/vstord-sock': Permission denied",
               "the daemon's socket refused you: run as root or as a member of the group that "
               "owns it (unix_sock_group in vstord.conf); reading works for everyone with -r");
    check_hint("pool-destroy", NULL, "p", VSTOR_ERR_INTERNAL_ERROR,
               "Failed to destroy pool p\nerror: internal error: pool 'p' has asynchronous "
               "jobs running; wait for them or cancel them first",
               "a long job (build, clone, upload, wipe ...) is running in it; wait for it to "
               "finish, or cancel it with Ctrl-C in the vstor that started it");
    check_hint("pool-start", NULL, "p", VSTOR_ERR_SYSTEM_ERROR,
               "Failed to start pool p\nerror: cannot open directory '/x': No such file or "
               "directory",
               "its target directory does not exist yet; create it with 'vstor pool-build p'");
    /* Nothing fits: no hint rather than a wrong one. */
    g_assert_null(hint("pool-list", NULL, NULL, VSTOR_ERR_INVALID_ARG, "Invalid pool type 'x'"));
    g_assert_null(hint("pool-start", NULL, "p", VSTOR_ERR_SYSTEM_ERROR,
                       "Failed to start pool p\nerror: cannot open directory '/x': Permission "
                       "denied"));
}

static void
test_json_writer(void)
{
    g_autoptr(CliJson) j = cli_json_new();
    g_autofree char *out = NULL;

    cli_json_object(j, NULL);
    cli_json_str(j, "s", "a\"b\\c\n\x01");
    cli_json_str(j, "null", NULL);
    cli_json_uint(j, "u", G_MAXUINT64);
    cli_json_int(j, "i", -5);
    cli_json_bool(j, "b", TRUE);
    cli_json_array(j, "empty");
    cli_json_array_end(j);
    cli_json_array(j, "a");
    cli_json_str(j, NULL, "x");
    cli_json_object(j, NULL);
    cli_json_object_end(j);
    cli_json_array_end(j);
    cli_json_object_end(j);
    out = cli_json_finish(j);
    g_assert_cmpstr(out, ==,
                    "{\n  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n  \"null\": null,\n"
                    "  \"u\": 18446744073709551615,\n  \"i\": -5,\n  \"b\": true,\n"
                    "  \"empty\": [],\n  \"a\": [\n    \"x\",\n    {}\n  ]\n}\n");
}

/* Every corpus file that parses gives a document with the same number of opening and closing
 * brackets outside strings, and the members the shape promises. */
static void
check_balanced(const char *json)
{
    int depth = 0;
    gboolean in_string = FALSE;

    for (const char *p = json; *p; p++) {
        if (in_string) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_string = FALSE;
        } else if (*p == '"') {
            in_string = TRUE;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            g_assert_cmpint(--depth, >=, 0);
        }
    }
    g_assert_false(in_string);
    g_assert_cmpint(depth, ==, 0);
}

static void
test_pool_corpus(void)
{
    const char *src = test_libvirt_src();
    g_autofree char *dir = NULL;
    g_autoptr(GPtrArray) names = NULL;
    guint converted = 0;

    if (!src)
        return;
    dir = g_build_filename(src, "tests", "storagepoolxml2xmlout", NULL);
    names = test_list_xml(dir);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *file = g_strdup_printf("%s/%s.xml", dir, (char *)names->pdata[i]);
        g_autofree char *xml = test_read_file(file);
        g_autoptr(GError) err = NULL;
        g_autofree char *json = cli_pool_xml_to_json(xml, &err);

        if (!json) {
            g_assert_nonnull(err);
            continue;
        }
        converted++;
        check_balanced(json);
        g_assert_nonnull(strstr(json, "\n  \"source\": {\n"));
        g_assert_nonnull(strstr(json, "\n  \"options\": ["));
        if (g_str_equal(names->pdata[i], "pool-rbd"))
            g_assert_nonnull(strstr(json, "\"type\": \"ceph\",\n      \"username\": \"admin\""));
        if (g_str_equal(names->pdata[i], "pool-netfs-ns-mountopts"))
            g_assert_nonnull(strstr(json, "\"options_namespace\": \"fs\""));
        if (g_str_equal(names->pdata[i], "pool-scsi-type-fc-host-managed"))
            g_assert_nonnull(strstr(json, "\"type\": \"fc_host\""));
    }
    g_assert_cmpuint(converted, >, 30);
}

static void
test_vol_corpus(void)
{
    const char *src = test_libvirt_src();
    g_autofree char *dir = NULL;
    g_autoptr(GPtrArray) names = NULL;
    const char *pool_xml = "<pool type='dir'><name>p</name><target><path>/p</path></target>"
                           "</pool>";
    guint converted = 0;

    if (!src)
        return;
    dir = g_build_filename(src, "tests", "storagevolxml2xmlout", NULL);
    names = test_list_xml(dir);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *file = g_strdup_printf("%s/%s.xml", dir, (char *)names->pdata[i]);
        g_autofree char *xml = test_read_file(file);
        g_autoptr(GError) err = NULL;
        g_autofree char *json = cli_vol_xml_to_json(xml, pool_xml, &err);

        if (!json) {
            g_assert_nonnull(err);
            continue;
        }
        converted++;
        check_balanced(json);
        g_assert_nonnull(strstr(json, "\n  \"target\": {\n"));
        if (g_str_equal(names->pdata[i], "vol-luks-cipher"))
            g_assert_nonnull(strstr(json, "\"cipher\": {\n        \"name\": \"serpent\""));
    }
    g_assert_cmpuint(converted, >, 10);
}

static void
test_caps(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *json = cli_pool_caps_xml_to_json(
        "<storagepoolCapabilities><pool type='fs' supported='yes'><poolOptions><defaultFormat "
        "type='auto'/><enum name='sourceFormatType'><value>auto</value><value>ext4</value>"
        "</enum></poolOptions></pool></storagepoolCapabilities>",
        &err);

    g_assert_no_error(err);
    g_assert_cmpstr(json, ==,
                    "[\n  {\n    \"type\": \"fs\",\n    \"supported\": true,\n"
                    "    \"pool_options\": {\n      \"default_format\": \"auto\",\n"
                    "      \"formats\": [\n        \"auto\",\n        \"ext4\"\n      ]\n"
                    "    },\n    \"vol_options\": null\n  }\n]\n");
    g_assert_null(cli_pool_caps_xml_to_json("<pool/>", &err));
    g_assert_nonnull(err);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cli/hints", test_hints);
    g_test_add_func("/cli/json/writer", test_json_writer);
    g_test_add_func("/cli/json/pool-corpus", test_pool_corpus);
    g_test_add_func("/cli/json/vol-corpus", test_vol_corpus);
    g_test_add_func("/cli/json/caps", test_caps);
    return g_test_run();
}
