/* session.c: what every driver command needs — the connection, pools and volumes found from
 * a command's words in virsh's order, libvirt's error lines, sizes and state names. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/error.h"
#include "util/uuid.h"

/* What vstor connects to when neither -c nor the environment says: the system daemon. */
#define CLI_DEFAULT_URI "vstor:///system"

/* Larger XML files are refused, as virsh refuses them (its VSH_MAX_XML_FILE). */
#define CLI_MAX_XML_FILE (10 * 1024 * 1024)

VstorConnect *
cli_conn(CliCtl *ctl, GError **err)
{
    g_autoptr(GError) lib = NULL;

    if (ctl->conn)
        return ctl->conn;
    /* -r: the read-only socket of vstord (or the one ?socket= names), like virsh -r. */
    ctl->conn = vstor_connect_open(ctl->connect_uri ? ctl->connect_uri : CLI_DEFAULT_URI,
                                   ctl->readonly ? VSTOR_CONNECT_RO : 0, &lib);
    if (!ctl->conn)
        cli_set_lib_error(err, lib, "failed to connect to the hypervisor");
    return ctl->conn;
}

void
cli_set_lib_error(GError **err, const GError *lib, const char *fmt, ...)
{
    g_autofree char *context = NULL;
    const char *detail = lib && lib->message ? lib->message : "unknown error";
    int code = lib ? lib->code : VSTOR_ERR_INTERNAL_ERROR;
    va_list ap;

    if (!fmt) {
        g_set_error_literal(err, VSTOR_ERROR, code, detail);
        return;
    }
    va_start(ap, fmt);
    context = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (lib)
        g_set_error(err, VSTOR_ERROR, code, "%s\nerror: %s", context, detail);
    else
        g_set_error_literal(err, VSTOR_ERROR, code, context);
}

VstorStoragePool *
cli_pool_arg(CliCtl *ctl, const CliCmd *cmd, const char *opt, unsigned int by,
             const char **ret_name, GError **err)
{
    g_autoptr(GError) lib = NULL;
    VstorStoragePool *pool = NULL;
    VstorConnect *conn;
    const char *n;

    if (cli_opt_string(cmd, opt, &n, err) < 0)
        return NULL;
    if (!(conn = cli_conn(ctl, err)))
        return NULL;
    if (ret_name)
        *ret_name = n;
    /* Like virsh: a word as long as a UUID is tried as one first, then as a name. */
    if ((by & CLI_BY_UUID) && strlen(n) == VSTOR_UUID_STRING_LEN - 1)
        pool = vstor_storage_pool_lookup_by_uuid_string(conn, n, &lib);
    if (!pool && (by & CLI_BY_NAME)) {
        g_clear_error(&lib);
        pool = vstor_storage_pool_lookup_by_name(conn, n, &lib);
    }
    if (!pool)
        cli_set_lib_error(err, lib, "failed to get pool '%s'", n);
    return pool;
}

/* The volume @n by name in @pool (when given), key, then path; the last failure in *lib. */
static VstorStorageVol *
find_vol(VstorConnect *conn, VstorStoragePool *pool, const char *n, unsigned int by, GError **lib)
{
    VstorStorageVol *vol = NULL;

    if (pool && (by & CLI_BY_NAME))
        vol = vstor_storage_vol_lookup_by_name(pool, n, lib);
    if (!vol && (by & CLI_BY_UUID)) {
        g_clear_error(lib);
        vol = vstor_storage_vol_lookup_by_key(conn, n, lib);
    }
    if (!vol && (by & CLI_BY_UUID)) {
        g_clear_error(lib);
        vol = vstor_storage_vol_lookup_by_path(conn, n, lib);
    }
    return vol;
}

VstorStorageVol *
cli_vol_arg(CliCtl *ctl, const CliCmd *cmd, const char *opt, const char *pool_opt, unsigned int by,
            const char **ret_name, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    VstorStorageVol *vol;
    VstorConnect *conn;
    const char *n, *p = NULL;

    if (cli_opt_string(cmd, opt, &n, err) < 0)
        return NULL;
    if (pool_opt && cli_opt_string(cmd, pool_opt, &p, err) < 0)
        return NULL;
    if (!(conn = cli_conn(ctl, err)))
        return NULL;
    if (p) {
        if (!(pool = cli_pool_arg(ctl, cmd, pool_opt, by, NULL, err)))
            return NULL;
        if (vstor_storage_pool_is_active(pool, NULL) != 1) {
            cli_set_error(err, "pool '%s' is not active", p);
            return NULL;
        }
    }
    if (ret_name)
        *ret_name = n;
    if (!(vol = find_vol(conn, pool, n, by, &lib))) {
        if (pool || !pool_opt)
            cli_set_lib_error(err, lib, "failed to get vol '%s'", n);
        else
            cli_set_lib_error(err, lib, "failed to get vol '%s', specifying --%s might help", n,
                              pool_opt);
        return NULL;
    }
    if (pool &&
        g_strcmp0(vstor_storage_vol_get_pool_name(vol), vstor_storage_pool_get_name(pool)) != 0) {
        cli_set_error(err, "Requested volume '%s' is not in pool '%s'", n,
                      vstor_storage_pool_get_name(pool));
        vstor_storage_vol_free(vol);
        return NULL;
    }
    return vol;
}

char *
cli_read_file(const char *path, GError **err)
{
    g_autoptr(GString) text = g_string_new(NULL);
    char buf[65536];
    ssize_t n;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "Failed to open file '%s'", path);
        return NULL;
    }
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || text->len + (gsize)n > CLI_MAX_XML_FILE) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, n < 0 ? errno : EFBIG,
                                  "Failed to read file '%s'", path);
            close(fd);
            return NULL;
        }
        g_string_append_len(text, buf, n);
    }
    close(fd);
    return g_string_free(g_steal_pointer(&text), FALSE);
}

char *
cli_pretty_size(guint64 bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double limit = 1024;
    guint i = 0;

    /* virsh divides by the unit as a double, so 1536 B is "1.50 KiB". */
    while (i + 1 < G_N_ELEMENTS(units) && (double)bytes >= limit) {
        limit *= 1024;
        i++;
    }
    return g_strdup_printf("%.2f %s", i ? (double)bytes / (limit / 1024) : (double)bytes, units[i]);
}

const char *
cli_pool_state_name(int state)
{
    static const char *const names[] = {"inactive", "building", "running", "degraded",
                                        "inaccessible"};

    return state >= 0 && state < (int)G_N_ELEMENTS(names) ? names[state] : "unknown";
}

const char *
cli_vol_type_name(int type)
{
    static const char *const names[] = {"file", "block", "dir", "network", "netdir", "ploop"};

    return type >= 0 && type < (int)G_N_ELEMENTS(names) ? names[type] : "unknown";
}

char *
cli_json_string(const char *s)
{
    GString *out = g_string_new("\"");

    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\t': g_string_append(out, "\\t"); break;
        case '\r': g_string_append(out, "\\r"); break;
        default:
            if (*p < 0x20)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
    return g_string_free(out, FALSE);
}
