/* cmd-secret.c: the secret commands — secret-define, -undefine, -list (virsh's filters and
 * table), -dumpxml, -set-value, -get-value and -event; --json on list and dumpxml. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "conf/secret_conf.h"
#include "util/error.h"

/* virsh reads a secret value file of at most this many bytes. */
#define SECRET_VALUE_FILE_MAX 1024

#define SECRET_OPT                                                                                 \
    {                                                                                              \
        "secret", CLI_OPT_DATA, CLI_OPT_REQUIRED, "secret UUID"                                    \
    }

static const CliOptDef define_opts[] = {
    {"file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing secret attributes in XML"},
    {"validate", CLI_OPT_BOOL, 0, "validate the XML against the schema"},
    {NULL},
};

static const CliOptDef dumpxml_opts[] = {
    SECRET_OPT,
    {"json", CLI_OPT_BOOL, 0,
     "print the definition as one JSON object: uuid, description, ephemeral, private "
     "(booleans), usage_type, usage_id (see vstor(1))"},
    {NULL},
};

static const CliOptDef set_value_opts[] = {
    SECRET_OPT,
    {"file", CLI_OPT_STRING, CLI_OPT_NAMED, "read secret from file"},
    {"plain", CLI_OPT_BOOL, 0, "read the secret from file without converting from base64"},
    {"interactive", CLI_OPT_BOOL, 0, "read the secret from the terminal"},
    {"base64", CLI_OPT_STRING, 0, "base64-encoded secret value"},
    {NULL},
};

static const CliOptDef get_value_opts[] = {
    SECRET_OPT,
    {"plain", CLI_OPT_BOOL, 0, "get value without converting to base64"},
    {NULL},
};

static const CliOptDef undefine_opts[] = {
    SECRET_OPT,
    {NULL},
};

static const CliOptDef list_opts[] = {
    {"ephemeral", CLI_OPT_BOOL, 0, "list ephemeral secrets"},
    {"no-ephemeral", CLI_OPT_BOOL, 0, "list non-ephemeral secrets"},
    {"private", CLI_OPT_BOOL, 0, "list private secrets"},
    {"no-private", CLI_OPT_BOOL, 0, "list non-private secrets"},
    {"json", CLI_OPT_BOOL, 0,
     "print a JSON array with one object per secret: uuid, usage_type, usage_id, ephemeral, "
     "private (booleans)"},
    {NULL},
};

/* Frees a buffer that held (part of) a secret value, wiping it first. */
static void
wipe_free(void *buf, gsize len)
{
    if (!buf)
        return;
    explicit_bzero(buf, len);
    g_free(buf);
}

/* The secret option @opt names (a UUID), with *ret_uuid set to the word given. Fails with
 * virsh's "failed to get secret 'X'" and the library's reason. */
static VstorStorageSecret *
secret_arg(CliCtl *ctl, const CliCmd *cmd, const char **ret_uuid, GError **err)
{
    g_autoptr(GError) lib = NULL;
    VstorStorageSecret *secret;
    VstorConnect *conn;
    const char *uuid;

    if (cli_opt_string(cmd, "secret", &uuid, err) < 0)
        return NULL;
    if (!(conn = cli_conn(ctl, err)))
        return NULL;
    if (!(secret = vstor_storage_secret_lookup_by_uuid_string(conn, uuid, &lib))) {
        cli_set_lib_error(err, lib, "failed to get secret '%s'", uuid);
        return NULL;
    }
    if (ret_uuid)
        *ret_uuid = uuid;
    return secret;
}

static gboolean
cmd_secret_define(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageSecret) secret = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    unsigned int flags = 0;
    VstorConnect *conn;
    const char *file;

    if (cli_opt_string(cmd, "file", &file, err) < 0 || !(conn = cli_conn(ctl, err)))
        return FALSE;
    if (cli_opt_given(cmd, "validate"))
        flags |= VSTOR_STORAGE_SECRET_DEFINE_VALIDATE;
    if (!(xml = cli_read_file(file, err)))
        return FALSE;
    if (!(secret = vstor_storage_secret_define_xml(conn, xml, flags, &lib))) {
        cli_set_lib_error(err, lib, "Failed to set attributes from %s", file);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Secret %s created\n", vstor_storage_secret_get_uuid_string(secret));
    return TRUE;
}

static gboolean
cmd_secret_undefine(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageSecret) secret = NULL;
    g_autoptr(GError) lib = NULL;
    const char *uuid = NULL;

    if (!(secret = secret_arg(ctl, cmd, &uuid, err)))
        return FALSE;
    if (vstor_storage_secret_undefine(secret, &lib) < 0) {
        cli_set_lib_error(err, lib, "Failed to delete secret %s", uuid);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Secret %s deleted\n", uuid);
    return TRUE;
}

/* The definition of @secret, parsed; NULL with the library's or parser's error. */
static VstorSecretDef *
secret_def(VstorStorageSecret *secret, GError **err)
{
    g_autofree char *xml = vstor_storage_secret_get_xml_desc(secret, 0, err);

    return xml ? vstor_secret_def_parse(xml, err) : NULL;
}

/* The members list and dumpxml share: usage_type, usage_id, ephemeral, private. */
static void
json_def_members(CliJson *j, const VstorSecretDef *def)
{
    const char *type = vstor_secret_usage_type_to_string(def->usage_type);

    cli_json_str(j, "usage_type", type ? type : "none");
    cli_json_str(j, "usage_id", def->usage_type ? def->usage_id : NULL);
    cli_json_bool(j, "ephemeral", def->ephemeral);
    cli_json_bool(j, "private", def->private_);
}

static gboolean
print_list_json(GPtrArray *secrets, GError **err)
{
    g_autoptr(CliJson) j = cli_json_new();
    g_autofree char *out = NULL;

    cli_json_array(j, NULL);
    for (guint i = 0; i < secrets->len; i++) {
        VstorStorageSecret *s = secrets->pdata[i];
        g_autoptr(GError) lib = NULL;
        g_autoptr(VstorSecretDef) def = secret_def(s, &lib);

        if (!def) {
            cli_set_lib_error(err, lib, "Failed to get secret %s",
                              vstor_storage_secret_get_uuid_string(s));
            return FALSE;
        }
        cli_json_object(j, NULL);
        cli_json_str(j, "uuid", vstor_storage_secret_get_uuid_string(s));
        json_def_members(j, def);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    out = cli_json_finish(j);
    fputs(out, stdout);
    return TRUE;
}

static gboolean
cmd_secret_list(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } filters[] = {
        {"ephemeral", VSTOR_CONNECT_LIST_SECRETS_EPHEMERAL},
        {"no-ephemeral", VSTOR_CONNECT_LIST_SECRETS_NO_EPHEMERAL},
        {"private", VSTOR_CONNECT_LIST_SECRETS_PRIVATE},
        {"no-private", VSTOR_CONNECT_LIST_SECRETS_NO_PRIVATE},
    };
    g_autoptr(GPtrArray) secrets = NULL;
    g_autoptr(CliTable) table = NULL;
    g_autoptr(GError) lib = NULL;
    unsigned int flags = 0;
    VstorConnect *conn;

    for (guint i = 0; i < G_N_ELEMENTS(filters); i++)
        if (cli_opt_given(cmd, filters[i].opt))
            flags |= filters[i].flag;
    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if (!(secrets = vstor_connect_list_all_secrets(conn, flags, &lib))) {
        cli_set_lib_error(err, lib, "Failed to list node secrets");
        return FALSE;
    }
    if (cli_opt_given(cmd, "json"))
        return print_list_json(secrets, err);

    table = cli_table_new("UUID", "Usage", NULL);
    for (guint i = 0; i < secrets->len; i++) {
        VstorStorageSecret *s = secrets->pdata[i];
        int type = vstor_storage_secret_get_usage_type(s);
        const char *type_name = vstor_secret_usage_type_to_string(type);
        g_autofree char *usage = NULL;

        if (type != VSTOR_STORAGE_SECRET_USAGE_NONE)
            usage = g_strdup_printf("%s %s", type_name ? type_name : "",
                                    vstor_storage_secret_get_usage_id(s));
        cli_table_add(table, vstor_storage_secret_get_uuid_string(s), usage ? usage : "Unused",
                      NULL);
    }
    cli_table_print(table, !ctl->quiet);
    return TRUE;
}

static gboolean
cmd_secret_dumpxml(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageSecret) secret = NULL;
    g_autoptr(VstorSecretDef) def = NULL;
    g_autoptr(CliJson) j = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *out = NULL;

    if (!(secret = secret_arg(ctl, cmd, NULL, err)))
        return FALSE;
    if (!(xml = vstor_storage_secret_get_xml_desc(secret, 0, &lib))) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    if (!cli_opt_given(cmd, "json")) {
        fputs(xml, stdout);
        return TRUE;
    }
    if (!(def = vstor_secret_def_parse(xml, &lib))) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    j = cli_json_new();
    cli_json_object(j, NULL);
    cli_json_str(j, "uuid", vstor_storage_secret_get_uuid_string(secret));
    cli_json_str(j, "description", def->description);
    json_def_members(j, def);
    cli_json_object_end(j);
    out = cli_json_finish(j);
    fputs(out, stdout);
    return TRUE;
}

/* Up to SECRET_VALUE_FILE_MAX bytes of @path, NUL-terminated, with libvirt's errors for a
 * file that cannot be opened or read or is larger. */
static char *
read_value_file(const char *path, gsize *ret_len, GError **err)
{
    g_autofree char *buf = g_malloc0(SECRET_VALUE_FILE_MAX + 2);
    gsize len = 0;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "Failed to open file '%s'", path);
        return NULL;
    }
    while (len <= SECRET_VALUE_FILE_MAX) {
        ssize_t n = read(fd, buf + len, SECRET_VALUE_FILE_MAX + 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;

            close(fd);
            explicit_bzero(buf, len);
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, saved, "Failed to read file '%s'",
                                  path);
            return NULL;
        }
        if (n == 0)
            break;
        len += (gsize)n;
    }
    close(fd);
    if (len > SECRET_VALUE_FILE_MAX) {
        explicit_bzero(buf, len);
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, EOVERFLOW, "Failed to read file '%s'",
                              path);
        return NULL;
    }
    *ret_len = len;
    return g_steal_pointer(&buf);
}

static gboolean
cmd_secret_set_value(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    static const char *const exclusive[][2] = {
        {"file", "base64"},       {"plain", "base64"},     {"interactive", "base64"},
        {"interactive", "plain"}, {"interactive", "file"},
    };
    g_autoptr(VstorStorageSecret) secret = NULL;
    g_autoptr(GError) lib = NULL;
    gboolean plain = cli_opt_given(cmd, "plain");
    const char *base64 = NULL, *file = NULL;
    char *value = NULL;
    gsize len = 0;
    int rc;

    for (guint i = 0; i < G_N_ELEMENTS(exclusive); i++)
        if (cli_opts_exclusive(cmd, exclusive[i][0], exclusive[i][1], err) < 0)
            return FALSE;
    if (!(secret = secret_arg(ctl, cmd, NULL, err)))
        return FALSE;
    if (cli_opt_string(cmd, "base64", &base64, err) < 0 ||
        cli_opt_string(cmd, "file", &file, err) < 0)
        return FALSE;

    if (base64) {
        /* virsh says so and goes on. */
        cli_print_error("Passing secret value as command-line argument is insecure!");
        value = g_strdup(base64);
        len = strlen(value);
    } else if (file) {
        if (!(value = read_value_file(file, &len, err)))
            return FALSE;
    } else if (cli_opt_given(cmd, "interactive")) {
        const char *typed;

        printf("Enter new value for secret:");
        fflush(stdout);
        /* As virsh reads it: the terminal with echo off (stdin when there is none). */
        if (!(typed = getpass(""))) {
            cli_set_error(err, "Failed to read secret");
            return FALSE;
        }
        value = g_strdup(typed);
        len = strlen(value);
        explicit_bzero((char *)typed, len);
        plain = TRUE;
    } else {
        cli_set_error(err, "Input secret value is missing");
        return FALSE;
    }

    if (!plain) {
        /* As virsh: the text up to its first NUL, characters outside base64 skipped. */
        char *text = value;
        gsize text_len = len;

        value = (char *)g_base64_decode(text, &len);
        wipe_free(text, text_len);
    }
    rc = vstor_storage_secret_set_value(secret, (const guint8 *)value, len, 0, &lib);
    wipe_free(value, len);
    if (rc < 0) {
        cli_set_lib_error(err, lib, "Failed to set secret value");
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Secret value set\n");
    return TRUE;
}

static gboolean
cmd_secret_get_value(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageSecret) secret = NULL;
    g_autoptr(GError) lib = NULL;
    guint8 *value;
    gsize len = 0;
    gboolean ok = TRUE;

    if (!(secret = secret_arg(ctl, cmd, NULL, err)))
        return FALSE;
    if (!(value = vstor_storage_secret_get_value(secret, &len, 0, &lib))) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    if (cli_opt_given(cmd, "plain")) {
        if (fwrite(value, 1, len, stdout) != len) {
            cli_set_error(err, "failed to write secret");
            ok = FALSE;
        }
    } else {
        char *text = g_base64_encode(value, len);

        fputs(text, stdout);
        wipe_free(text, strlen(text));
    }
    wipe_free(value, len);
    return ok;
}

/* --- secret-event --- */

/* The event names of --event and --list, by VstorStorageSecretEventID. */
static const char *const event_names[] = {"lifecycle", "value-changed", NULL};

static void
on_event(VstorConnect *conn, VstorStorageSecret *secret, VstorStorageSecretEventType event,
         gpointer p)
{
    const char *uuid = vstor_storage_secret_get_uuid_string(secret);

    if (event == VSTOR_STORAGE_SECRET_EVENT_VALUE_CHANGED)
        cli_event_wait_report(p, "event 'value-changed' for secret %s", uuid);
    else
        cli_event_wait_report(p, "event 'lifecycle' for secret %s: %s", uuid,
                              event == VSTOR_STORAGE_SECRET_EVENT_DEFINED     ? "Defined"
                              : event == VSTOR_STORAGE_SECRET_EVENT_UNDEFINED ? "Undefined"
                                                                              : "unknown");
}

static gboolean
cmd_secret_event(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageSecret) secret = NULL;
    g_autoptr(GError) lib = NULL;
    g_autoptr(CliEventWait) w = NULL;
    gboolean listed;
    VstorConnect *conn;
    int id, which;

    if ((which = cli_event_choice(cmd, event_names, &listed, err)) < 0)
        return FALSE;
    if (listed)
        return TRUE;
    if (!(w = cli_event_wait_new(cmd, which, err)))
        return FALSE;
    if (cli_opt_given(cmd, "secret") && !(secret = secret_arg(ctl, cmd, NULL, err)))
        return FALSE;
    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if ((id = vstor_connect_secret_event_register(conn, secret, which, on_event,
                                                  cli_event_wait_ref(w), cli_event_wait_unref,
                                                  &lib)) < 0) {
        cli_event_wait_unref(w);
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    cli_event_wait_run(w);
    vstor_connect_secret_event_deregister(conn, id, NULL);
    return cli_event_wait_summary(w);
}

static const CliOptDef event_opts[] = {
    {"secret", CLI_OPT_STRING, 0, "filter by secret name or uuid"},
    {"event", CLI_OPT_STRING, 0, "which event type to wait for"},
    {"loop", CLI_OPT_BOOL, 0, "loop until timeout or interrupt, rather than one-shot"},
    {"timeout", CLI_OPT_INT, 0, "timeout seconds"},
    {"list", CLI_OPT_BOOL, 0, "list valid event types"},
    {"timestamp", CLI_OPT_BOOL, 0, "show timestamp for each printed event"},
    {NULL},
};

const CliCmdDef cli_cmd_secret_define = {
    "secret-define", "define or modify a secret from an XML file", "Define or modify a secret.",
    define_opts, cmd_secret_define};
const CliCmdDef cli_cmd_secret_dumpxml = {"secret-dumpxml", "secret attributes in XML",
                                          "Output attributes of a secret as an XML dump to stdout.",
                                          dumpxml_opts, cmd_secret_dumpxml};
const CliCmdDef cli_cmd_secret_event = {"secret-event", "Secret Events",
                                        "List event types, or wait for secret events to occur",
                                        event_opts, cmd_secret_event};
const CliCmdDef cli_cmd_secret_get_value = {"secret-get-value", "Output a secret value",
                                            "Output a secret value to stdout.", get_value_opts,
                                            cmd_secret_get_value};
const CliCmdDef cli_cmd_secret_list = {"secret-list", "list secrets", "Returns a list of secrets",
                                       list_opts, cmd_secret_list};
const CliCmdDef cli_cmd_secret_set_value = {"secret-set-value", "set a secret value",
                                            "Set a secret value.", set_value_opts,
                                            cmd_secret_set_value};
const CliCmdDef cli_cmd_secret_undefine = {"secret-undefine", "undefine a secret",
                                           "Undefine a secret.", undefine_opts,
                                           cmd_secret_undefine};
