/* cmd-pool-info.c: looking at pools — pool-list with virsh's filters and tables, pool-info,
 * pool-dumpxml, pool-name, pool-uuid; --json on list, info and dumpxml with stable field
 * names. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"

#define POOL_OPT                                                                                   \
    {                                                                                              \
        "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name or uuid"                                \
    }

static const CliOptDef pool_info_opts[] = {
    POOL_OPT,
    {"bytes", CLI_OPT_BOOL, 0, "Return pool info in bytes"},
    {"json", CLI_OPT_BOOL, 0,
     "print one JSON object: name, uuid, state, persistent, autostart (booleans), and for a "
     "running pool capacity, allocation, available (bytes)"},
    {NULL},
};

static const CliOptDef pool_list_opts[] = {
    {"inactive", CLI_OPT_BOOL, 0, "list inactive pools"},
    {"all", CLI_OPT_BOOL, 0, "list inactive & active pools"},
    {"transient", CLI_OPT_BOOL, 0, "list transient pools"},
    {"persistent", CLI_OPT_BOOL, 0, "list persistent pools"},
    {"autostart", CLI_OPT_BOOL, 0, "list pools with autostart enabled"},
    {"no-autostart", CLI_OPT_BOOL, 0, "list pools with autostart disabled"},
    {"type", CLI_OPT_STRING, 0, "only list pool of specified type(s) (if supported)"},
    {"details", CLI_OPT_BOOL, 0, "display extended details for pools"},
    {"uuid", CLI_OPT_BOOL, 0, "list UUID of active pools only"},
    {"name", CLI_OPT_BOOL, 0, "list name of active pools only"},
    {"json", CLI_OPT_BOOL, 0,
     "print a JSON array with one object per pool: name, uuid, state, active, persistent, "
     "autostart (booleans), capacity, allocation, available (bytes, null unless running)"},
    {NULL},
};

static const CliOptDef pool_dumpxml_opts[] = {
    POOL_OPT,
    {"inactive", CLI_OPT_BOOL, 0, "show inactive defined XML"},
    {"json", CLI_OPT_BOOL, 0,
     "print the definition as one JSON object (name, uuid, type, capacity, allocation, "
     "available, source, free_extents, target, cow, refresh_allocation, options_namespace, "
     "options; see vstor(1))"},
    {NULL},
};

static const CliOptDef pool_name_opts[] = {
    POOL_OPT,
    {NULL},
};

/* Pool type names in libvirt's order; the list filter flag of each is 1 << (6 + index). */
static const char *const pool_types[] = {
    "dir", "fs",       "netfs",   "logical", "disk",     "iscsi",        "scsi", "mpath",
    "rbd", "sheepdog", "gluster", "zfs",     "vstorage", "iscsi-direct", NULL,
};

static int
type_flags(const char *types, unsigned int *ret_flags, GError **err)
{
    g_auto(GStrv) words = g_strsplit(types, ",", -1);
    unsigned int flags = 0;

    for (char **w = words; *w; w++) {
        guint i = 0;

        while (pool_types[i] && !g_str_equal(pool_types[i], *w))
            i++;
        if (!pool_types[i]) {
            cli_set_error(err, "Invalid pool type '%s'", *w);
            return -1;
        }
        flags |= VSTOR_CONNECT_LIST_STORAGE_POOLS_DIR << i;
    }
    *ret_flags |= flags;
    return 0;
}

static gint
by_name_nocase(gconstpointer a, gconstpointer b)
{
    VstorStoragePool *pa = *(VstorStoragePool *const *)a;
    VstorStoragePool *pb = *(VstorStoragePool *const *)b;

    return g_ascii_strcasecmp(vstor_storage_pool_get_name(pa), vstor_storage_pool_get_name(pb));
}

/* What pool-list shows of one pool. */
typedef struct {
    const char *name;
    const char *uuid;
    char *state;
    const char *autostart;
    const char *persistent;
    gboolean active, running, have_info;
    VstorStoragePoolInfo info;
} PoolRow;

static void
pool_row_clear(PoolRow *row)
{
    g_free(row->state);
}

static void
collect_row(VstorStoragePool *pool, gboolean details, PoolRow *row)
{
    gboolean autostart = FALSE;
    int persistent;

    row->name = vstor_storage_pool_get_name(pool);
    row->uuid = vstor_storage_pool_get_uuid_string(pool);
    row->autostart = vstor_storage_pool_get_autostart(pool, &autostart, NULL) < 0 ? "no autostart"
                     : autostart                                                  ? "yes"
                                                                                  : "no";
    persistent = vstor_storage_pool_is_persistent(pool, NULL);
    row->persistent = persistent < 0 ? "unknown" : persistent ? "yes" : "no";
    row->active = vstor_storage_pool_is_active(pool, NULL) == 1;
    if (vstor_storage_pool_get_info(pool, &row->info, NULL) < 0) {
        /* virsh goes on with the other pools and says so once per pool. */
        cli_print_error("Could not retrieve pool information");
        row->state = g_strdup("unknown");
        return;
    }
    row->have_info = TRUE;
    row->running = row->info.state == VSTOR_STORAGE_POOL_RUNNING ||
                   row->info.state == VSTOR_STORAGE_POOL_DEGRADED;
    row->state = g_strdup(details       ? cli_pool_state_name(row->info.state)
                          : row->active ? "active"
                                        : "inactive");
}

static void
print_json_list(const PoolRow *rows, guint n)
{
    printf("[");
    for (guint i = 0; i < n; i++) {
        const PoolRow *r = &rows[i];
        g_autofree char *name = cli_json_string(r->name);

        printf("%s\n  {\"name\": %s, \"uuid\": \"%s\", \"state\": \"%s\", \"active\": %s, "
               "\"persistent\": %s, \"autostart\": %s, ",
               i ? "," : "", name, r->uuid,
               r->have_info ? cli_pool_state_name(r->info.state) : "unknown",
               r->active ? "true" : "false", g_str_equal(r->persistent, "yes") ? "true" : "false",
               g_str_equal(r->autostart, "yes") ? "true" : "false");
        if (r->running)
            printf("\"capacity\": %" G_GUINT64_FORMAT ", \"allocation\": %" G_GUINT64_FORMAT
                   ", \"available\": %" G_GUINT64_FORMAT "}",
                   r->info.capacity, r->info.allocation, r->info.available);
        else
            printf("\"capacity\": null, \"allocation\": null, \"available\": null}");
    }
    printf("%s]\n", n ? "\n" : "");
}

static void
print_table(CliCtl *ctl, const PoolRow *rows, guint n, gboolean details)
{
    g_autoptr(CliTable) table = NULL;

    if (!details) {
        table = cli_table_new("Name", "State", "Autostart", NULL);
        for (guint i = 0; i < n; i++)
            cli_table_add(table, rows[i].name, rows[i].state, rows[i].autostart, NULL);
        cli_table_print(table, !ctl->quiet);
        return;
    }
    table = cli_table_new("Name", "State", "Autostart", "Persistent", "Capacity", "Allocation",
                          "Available", NULL);
    for (guint i = 0; i < n; i++) {
        const PoolRow *r = &rows[i];
        g_autofree char *cap = NULL, *alloc = NULL, *avail = NULL;

        if (!r->have_info) {
            cap = g_strdup("unknown");
            alloc = g_strdup("unknown");
            avail = g_strdup("unknown");
        } else if (r->running) {
            cap = cli_pretty_size(r->info.capacity);
            alloc = cli_pretty_size(r->info.allocation);
            avail = cli_pretty_size(r->info.available);
        } else {
            cap = g_strdup("-");
            alloc = g_strdup("-");
            avail = g_strdup("-");
        }
        cli_table_add(table, r->name, r->state, r->autostart, r->persistent, cap, alloc, avail,
                      NULL);
    }
    cli_table_print(table, !ctl->quiet);
}

static gboolean
cmd_pool_list(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    unsigned int flags = VSTOR_CONNECT_LIST_STORAGE_POOLS_ACTIVE;
    gboolean details = cli_opt_given(cmd, "details");
    gboolean uuid = cli_opt_given(cmd, "uuid"), name = cli_opt_given(cmd, "name");
    g_autoptr(GPtrArray) pools = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree PoolRow *rows = NULL;
    VstorConnect *conn;
    const char *type;

    if (cli_opts_exclusive(cmd, "all", "inactive", err) < 0)
        return FALSE;
    if (cli_opt_given(cmd, "inactive"))
        flags = VSTOR_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
    if (cli_opt_given(cmd, "all"))
        flags = VSTOR_CONNECT_LIST_STORAGE_POOLS_ACTIVE | VSTOR_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
    if (cli_opt_given(cmd, "autostart"))
        flags |= VSTOR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART;
    if (cli_opt_given(cmd, "no-autostart"))
        flags |= VSTOR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART;
    if (cli_opt_given(cmd, "persistent"))
        flags |= VSTOR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT;
    if (cli_opt_given(cmd, "transient"))
        flags |= VSTOR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT;
    if (cli_opt_string(cmd, "type", &type, err) < 0 ||
        cli_opts_exclusive(cmd, "details", "uuid", err) < 0 ||
        cli_opts_exclusive(cmd, "details", "name", err) < 0)
        return FALSE;
    if (type && type_flags(type, &flags, err) < 0)
        return FALSE;
    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if (!(pools = vstor_connect_list_all_storage_pools(conn, flags, &lib))) {
        cli_set_lib_error(err, lib, "Failed to list pools");
        return FALSE;
    }
    g_ptr_array_sort(pools, by_name_nocase);
    rows = g_new0(PoolRow, pools->len + 1);
    for (guint i = 0; i < pools->len; i++)
        collect_row(pools->pdata[i], details || cli_opt_given(cmd, "json"), &rows[i]);

    if (cli_opt_given(cmd, "json")) {
        print_json_list(rows, pools->len);
    } else if (!details && (uuid || name)) {
        for (guint i = 0; i < pools->len; i++) {
            if (uuid)
                printf("%-36s%c", rows[i].uuid, name ? ' ' : '\n');
            if (name)
                printf("%-20s\n", rows[i].name);
        }
    } else {
        print_table(ctl, rows, pools->len, details);
    }
    for (guint i = 0; i < pools->len; i++)
        pool_row_clear(&rows[i]);
    return TRUE;
}

static gboolean
cmd_pool_info(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    VstorStoragePoolInfo info;
    gboolean autostart = FALSE, have_autostart;
    gboolean json = cli_opt_given(cmd, "json");
    int persistent;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (vstor_storage_pool_get_info(pool, &info, &lib) < 0) {
        if (!json)
            printf("%-15s %s\n%-15s %s\n", "Name:", vstor_storage_pool_get_name(pool),
                   "UUID:", vstor_storage_pool_get_uuid_string(pool));
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    persistent = vstor_storage_pool_is_persistent(pool, NULL);
    have_autostart = vstor_storage_pool_get_autostart(pool, &autostart, NULL) == 0;
    if (json) {
        g_autofree char *name = cli_json_string(vstor_storage_pool_get_name(pool));

        printf("{\"name\": %s, \"uuid\": \"%s\", \"state\": \"%s\", \"persistent\": %s, "
               "\"autostart\": %s",
               name, vstor_storage_pool_get_uuid_string(pool), cli_pool_state_name(info.state),
               persistent > 0 ? "true" : "false", autostart ? "true" : "false");
        if (info.state == VSTOR_STORAGE_POOL_RUNNING || info.state == VSTOR_STORAGE_POOL_DEGRADED)
            printf(", \"capacity\": %" G_GUINT64_FORMAT ", \"allocation\": %" G_GUINT64_FORMAT
                   ", \"available\": %" G_GUINT64_FORMAT,
                   info.capacity, info.allocation, info.available);
        printf("}\n");
        return TRUE;
    }
    printf("%-15s %s\n", "Name:", vstor_storage_pool_get_name(pool));
    printf("%-15s %s\n", "UUID:", vstor_storage_pool_get_uuid_string(pool));
    printf("%-15s %s\n", "State:", cli_pool_state_name(info.state));
    printf("%-15s %s\n", "Persistent:", persistent < 0 ? "unknown" : persistent ? "yes" : "no");
    printf("%-15s %s\n", "Autostart:", !have_autostart ? "no autostart" : autostart ? "yes" : "no");
    if (info.state == VSTOR_STORAGE_POOL_RUNNING || info.state == VSTOR_STORAGE_POOL_DEGRADED) {
        if (cli_opt_given(cmd, "bytes")) {
            printf("%-15s %" G_GUINT64_FORMAT "\n", "Capacity:", info.capacity);
            printf("%-15s %" G_GUINT64_FORMAT "\n", "Allocation:", info.allocation);
            printf("%-15s %" G_GUINT64_FORMAT "\n", "Available:", info.available);
        } else {
            g_autofree char *cap = cli_pretty_size(info.capacity);
            g_autofree char *alloc = cli_pretty_size(info.allocation);
            g_autofree char *avail = cli_pretty_size(info.available);

            printf("%-15s %s\n%-15s %s\n%-15s %s\n", "Capacity:", cap, "Allocation:", alloc,
                   "Available:", avail);
        }
    }
    return TRUE;
}

static gboolean
cmd_pool_dumpxml(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    unsigned int flags = cli_opt_given(cmd, "inactive") ? VSTOR_STORAGE_XML_INACTIVE : 0;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (!(xml = vstor_storage_pool_get_xml_desc(pool, flags, &lib))) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    if (cli_opt_given(cmd, "json")) {
        g_autofree char *json = cli_pool_xml_to_json(xml, &lib);

        if (!json) {
            cli_set_lib_error(err, lib, NULL);
            return FALSE;
        }
        fputs(json, stdout);
        return TRUE;
    }
    fputs(xml, stdout);
    return TRUE;
}

static gboolean
cmd_pool_name(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID, NULL, err)))
        return FALSE;
    printf("%s\n", vstor_storage_pool_get_name(pool));
    return TRUE;
}

static gboolean
cmd_pool_uuid(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_NAME, NULL, err)))
        return FALSE;
    printf("%s\n", vstor_storage_pool_get_uuid_string(pool));
    return TRUE;
}

const CliCmdDef cli_cmd_pool_dumpxml = {"pool-dumpxml", "pool information in XML",
                                        "Output the pool information as an XML dump to stdout.",
                                        pool_dumpxml_opts, cmd_pool_dumpxml};
const CliCmdDef cli_cmd_pool_info = {"pool-info", "storage pool information",
                                     "Returns basic information about the storage pool.",
                                     pool_info_opts, cmd_pool_info};
const CliCmdDef cli_cmd_pool_list = {"pool-list", "list pools", "Returns list of pools.",
                                     pool_list_opts, cmd_pool_list};
const CliCmdDef cli_cmd_pool_name = {"pool-name", "convert a pool UUID to pool name", "",
                                     pool_name_opts, cmd_pool_name};
const CliCmdDef cli_cmd_pool_uuid = {"pool-uuid", "convert a pool name to pool UUID", "",
                                     pool_name_opts, cmd_pool_uuid};
