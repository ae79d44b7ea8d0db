/* netfs.c: the netfs backend — an NFS, CIFS or GlusterFS share (or whatever plain mount finds)
 * mounted on the pool's target; and the discovery of a host's NFS exports and Gluster volumes. */
#include <string.h>

#include "backends/file_vol.h"
#include "backends/fs_cmd.h"
#include "backends/mount.h"
#include "util/error.h"
#include "util/xml.h"

static int
netfs_build(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, VstorJob *job,
            GError **err)
{
    if (vstor_mount_pool_build_local(def, flags, err) < 0)
        return -1;
    if (flags & (VSTOR_POOL_BUILD_OVERWRITE | VSTOR_POOL_BUILD_NO_OVERWRITE)) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "No source device specified when formatting pool '%s': a netfs pool's "
                        "filesystem lives on its server, build it without --overwrite or "
                        "--no-overwrite",
                        def->name);
        return -1;
    }
    return 0;
}

/* ---- find-storage-pool-sources ---- */

static int
netfs_format(const char *name)
{
    return vstor_enum_from_string(vstor_pool_caps(VSTOR_POOL_NETFS)->source_formats, name);
}

void
vstor_netfs_parse_showmount(const char *host, const char *text, VstorPoolSourceList *list)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        char *line = lines[i];
        char *blank;
        VstorPoolSource *src;

        /* "PATH CLIENTS": the export path may hold blanks itself, the client list never. */
        g_strchomp(line);
        if (line[0] != '/' || !(blank = strrchr(line, ' ')) || blank[1] == '\0')
            continue;
        while (blank > line && blank[-1] == ' ')
            blank--;
        if (blank == line)
            continue;
        *blank = '\0';
        src = vstor_pool_source_list_add(list);
        vstor_pool_source_add_host(src, host, 0);
        src->dir = g_strdup(line);
        src->format = netfs_format("nfs");
    }
}

int
vstor_gluster_parse_volumes(const char *host, const char *xml, VstorPoolSourceList *list,
                            GError **err)
{
    g_autoptr(xmlDoc) doc = vstor_xml_parse(xml, "(gluster_cli_output)", NULL, err);
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree xmlNode **nodes = NULL;
    guint n;

    if (!doc)
        return -1;
    ctxt = vstor_xml_context_new(doc, NULL);
    n = vstor_xml_nodes(ctxt, "//volumes/volume", &nodes);
    for (guint i = 0; i < n; i++) {
        g_autofree char *name = NULL;
        VstorPoolSource *src;

        ctxt->node = nodes[i];
        if (!(name = vstor_xml_string(ctxt, "string(./name)"))) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "failed to extract gluster volume name");
            return -1;
        }
        src = vstor_pool_source_list_add(list);
        vstor_pool_source_add_host(src, host, 0);
        if (list->type == VSTOR_POOL_NETFS) {
            src->format = netfs_format("glusterfs");
            src->dir = g_steal_pointer(&name);
        } else {
            src->dir = g_strdup("/");
            src->name = g_steal_pointer(&name);
        }
    }
    return (int)n;
}

/* Exports of @host through showmount: -1 when showmount fails or is not installed. */
static int
find_nfs_exports(VstorBackendEnv *env, const char *host, VstorPoolSourceList *list, GError **err)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new("showmount");
    g_autofree char *out = NULL;

    vstor_command_add_args(cmd, "--no-headers", "--exports", host, NULL);
    if (vstor_runner_run(env->runner, cmd, NULL, &out, NULL, err) < 0)
        return -1;
    vstor_netfs_parse_showmount(host, out, list);
    return 0;
}

/* Gluster volumes of @host: how many, 0 when the gluster CLI is missing or the host runs no
 * glusterd (as libvirt: discovery of NFS exports alone is no error). */
static int
find_gluster_volumes(VstorBackendEnv *env, const char *host, VstorPoolSourceList *list,
                     GError **err)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new("gluster");
    g_autoptr(GError) run_err = NULL;
    g_autofree char *out = NULL;
    int status;

    vstor_command_add_args(cmd, "--xml", "--log-file=/dev/null", "volume", "info", "all", NULL);
    vstor_command_add_argf(cmd, "--remote-host=%s", host);
    if (vstor_runner_run(env->runner, cmd, &status, &out, NULL, &run_err) < 0) {
        if (g_error_matches(run_err, VSTOR_ERROR, VSTOR_ERR_SYSTEM_ERROR)) {
            g_debug("no gluster volume lookup: %s", run_err->message);
            return 0;
        }
        g_propagate_error(err, g_steal_pointer(&run_err));
        return -1;
    }
    if (status != 0)
        return 0;
    return vstor_gluster_parse_volumes(host, out, list, err);
}

int
vstor_backend_netfs_find_sources(VstorBackendEnv *env, const char *source_xml, unsigned int flags,
                                 char **ret_xml, GError **err)
{
    g_autoptr(VstorPoolSource) source = NULL;
    g_autoptr(VstorPoolSourceList) list = vstor_pool_source_list_new(VSTOR_POOL_NETFS);
    g_autoptr(GError) nfs_err = NULL;
    const char *host;
    int nfs, gluster;

    if (flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, __func__);
        return -1;
    }
    if (!source_xml) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "hostname must be specified for netfs sources");
        return -1;
    }
    if (!(source = vstor_pool_source_parse_string(source_xml, VSTOR_POOL_NETFS, err)))
        return -1;
    if (source->n_hosts != 1) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "Expected exactly 1 host for the storage pool");
        return -1;
    }
    host = source->hosts[0].name;
    /* showmount would read a host name starting with '-' as one of its options. */
    if (host[0] == '-') {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "host name '%s' must not start with '-'", host);
        return -1;
    }
    nfs = find_nfs_exports(env, host, list, &nfs_err);
    if ((gluster = find_gluster_volumes(env, host, list, err)) < 0)
        return -1;
    if (nfs < 0 && gluster == 0) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED,
                        "no storage pools were found on host '%s' (showmount: %s)", host,
                        nfs_err->message);
        return -1;
    }
    *ret_xml = vstor_pool_source_list_format(list);
    return 0;
}

static char *
netfs_find_sources(VstorBackendEnv *env, const char *spec, unsigned int flags, GError **err)
{
    char *xml;

    return vstor_backend_netfs_find_sources(env, spec, flags, &xml, err) < 0 ? NULL : xml;
}

const VstorBackend vstor_backend_netfs = {
    .type = VSTOR_POOL_NETFS,
    .check = vstor_mount_pool_check,
    .check_access = vstor_mount_pool_check_access,
    .build = netfs_build,
    .start = vstor_mount_pool_start,
    .refresh = vstor_mounted_pool_refresh,
    .refresh_sizes = vstor_mounted_pool_refresh_sizes,
    .stop = vstor_mount_pool_stop,
    .delete_pool = vstor_mount_pool_delete,
    .find_sources = netfs_find_sources,
    .create_vol = vstor_mounted_vol_create,
    .build_vol = vstor_mounted_vol_build,
    .build_vol_from = vstor_mounted_vol_build_from,
    .refresh_vol = vstor_mounted_vol_refresh,
    .commit_vol = vstor_file_vol_commit,
    .begin_temp = vstor_file_vol_begin_temp,
    .remove_stale = vstor_file_pool_remove_stale,
    .watch = VSTOR_WATCH_REMOTE,
    .delete_vol = vstor_mounted_vol_delete,
    .resize_vol = vstor_mounted_vol_resize,
    .wipe_vol = vstor_mounted_vol_wipe,
    .open_vol = vstor_mounted_vol_open,
};
