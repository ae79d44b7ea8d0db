/* config.c: vstord's configuration file — a GKeyFile with one [vstord] group (a file without
 * any group header, libvirtd.conf style, is read as that group), values checked key by key,
 * and [pool:NAME] groups handed to access.c as per-pool access rules. */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "rpc/vstor_protocol.h"

#define CONFIG_GROUP "vstord"

typedef enum { KEY_INT, KEY_MODE, KEY_GROUP, KEY_OUTPUTS } KeyType;

typedef struct {
    const char *name;
    KeyType type;
    gsize offset;
    gint64 min, max;
} ConfigKey;

#define INT_KEY(n, lo, hi)                                                                         \
    {                                                                                              \
#n, KEY_INT, G_STRUCT_OFFSET(VstorDaemonConfig, n), lo, hi                                 \
    }

static const ConfigKey config_keys[] = {
    {"unix_sock_group", KEY_GROUP, 0, 0, 0},
    {"unix_sock_rw_perms", KEY_MODE, G_STRUCT_OFFSET(VstorDaemonConfig, rw_perms), 0, 0777},
    {"unix_sock_ro_perms", KEY_MODE, G_STRUCT_OFFSET(VstorDaemonConfig, ro_perms), 0, 0777},
    INT_KEY(max_clients, 1, 100000),
    INT_KEY(max_workers, 1, 1024),
    INT_KEY(max_client_requests, 1, 1000),
    INT_KEY(max_message_size, 1 << 20, VSTOR_MESSAGE_MAX),
    INT_KEY(keepalive_interval, -1, 3600),
    INT_KEY(keepalive_count, 0, 100),
    INT_KEY(log_level, 1, 4),
    {"log_outputs", KEY_OUTPUTS, 0, 0, 0},
};

static void
output_clear(gpointer p)
{
    g_free(((VstorLogOutput *)p)->path);
}

VstorDaemonConfig *
vstor_daemon_config_new(void)
{
    VstorDaemonConfig *cfg = g_new0(VstorDaemonConfig, 1);

    cfg->sock_gid = (gid_t)-1;
    cfg->rw_perms = 0600;
    cfg->ro_perms = 0666;
    cfg->max_clients = 5000;
    cfg->max_workers = 64;
    cfg->max_client_requests = 16;
    cfg->max_message_size = VSTOR_MESSAGE_MAX;
    cfg->keepalive_interval = 5;
    cfg->keepalive_count = 5;
    cfg->log_level = VSTOR_LOG_INFO;
    cfg->outputs = g_array_new(FALSE, TRUE, sizeof(VstorLogOutput));
    g_array_set_clear_func(cfg->outputs, output_clear);
    cfg->access = vstor_access_rules_new();
    return cfg;
}

void
vstor_daemon_config_free(VstorDaemonConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->path);
    g_free(cfg->sock_group);
    g_free(cfg->log_outputs);
    g_array_unref(cfg->outputs);
    vstor_access_rules_unref(cfg->access);
    g_free(cfg);
}

int
vstor_log_outputs_parse(const char *text, GArray *ret, GError **err)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);

    for (char **w = words; *w; w++) {
        g_auto(GStrv) parts = NULL;
        VstorLogOutput out = {0};

        if (!**w)
            continue;
        parts = g_strsplit(*w, ":", 3);
        if (!parts[1] || strlen(parts[0]) != 1 || parts[0][0] < '1' || parts[0][0] > '4') {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "'%s' is not LEVEL:stderr or LEVEL:file:PATH (LEVEL 1-4)", *w);
            return -1;
        }
        out.level = parts[0][0] - '0';
        if (strcmp(parts[1], "stderr") == 0 && !parts[2]) {
            out.path = NULL;
        } else if (strcmp(parts[1], "file") == 0 && parts[2] && g_path_is_absolute(parts[2])) {
            out.path = g_strdup(parts[2]);
        } else if (strcmp(parts[1], "file") == 0) {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "'%s': a log file needs an absolute path", *w);
            return -1;
        } else {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "'%s': output '%s' is not supported (use stderr or file:PATH)", *w,
                        parts[1]);
            return -1;
        }
        g_array_append_val(ret, out);
    }
    return 0;
}

/* The line (1-based) of the last "KEY =" in @text, or 0. */
static int
key_line(char **lines, const char *key)
{
    int found = 0;
    gsize klen = strlen(key);

    for (int i = 0; lines[i]; i++) {
        const char *s = lines[i] + strspn(lines[i], " \t");

        if (strncmp(s, key, klen) == 0 && (s[klen] == '=' || s[klen] == ' ' || s[klen] == '\t'))
            found = i + 1;
    }
    return found;
}

/* Checks the shape of every line, so a syntax error is reported with its line number, and
 * tells whether the file has a group header before its first key. */
static int
check_lines(const char *path, char **lines, gboolean *ret_has_group, GError **err)
{
    gboolean seen_key = FALSE;

    *ret_has_group = FALSE;
    for (int i = 0; lines[i]; i++) {
        g_autofree char *s = g_strstrip(g_strdup(lines[i]));

        if (!*s || *s == '#')
            continue;
        if (*s == '[') {
            if (s[strlen(s) - 1] != ']') {
                g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                            "%s:%d: group header '%s' lacks its ']'", path, i + 1, s);
                return -1;
            }
            if (!seen_key)
                *ret_has_group = TRUE;
            continue;
        }
        if (!strchr(s, '=') || *s == '=') {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                        "%s:%d: expected 'key = value', found '%s'", path, i + 1, s);
            return -1;
        }
        seen_key = TRUE; /* keys before any header: the file is read as [vstord] */
    }
    return 0;
}

/* The value of @key, trimmed, with one pair of surrounding double quotes removed. */
static char *
plain_value(GKeyFile *kf, const char *key)
{
    g_autofree char *raw = g_key_file_get_value(kf, CONFIG_GROUP, key, NULL);
    char *v = g_strstrip(g_steal_pointer(&raw));
    gsize n = strlen(v);

    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        memmove(v, v + 1, n - 2);
        v[n - 2] = '\0';
    }
    return v;
}

static int
set_key(VstorDaemonConfig *cfg, const ConfigKey *k, const char *value, GError **err)
{
    char *end = NULL;
    gint64 n;

    switch (k->type) {
    case KEY_INT:
        errno = 0;
        n = g_ascii_strtoll(value, &end, 10);
        if (!*value || *end || errno) {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "'%s' is not an integer", value);
            return -1;
        }
        if (n < k->min || n > k->max) {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                        " to %" G_GINT64_FORMAT ")",
                        n, k->min, k->max);
            return -1;
        }
        G_STRUCT_MEMBER(int, cfg, k->offset) = (int)n;
        return 0;
    case KEY_MODE:
        errno = 0;
        n = g_ascii_strtoll(value, &end, 8);
        if (!*value || *end || errno || n < 0 || n > 0777) {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "'%s' is not an octal permission mode such as \"0660\"", value);
            return -1;
        }
        G_STRUCT_MEMBER(guint, cfg, k->offset) = (guint)n;
        return 0;
    case KEY_GROUP: {
        struct group gr, *res = NULL;
        char buf[4096];

        if (getgrnam_r(value, &gr, buf, sizeof(buf), &res) != 0 || !res) {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "no group named '%s' on this system", value);
            return -1;
        }
        g_free(cfg->sock_group);
        cfg->sock_group = g_strdup(value);
        cfg->sock_gid = gr.gr_gid;
        return 0;
    }
    case KEY_OUTPUTS:
        g_array_set_size(cfg->outputs, 0);
        if (vstor_log_outputs_parse(value, cfg->outputs, err) < 0)
            return -1;
        g_free(cfg->log_outputs);
        cfg->log_outputs = g_strdup(value);
        return 0;
    }
    return 0;
}

static const ConfigKey *
find_key(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
        if (strcmp(config_keys[i].name, name) == 0)
            return &config_keys[i];
    }
    return NULL;
}

VstorDaemonConfig *
vstor_daemon_config_load(const char *path, gboolean missing_ok, GPtrArray *warnings, GError **err)
{
    g_autoptr(VstorDaemonConfig) cfg = vstor_daemon_config_new();
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) lerr = NULL;
    g_autofree char *text = NULL;
    g_autofree char *data = NULL;
    g_auto(GStrv) lines = NULL;
    g_auto(GStrv) groups = NULL;
    g_auto(GStrv) keys = NULL;
    gboolean has_group;

    if (!g_file_get_contents(path, &text, NULL, &lerr)) {
        if (missing_ok && g_error_matches(lerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer(&cfg);
        g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_NOT_FOUND, "%s", lerr->message);
        return NULL;
    }
    cfg->path = g_strdup(path);
    lines = g_strsplit(text, "\n", -1);
    if (check_lines(path, lines, &has_group, err) < 0)
        return NULL;
    data = has_group ? g_strdup(text) : g_strconcat("[" CONFIG_GROUP "]\n", text, NULL);
    if (!g_key_file_load_from_data(kf, data, -1, G_KEY_FILE_NONE, &lerr)) {
        g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path, lerr->message);
        return NULL;
    }
    groups = g_key_file_get_groups(kf, NULL);
    for (char **g = groups; *g; g++) {
        if (vstor_access_is_rules_group(*g)) {
            if (vstor_access_rules_add_group(cfg->access, kf, *g, path, lines, err) < 0)
                return NULL;
            continue;
        }
        if (strcmp(*g, CONFIG_GROUP) != 0 && warnings)
            g_ptr_array_add(warnings, g_strdup_printf("%s: unknown group [%s] ignored (vstord "
                                                      "reads [" CONFIG_GROUP "] and [pool:NAME])",
                                                      path, *g));
    }
    keys = g_key_file_get_keys(kf, CONFIG_GROUP, NULL, NULL);
    for (char **k = keys; k && *k; k++) {
        const ConfigKey *ck = find_key(*k);
        g_autofree char *value = NULL;
        g_autoptr(GError) kerr = NULL;

        if (!ck) {
            if (warnings)
                g_ptr_array_add(warnings, g_strdup_printf("%s:%d: unknown key '%s' ignored", path,
                                                          key_line(lines, *k), *k));
            continue;
        }
        value = plain_value(kf, *k);
        if (set_key(cfg, ck, value, &kerr) < 0) {
            g_set_error(err, G_KEY_FILE_ERROR, kerr->code, "%s:%d: %s: %s", path,
                        key_line(lines, *k), *k, kerr->message);
            return NULL;
        }
    }
    return g_steal_pointer(&cfg);
}
