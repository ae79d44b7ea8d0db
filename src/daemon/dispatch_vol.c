/* dispatch_vol.c: the storage volume procedures — listings, lookups, create/clone/delete,
 * wipe, resize, info, XML and path — each a thin translation onto the driver after the pool
 * access check: reading about volumes needs 'see' on their pool, changing them 'use'. */
#include <string.h>

#include "daemon/daemon.h"
#include "util/error.h"

#define DRV(c) vstor_server_driver(vstor_client_server(c))

static int
reply_vol(VstorVolId *id, void *ret)
{
    vstor_wire_vol_from_id(id, &((remote_vol_ret *)ret)->vol);
    vstor_vol_id_clear(id);
    return 0;
}

static GPtrArray *
list_vols(VstorClient *c, const remote_nonnull_storage_pool *pool, const char *api, GError **err)
{
    g_auto(VstorPoolId) id = {0};

    if (vstor_access_check_pool(c, pool, VSTOR_ACCESS_SEE, api, err) < 0)
        return NULL;
    vstor_wire_pool_to_id(pool, &id);
    return vstor_driver_vol_list(DRV(c), &id, 0, err);
}

static int
proc_num_of_volumes(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    const remote_nonnull_storage_pool *pool = &((remote_pool_args *)args)->pool;
    g_auto(VstorPoolId) id = {0};
    int n;

    if (vstor_access_check_pool(c, pool, VSTOR_ACCESS_SEE, "virStoragePoolNumOfVolumes", err) < 0)
        return -1;
    vstor_wire_pool_to_id(pool, &id);
    if ((n = vstor_driver_vol_foreach(DRV(c), &id, 0, NULL, NULL, err)) < 0)
        return -1;
    ((remote_int_ret *)ret)->value = n;
    return 0;
}

static int
proc_list_volumes(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                  GError **err)
{
    remote_storage_pool_list_volumes_args *a = args;
    remote_storage_pool_list_volumes_ret *r = ret;
    g_autoptr(GPtrArray) vols = NULL;
    guint n;

    if (a->maxnames < 0 || a->maxnames > REMOTE_STORAGE_VOL_LIST_MAX) {
        vstor_error_set(err, VSTOR_ERR_RPC, "maxnames > REMOTE_STORAGE_VOL_LIST_MAX");
        return -1;
    }
    vols = list_vols(c, &a->pool, "virStoragePoolListVolumes", err);
    if (!vols)
        return -1;
    n = MIN(vols->len, (guint)a->maxnames);
    r->names.names_len = n;
    r->names.names_val = g_new0(remote_nonnull_string, MAX(n, 1));
    for (guint i = 0; i < n; i++)
        r->names.names_val[i] = g_strdup(((VstorVolId *)vols->pdata[i])->name);
    return 0;
}

static void
put_vol(const char *pool, const char *name, const char *key, gpointer data)
{
    VstorRpcBuilder *b = data;

    vstor_rpc_builder_string(b, pool);
    vstor_rpc_builder_string(b, name);
    vstor_rpc_builder_string(b, key);
}

/* The list goes on the wire as the driver walks its volumes: no copy of each name and key,
 * no second pass to measure the message (a pool of thousands of volumes is listed often). */
static int
proc_list_all_volumes(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                      GError **err)
{
    remote_storage_pool_list_all_volumes_args *a = args;
    g_auto(VstorPoolId) id = {0};
    g_autoptr(VstorRpcBuilder) b = NULL;
    vstor_message_header rh = *hdr;
    GBytes *reply;
    gsize count_at;
    int n;

    if (vstor_access_check_pool(c, &a->pool, VSTOR_ACCESS_SEE, "virStoragePoolListAllVolumes",
                                err) < 0)
        return -1;
    vstor_wire_pool_to_id(&a->pool, &id);
    rh.type = VSTOR_MSG_REPLY;
    rh.status = VSTOR_STATUS_OK;
    b = vstor_rpc_builder_new(&rh, 64 * 1024);
    count_at = vstor_rpc_builder_u32(b, 0);
    n = vstor_driver_vol_foreach(DRV(c), &id, a->flags, a->need_results ? put_vol : NULL, b, err);
    if (n < 0)
        return -1;
    if (a->need_results && n > REMOTE_STORAGE_VOL_LIST_MAX) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "Too many storage volumes '%d' for limit '%d': libvirt's protocol "
                        "carries at most %d in one list; look volumes up by name or path",
                        n, REMOTE_STORAGE_VOL_LIST_MAX, REMOTE_STORAGE_VOL_LIST_MAX);
        return -1;
    }
    if (a->need_results)
        vstor_rpc_builder_set_u32(b, count_at, (guint32)n);
    vstor_rpc_builder_u32(b, (guint32)n);
    if (!(reply = vstor_rpc_builder_finish(b, err)))
        return -1;
    vstor_client_send(c, reply);
    return 1;
}

static int
proc_lookup_by_name(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    remote_storage_vol_lookup_by_name_args *a = args;
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) id = {0};

    if (vstor_access_check_pool(c, &a->pool, VSTOR_ACCESS_SEE, "virStorageVolLookupByName", err) <
        0)
        return -1;
    vstor_wire_pool_to_id(&a->pool, &pool);
    if (vstor_driver_vol_lookup_by_name(DRV(c), &pool, a->name, &id, err) < 0)
        return -1;
    return reply_vol(&id, ret);
}

static int
proc_lookup_by_key(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                   GError **err)
{
    const char *key = ((remote_string_args *)args)->str;
    g_auto(VstorVolId) id = {0};

    if (vstor_driver_vol_lookup_by_key(DRV(c), key, &id, err) < 0)
        return -1;
    /* A volume in a pool the client may not see is not there for it. */
    if (!vstor_access_may_see(c, id.pool)) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching key %s", key);
        return -1;
    }
    return reply_vol(&id, ret);
}

static int
proc_lookup_by_path(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    const char *path = ((remote_string_args *)args)->str;
    g_auto(VstorVolId) id = {0};

    if (vstor_driver_vol_lookup_by_path(DRV(c), path, &id, err) < 0)
        return -1;
    if (!vstor_access_may_see(c, id.pool)) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching path '%s'",
                        path);
        return -1;
    }
    return reply_vol(&id, ret);
}

static int
proc_create_xml(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                GError **err)
{
    remote_storage_vol_create_xml_args *a = args;
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) id = {0};

    if (vstor_access_check_pool(c, &a->pool, VSTOR_ACCESS_USE, "virStorageVolCreateXML", err) < 0)
        return -1;
    vstor_wire_pool_to_id(&a->pool, &pool);
    if (vstor_driver_vol_create(DRV(c), &pool, a->xml, a->flags, &id, err) < 0)
        return -1;
    return reply_vol(&id, ret);
}

static int
proc_create_xml_from(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                     GError **err)
{
    remote_storage_vol_create_xml_from_args *a = args;
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) source = {0};
    g_auto(VstorVolId) id = {0};

    /* A clone reads the source's data: 'use' on both pools. */
    if (vstor_access_check_pool(c, &a->pool, VSTOR_ACCESS_USE, "virStorageVolCreateXMLFrom", err) <
            0 ||
        vstor_access_check_pool_name(c, a->clonevol.pool, VSTOR_ACCESS_USE,
                                     "virStorageVolCreateXMLFrom", err) < 0)
        return -1;
    vstor_wire_pool_to_id(&a->pool, &pool);
    vstor_wire_vol_to_id(&a->clonevol, &source);
    if (vstor_driver_vol_create_from(DRV(c), &pool, a->xml, &source, a->flags, &id, err) < 0)
        return -1;
    return reply_vol(&id, ret);
}

static int
proc_delete(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_vol_flags_args *a = args;
    g_auto(VstorVolId) id = {0};

    if (vstor_access_check_pool_name(c, a->vol.pool, VSTOR_ACCESS_USE, "virStorageVolDelete", err) <
        0)
        return -1;
    vstor_wire_vol_to_id(&a->vol, &id);
    return vstor_driver_vol_delete(DRV(c), &id, a->flags, err);
}

static int
proc_wipe(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_vol_flags_args *a = args;
    g_auto(VstorVolId) id = {0};

    if (vstor_access_check_pool_name(c, a->vol.pool, VSTOR_ACCESS_USE, "virStorageVolWipe", err) <
        0)
        return -1;
    vstor_wire_vol_to_id(&a->vol, &id);
    return vstor_driver_vol_wipe(DRV(c), &id, 0 /* VIR_STORAGE_VOL_WIPE_ALG_ZERO */, a->flags, err);
}

static int
proc_wipe_pattern(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                  GError **err)
{
    remote_storage_vol_wipe_pattern_args *a = args;
    g_auto(VstorVolId) id = {0};

    if (vstor_access_check_pool_name(c, a->vol.pool, VSTOR_ACCESS_USE, "virStorageVolWipePattern",
                                     err) < 0)
        return -1;
    vstor_wire_vol_to_id(&a->vol, &id);
    return vstor_driver_vol_wipe(DRV(c), &id, a->algorithm, a->flags, err);
}

static int
proc_resize(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_storage_vol_resize_args *a = args;
    g_auto(VstorVolId) id = {0};

    if (vstor_access_check_pool_name(c, a->vol.pool, VSTOR_ACCESS_USE, "virStorageVolResize", err) <
        0)
        return -1;
    vstor_wire_vol_to_id(&a->vol, &id);
    return vstor_driver_vol_resize(DRV(c), &id, a->capacity, a->flags, err);
}

static int
vol_info(VstorClient *c, const remote_nonnull_storage_vol *vol, unsigned int flags, void *ret,
         GError **err)
{
    remote_storage_vol_get_info_ret *r = ret;
    g_auto(VstorVolId) id = {0};
    VstorVolInfo info;

    if (vstor_access_check_pool_name(c, vol->pool, VSTOR_ACCESS_SEE, "virStorageVolGetInfo", err) <
        0)
        return -1;
    vstor_wire_vol_to_id(vol, &id);
    if (vstor_driver_vol_get_info(DRV(c), &id, flags, &info, err) < 0)
        return -1;
    r->type = (char)info.type;
    r->capacity = info.capacity;
    r->allocation = info.allocation;
    return 0;
}

static int
proc_get_info(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    return vol_info(c, &((remote_vol_args *)args)->vol, 0, ret, err);
}

static int
proc_get_info_flags(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    remote_vol_flags_args *a = args;

    return vol_info(c, &a->vol, a->flags, ret, err);
}

static int
proc_get_xml(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_vol_flags_args *a = args;
    g_auto(VstorVolId) id = {0};
    char *xml;

    if (vstor_access_check_pool_name(c, a->vol.pool, VSTOR_ACCESS_SEE, "virStorageVolGetXMLDesc",
                                     err) < 0)
        return -1;
    vstor_wire_vol_to_id(&a->vol, &id);
    xml = vstor_driver_vol_get_xml(DRV(c), &id, a->flags, err);
    if (!xml)
        return -1;
    ((remote_xml_ret *)ret)->xml = xml;
    return 0;
}

static int
proc_get_path(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    g_auto(VstorVolId) id = {0};
    const remote_nonnull_storage_vol *vol = &((remote_vol_args *)args)->vol;
    char *path;

    if (vstor_access_check_pool_name(c, vol->pool, VSTOR_ACCESS_SEE, "virStorageVolGetPath", err) <
        0)
        return -1;
    vstor_wire_vol_to_id(vol, &id);
    path = vstor_driver_vol_get_path(DRV(c), &id, err);
    if (!path)
        return -1;
    ((remote_xml_ret *)ret)->xml = path;
    return 0;
}

const VstorProc vstor_vol_procs[] = {
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES, proc_num_of_volumes, remote_pool_args,
               remote_int_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES, proc_list_volumes,
               remote_storage_pool_list_volumes_args, remote_storage_pool_list_volumes_ret, NULL,
               FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES, proc_list_all_volumes,
               remote_storage_pool_list_all_volumes_args, remote_storage_pool_list_all_volumes_ret,
               NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, proc_lookup_by_name,
               remote_storage_vol_lookup_by_name_args, remote_vol_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY, proc_lookup_by_key, remote_string_args,
               remote_vol_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, proc_lookup_by_path, remote_string_args,
               remote_vol_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_CREATE_XML, proc_create_xml,
               remote_storage_vol_create_xml_args, remote_vol_ret, "virStorageVolCreateXML", FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM, proc_create_xml_from,
               remote_storage_vol_create_xml_from_args, remote_vol_ret,
               "virStorageVolCreateXMLFrom", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_VOL_DELETE, proc_delete, remote_vol_flags_args,
                     "virStorageVolDelete", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_VOL_WIPE, proc_wipe, remote_vol_flags_args,
                     "virStorageVolWipe", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_VOL_WIPE_PATTERN, proc_wipe_pattern,
                     remote_storage_vol_wipe_pattern_args, "virStorageVolWipePattern", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_VOL_RESIZE, proc_resize, remote_storage_vol_resize_args,
                     "virStorageVolResize", FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_GET_INFO, proc_get_info, remote_vol_args,
               remote_storage_vol_get_info_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS, proc_get_info_flags, remote_vol_flags_args,
               remote_storage_vol_get_info_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, proc_get_xml, remote_vol_flags_args,
               remote_xml_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_VOL_GET_PATH, proc_get_path, remote_vol_args, remote_xml_ret,
               NULL, FALSE),
    {0},
};
