/* cmd-vol-info.c: looking at volumes — vol-list and its --details table, vol-info,
 * vol-dumpxml, vol-name, vol-key, vol-path, vol-pool; --json on list, info and dumpxml. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/json.h"

#define VOL_OPT                                                                                    \
    {                                                                                              \
        "vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path"                             \
    }
#define POOL_OPT                                                                                   \
    {                                                                                              \
        "pool", CLI_OPT_STRING, 0, "pool name or uuid"                                             \
    }

static const CliOptDef vol_info_opts[] = {
    VOL_OPT,
    POOL_OPT,
    {"bytes", CLI_OPT_BOOL, 0, "sizes are represented in bytes rather than pretty units"},
    {"physical", CLI_OPT_BOOL, 0, "return the physical size of the volume in allocation field"},
    {"json", CLI_OPT_BOOL, 0,
     "print one JSON object: name, type, capacity, and allocation or (with --physical) "
     "physical, in bytes"},
    {NULL},
};

static const CliOptDef vol_list_opts[] = {
    {"pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name or uuid"},
    {"details", CLI_OPT_BOOL, 0, "display extended details for volumes"},
    {"json", CLI_OPT_BOOL, 0,
     "print a JSON array with one object per volume: name, path, type, capacity, allocation "
     "(bytes; type and sizes null when unknown)"},
    {NULL},
};

static const CliOptDef vol_dumpxml_opts[] = {
    VOL_OPT,
    POOL_OPT,
    {"json", CLI_OPT_BOOL, 0,
     "print the definition as one JSON object (name, key, type, pool, capacity, allocation, "
     "physical, extents, target, backing_store; see vstor(1))"},
    {NULL},
};

static const CliOptDef vol_by_key_opts[] = {
    {"vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "volume key or path"},
    {NULL},
};

static const CliOptDef vol_pool_opts[] = {
    {"vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "volume key or path"},
    {"uuid", CLI_OPT_BOOL, 0, "return the pool uuid rather than pool name"},
    {NULL},
};

static const CliOptDef vol_key_opts[] = {
    {"vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "volume name or path"},
    POOL_OPT,
    {NULL},
};

static const CliOptDef vol_path_opts[] = {
    {"vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "volume name or key"},
    POOL_OPT,
    {NULL},
};

static gboolean
cmd_vol_info(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    gboolean physical = cli_opt_given(cmd, "physical");
    gboolean json = cli_opt_given(cmd, "json");
    const char *alloc_label = physical ? "Physical:" : "Allocation:";
    VstorStorageVolInfo info;

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (!json)
        printf("%-15s %s\n", "Name:", vstor_storage_vol_get_name(vol));
    if (vstor_storage_vol_get_info(vol, physical ? VSTOR_STORAGE_VOL_GET_PHYSICAL : 0, &info,
                                   &lib) < 0) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    if (json) {
        g_autofree char *name = cli_json_string(vstor_storage_vol_get_name(vol));

        printf("{\"name\": %s, \"type\": \"%s\", \"capacity\": %" G_GUINT64_FORMAT
               ", \"%s\": %" G_GUINT64_FORMAT "}\n",
               name, cli_vol_type_name(info.type), info.capacity,
               physical ? "physical" : "allocation", info.allocation);
        return TRUE;
    }
    printf("%-15s %s\n", "Type:", cli_vol_type_name(info.type));
    if (cli_opt_given(cmd, "bytes")) {
        printf("%-15s %" G_GUINT64_FORMAT " bytes\n", "Capacity:", info.capacity);
        printf("%-15s %" G_GUINT64_FORMAT " bytes\n", alloc_label, info.allocation);
    } else {
        g_autofree char *cap = cli_pretty_size(info.capacity);
        g_autofree char *alloc = cli_pretty_size(info.allocation);

        printf("%-15s %s\n%-15s %s\n", "Capacity:", cap, alloc_label, alloc);
    }
    return TRUE;
}

static gint
by_name_nocase(gconstpointer a, gconstpointer b)
{
    VstorStorageVol *va = *(VstorStorageVol *const *)a;
    VstorStorageVol *vb = *(VstorStorageVol *const *)b;

    return g_ascii_strcasecmp(vstor_storage_vol_get_name(va), vstor_storage_vol_get_name(vb));
}

static void
print_json_list(GPtrArray *vols)
{
    printf("[");
    for (guint i = 0; i < vols->len; i++) {
        VstorStorageVol *vol = vols->pdata[i];
        g_autofree char *name = cli_json_string(vstor_storage_vol_get_name(vol));
        g_autofree char *path = vstor_storage_vol_get_path(vol, NULL);
        g_autofree char *jpath = path ? cli_json_string(path) : g_strdup("null");
        VstorStorageVolInfo info;

        printf("%s\n  {\"name\": %s, \"path\": %s, ", i ? "," : "", name, jpath);
        if (vstor_storage_vol_get_info(vol, 0, &info, NULL) == 0)
            printf("\"type\": \"%s\", \"capacity\": %" G_GUINT64_FORMAT
                   ", \"allocation\": %" G_GUINT64_FORMAT "}",
                   cli_vol_type_name(info.type), info.capacity, info.allocation);
        else
            printf("\"type\": null, \"capacity\": null, \"allocation\": null}");
    }
    printf("%s]\n", vols->len ? "\n" : "");
}

static gboolean
cmd_vol_list(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GPtrArray) vols = NULL;
    g_autoptr(GError) lib = NULL;
    g_autoptr(CliTable) table = NULL;
    gboolean details = cli_opt_given(cmd, "details");

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (!(vols = vstor_storage_pool_list_all_volumes(pool, 0, &lib))) {
        cli_set_lib_error(err, lib, "Failed to list volumes");
        return FALSE;
    }
    g_ptr_array_sort(vols, by_name_nocase);
    if (cli_opt_given(cmd, "json")) {
        print_json_list(vols);
        return TRUE;
    }
    table = details ? cli_table_new("Name", "Path", "Type", "Capacity", "Allocation", NULL)
                    : cli_table_new("Name", "Path", NULL);
    for (guint i = 0; i < vols->len; i++) {
        VstorStorageVol *vol = vols->pdata[i];
        g_autofree char *path = vstor_storage_vol_get_path(vol, NULL);
        g_autofree char *cap = NULL, *alloc = NULL;
        const char *type = "unknown";
        VstorStorageVolInfo info;

        if (!details) {
            cli_table_add(table, vstor_storage_vol_get_name(vol), path ? path : "unknown", NULL);
            continue;
        }
        if (vstor_storage_vol_get_info(vol, 0, &info, NULL) == 0) {
            type = cli_vol_type_name(info.type);
            cap = cli_pretty_size(info.capacity);
            alloc = cli_pretty_size(info.allocation);
        }
        cli_table_add(table, vstor_storage_vol_get_name(vol), path ? path : "unknown", type,
                      cap ? cap : "unknown", alloc ? alloc : "unknown", NULL);
    }
    cli_table_print(table, !ctl->quiet);
    return TRUE;
}

static gboolean
cmd_vol_dumpxml(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (!(xml = vstor_storage_vol_get_xml_desc(vol, 0, &lib))) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    if (cli_opt_given(cmd, "json")) {
        g_autoptr(VstorStoragePool) pool = NULL;
        g_autofree char *pool_xml = NULL;
        g_autofree char *json = NULL;

        /* The pool's type says what the volume's <format> names. */
        if (!(pool = vstor_storage_pool_lookup_by_volume(vol, &lib)) ||
            !(pool_xml = vstor_storage_pool_get_xml_desc(pool, 0, &lib)) ||
            !(json = cli_vol_xml_to_json(xml, pool_xml, &lib))) {
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
cmd_vol_name(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", NULL, CLI_BY_UUID, NULL, err)))
        return FALSE;
    printf("%s\n", vstor_storage_vol_get_name(vol));
    return TRUE;
}

static gboolean
cmd_vol_pool(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", NULL, CLI_BY_UUID, NULL, err)))
        return FALSE;
    if (!(pool = vstor_storage_pool_lookup_by_volume(vol, &lib))) {
        cli_set_lib_error(err, lib, "failed to get parent pool");
        return FALSE;
    }
    printf("%s\n", cli_opt_given(cmd, "uuid") ? vstor_storage_pool_get_uuid_string(pool)
                                              : vstor_storage_pool_get_name(pool));
    return TRUE;
}

static gboolean
cmd_vol_key(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    printf("%s\n", vstor_storage_vol_get_key(vol));
    return TRUE;
}

static gboolean
cmd_vol_path(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *path = NULL;

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (!(path = vstor_storage_vol_get_path(vol, &lib))) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    printf("%s\n", path);
    return TRUE;
}

const CliCmdDef cli_cmd_vol_dumpxml = {"vol-dumpxml", "vol information in XML",
                                       "Output the vol information as an XML dump to stdout.",
                                       vol_dumpxml_opts, cmd_vol_dumpxml};
const CliCmdDef cli_cmd_vol_info = {"vol-info", "storage vol information",
                                    "Returns basic information about the storage vol.",
                                    vol_info_opts, cmd_vol_info};
const CliCmdDef cli_cmd_vol_key = {"vol-key",
                                   "returns the volume key for a given volume name or path", "",
                                   vol_key_opts, cmd_vol_key};
const CliCmdDef cli_cmd_vol_list = {"vol-list", "list vols", "Returns list of vols by pool.",
                                    vol_list_opts, cmd_vol_list};
const CliCmdDef cli_cmd_vol_name = {"vol-name",
                                    "returns the volume name for a given volume key or path", "",
                                    vol_by_key_opts, cmd_vol_name};
const CliCmdDef cli_cmd_vol_path = {"vol-path",
                                    "returns the volume path for a given volume name or key", "",
                                    vol_path_opts, cmd_vol_path};
const CliCmdDef cli_cmd_vol_pool = {"vol-pool",
                                    "returns the storage pool for a given volume key or path", "",
                                    vol_pool_opts, cmd_vol_pool};
