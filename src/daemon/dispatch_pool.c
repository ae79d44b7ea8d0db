/* dispatch_pool.c: the storage pool procedures — legacy and list-all listings, lookups,
 * define/create/build/start/destroy/delete/undefine/refresh, info, XML, autostart, state,
 * source discovery and pool capabilities — each a thin translation onto the driver after the
 * pool access check (listings show what the client may see, lifecycle needs 'manage'). */
#include <string.h>

#include "conf/pool_caps.h"
#include "daemon/daemon.h"
#include "util/error.h"

#define DRV(c) vstor_server_driver(vstor_client_server(c))

/* Fills a pool reply from a driver id, which it clears. */
static int
reply_pool(VstorPoolId *id, void *ret)
{
    vstor_wire_pool_from_id(id, &((remote_pool_ret *)ret)->pool);
    vstor_pool_id_clear(id);
    return 0;
}

/* Names of the pools matching @flags, at most @max (libvirt's legacy list calls). */
static int
list_names(VstorClient *c, unsigned int flags, int max, remote_connect_list_storage_pools_ret *r,
           GError **err)
{
    g_autoptr(GPtrArray) pools = NULL;
    guint n;

    if (max < 0 || max > REMOTE_STORAGE_POOL_LIST_MAX) {
        vstor_error_set(err, VSTOR_ERR_RPC, "maxnames > REMOTE_STORAGE_POOL_LIST_MAX");
        return -1;
    }
    pools = vstor_driver_pool_list(DRV(c), flags, err);
    if (!pools)
        return -1;
    vstor_access_filter_pools(c, pools);
    n = MIN(pools->len, (guint)max);
    r->names.names_len = n;
    r->names.names_val = g_new0(remote_nonnull_string, MAX(n, 1));
    for (guint i = 0; i < n; i++)
        r->names.names_val[i] = g_strdup(((VstorPoolId *)pools->pdata[i])->name);
    return 0;
}

/* The number of active (or inactive) pools the client may see. */
static int
count_pools(VstorClient *c, gboolean active, void *ret, GError **err)
{
    g_autoptr(GPtrArray) pools = NULL;

    if (!vstor_access_client_restricted(c)) {
        ((remote_int_ret *)ret)->value = vstor_driver_pool_count(DRV(c), active);
        return 0;
    }
    pools = vstor_driver_pool_list(
        DRV(c), active ? VSTOR_LIST_POOLS_ACTIVE : VSTOR_LIST_POOLS_INACTIVE, err);
    if (!pools)
        return -1;
    vstor_access_filter_pools(c, pools);
    ((remote_int_ret *)ret)->value = (int)pools->len;
    return 0;
}

static int
proc_num_active(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                GError **err)
{
    return count_pools(c, TRUE, ret, err);
}

static int
proc_num_defined(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                 GError **err)
{
    return count_pools(c, FALSE, ret, err);
}

static int
proc_list_active(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                 GError **err)
{
    return list_names(c, VSTOR_LIST_POOLS_ACTIVE,
                      ((remote_connect_list_storage_pools_args *)args)->maxnames, ret, err);
}

static int
proc_list_defined(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                  GError **err)
{
    return list_names(c, VSTOR_LIST_POOLS_INACTIVE,
                      ((remote_connect_list_storage_pools_args *)args)->maxnames, ret, err);
}

static int
proc_list_all(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_connect_list_all_storage_pools_args *a = args;
    remote_connect_list_all_storage_pools_ret *r = ret;
    g_autoptr(GPtrArray) pools = vstor_driver_pool_list(DRV(c), a->flags, err);

    if (!pools)
        return -1;
    vstor_access_filter_pools(c, pools);
    if (a->need_results) {
        r->pools.pools_len = pools->len;
        r->pools.pools_val = g_new0(remote_nonnull_storage_pool, MAX(pools->len, 1));
        for (guint i = 0; i < pools->len; i++)
            vstor_wire_pool_from_id(pools->pdata[i], &r->pools.pools_val[i]);
    }
    r->ret = pools->len;
    return 0;
}

static int
proc_find_sources(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                  GError **err)
{
    remote_connect_find_storage_pool_sources_args *a = args;
    remote_connect_find_storage_pool_sources_ret *r = ret;
    char *xml;

    /* Discovery probes the host's devices and servers, which belong to no pool. */
    if (vstor_access_check_manager(c, "storage", "virConnectFindStoragePoolSources", err) < 0)
        return -1;
    xml = vstor_driver_find_pool_sources(DRV(c), a->type, a->srcSpec ? *a->srcSpec : NULL, a->flags,
                                         err);
    if (!xml)
        return -1;
    r->xml = xml; /* GLib allocates with malloc, which the XDR free expects */
    return 0;
}

static int
proc_pool_caps(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    unsigned int flags = ((remote_connect_get_storage_pool_capabilities_args *)args)->flags;

    if (flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, "vstorConnectGetStoragePoolCapabilities");
        return -1;
    }
    ((remote_connect_get_storage_pool_capabilities_ret *)ret)->capabilities =
        vstor_pool_caps_format();
    return 0;
}

static int
proc_lookup_by_name(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    const char *name = ((remote_string_args *)args)->str;
    g_auto(VstorPoolId) id = {0};

    if (vstor_access_check_pool_name(c, name, VSTOR_ACCESS_SEE, "virStoragePoolLookupByName", err) <
        0)
        return -1;
    if (vstor_driver_pool_lookup_by_name(DRV(c), name, &id, err) < 0)
        return -1;
    return reply_pool(&id, ret);
}

static int
proc_lookup_by_uuid(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    g_auto(VstorPoolId) id = {0};
    remote_storage_pool_lookup_by_uuid_args *a = args;

    if (vstor_driver_pool_lookup_by_uuid(DRV(c), (const guint8 *)a->uuid, &id, err) < 0)
        return -1;
    if (!vstor_access_may_see(c, id.name)) {
        char uuid[VSTOR_UUID_STRING_LEN];

        vstor_uuid_format((const guint8 *)a->uuid, uuid);
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching uuid '%s'",
                        uuid);
        return -1;
    }
    return reply_pool(&id, ret);
}

static int
proc_lookup_by_volume(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                      GError **err)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};

    vstor_wire_vol_to_id(&((remote_storage_pool_lookup_by_volume_args *)args)->vol, &vol);
    if (vstor_access_check_pool_name(c, vol.pool, VSTOR_ACCESS_SEE, "virStoragePoolLookupByVolume",
                                     err) < 0)
        return -1;
    if (vstor_driver_pool_lookup_by_volume(DRV(c), &vol, &id, err) < 0)
        return -1;
    return reply_pool(&id, ret);
}

static int
proc_lookup_by_target_path(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                           GError **err)
{
    const char *path = ((remote_string_args *)args)->str;
    g_auto(VstorPoolId) id = {0};

    if (vstor_driver_pool_lookup_by_target_path(DRV(c), path, &id, err) < 0)
        return -1;
    if (!vstor_access_may_see(c, id.name)) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL,
                        "no storage pool with matching target path '%s'", path);
        return -1;
    }
    return reply_pool(&id, ret);
}

static int
proc_create_xml(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                GError **err)
{
    remote_string_flags_args *a = args;
    g_auto(VstorPoolId) id = {0};

    if (vstor_access_check_define(c, a->str, "virStoragePoolCreateXML", err) < 0)
        return -1;
    if (vstor_driver_pool_create(DRV(c), a->str, a->flags, &id, err) < 0)
        return -1;
    return reply_pool(&id, ret);
}

static int
proc_define_xml(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                GError **err)
{
    remote_string_flags_args *a = args;
    g_auto(VstorPoolId) id = {0};

    if (vstor_access_check_define(c, a->str, "virStoragePoolDefineXML", err) < 0)
        return -1;
    if (vstor_driver_pool_define(DRV(c), a->str, a->flags, &id, err) < 0)
        return -1;
    return reply_pool(&id, ret);
}

/* The lifecycle procedures: they take a pool (and flags), need 'manage', return nothing. */
#define POOL_FLAGS_PROC(fname, api, call)                                                          \
    static int fname(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,       \
                     GError **err)                                                                 \
    {                                                                                              \
        remote_pool_flags_args *a = args;                                                          \
        g_auto(VstorPoolId) id = {0};                                                              \
        if (vstor_access_check_pool(c, &a->pool, VSTOR_ACCESS_MANAGE, api, err) < 0)               \
            return -1;                                                                             \
        vstor_wire_pool_to_id(&a->pool, &id);                                                      \
        return call;                                                                               \
    }

POOL_FLAGS_PROC(proc_create, "virStoragePoolCreate",
                vstor_driver_pool_start(DRV(c), &id, a->flags, err))
POOL_FLAGS_PROC(proc_build, "virStoragePoolBuild",
                vstor_driver_pool_build(DRV(c), &id, a->flags, err))
POOL_FLAGS_PROC(proc_delete, "virStoragePoolDelete",
                vstor_driver_pool_delete(DRV(c), &id, a->flags, err))
POOL_FLAGS_PROC(proc_refresh, "virStoragePoolRefresh",
                vstor_driver_pool_refresh(DRV(c), &id, a->flags, err))
POOL_FLAGS_PROC(proc_destroy, "virStoragePoolDestroy", vstor_driver_pool_destroy(DRV(c), &id, err))
POOL_FLAGS_PROC(proc_undefine, "virStoragePoolUndefine",
                vstor_driver_pool_undefine(DRV(c), &id, err))

/* A pool argument the client must be able to see. */
#define CHECK_SEE(c, pool, api, err)                                                               \
    do {                                                                                           \
        if (vstor_access_check_pool(c, pool, VSTOR_ACCESS_SEE, api, err) < 0)                      \
            return -1;                                                                             \
    } while (0)

static int
proc_get_info(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_storage_pool_get_info_ret *r = ret;
    g_auto(VstorPoolId) id = {0};
    VstorPoolInfo info;

    CHECK_SEE(c, &((remote_pool_args *)args)->pool, "virStoragePoolGetInfo", err);
    vstor_wire_pool_to_id(&((remote_pool_args *)args)->pool, &id);
    if (vstor_driver_pool_get_info(DRV(c), &id, &info, err) < 0)
        return -1;
    r->state = (u_char)info.state;
    r->capacity = info.capacity;
    r->allocation = info.allocation;
    r->available = info.available;
    return 0;
}

static int
proc_get_xml(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_pool_flags_args *a = args;
    g_auto(VstorPoolId) id = {0};
    char *xml;

    CHECK_SEE(c, &a->pool, "virStoragePoolGetXMLDesc", err);
    vstor_wire_pool_to_id(&a->pool, &id);
    xml = vstor_driver_pool_get_xml(DRV(c), &id, a->flags, err);
    if (!xml)
        return -1;
    ((remote_xml_ret *)ret)->xml = xml;
    return 0;
}

static int
proc_get_autostart(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                   GError **err)
{
    g_auto(VstorPoolId) id = {0};
    gboolean autostart;

    CHECK_SEE(c, &((remote_pool_args *)args)->pool, "virStoragePoolGetAutostart", err);
    vstor_wire_pool_to_id(&((remote_pool_args *)args)->pool, &id);
    if (vstor_driver_pool_get_autostart(DRV(c), &id, &autostart, err) < 0)
        return -1;
    ((remote_int_ret *)ret)->value = autostart ? 1 : 0;
    return 0;
}

static int
proc_set_autostart(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                   GError **err)
{
    remote_storage_pool_set_autostart_args *a = args;
    g_auto(VstorPoolId) id = {0};

    if (vstor_access_check_pool(c, &a->pool, VSTOR_ACCESS_MANAGE, "virStoragePoolSetAutostart",
                                err) < 0)
        return -1;
    vstor_wire_pool_to_id(&a->pool, &id);
    return vstor_driver_pool_set_autostart(DRV(c), &id, a->autostart != 0, err);
}

static int
proc_is_active(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    g_auto(VstorPoolId) id = {0};
    int v;

    CHECK_SEE(c, &((remote_pool_args *)args)->pool, "virStoragePoolIsActive", err);
    vstor_wire_pool_to_id(&((remote_pool_args *)args)->pool, &id);
    v = vstor_driver_pool_is_active(DRV(c), &id, err);
    if (v < 0)
        return -1;
    ((remote_int_ret *)ret)->value = v;
    return 0;
}

static int
proc_is_persistent(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                   GError **err)
{
    g_auto(VstorPoolId) id = {0};
    int v;

    CHECK_SEE(c, &((remote_pool_args *)args)->pool, "virStoragePoolIsPersistent", err);
    vstor_wire_pool_to_id(&((remote_pool_args *)args)->pool, &id);
    v = vstor_driver_pool_is_persistent(DRV(c), &id, err);
    if (v < 0)
        return -1;
    ((remote_int_ret *)ret)->value = v;
    return 0;
}

const VstorProc vstor_pool_procs[] = {
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS, proc_num_active, remote_int_ret,
                      NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS, proc_list_active,
               remote_connect_list_storage_pools_args, remote_connect_list_storage_pools_ret, NULL,
               FALSE),
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS, proc_num_defined,
                      remote_int_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS, proc_list_defined,
               remote_connect_list_storage_pools_args, remote_connect_list_storage_pools_ret, NULL,
               FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, proc_list_all,
               remote_connect_list_all_storage_pools_args,
               remote_connect_list_all_storage_pools_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES, proc_find_sources,
               remote_connect_find_storage_pool_sources_args,
               remote_connect_find_storage_pool_sources_ret, "virConnectFindStoragePoolSources",
               FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_GET_STORAGE_POOL_CAPABILITIES, proc_pool_caps,
               remote_connect_get_storage_pool_capabilities_args,
               remote_connect_get_storage_pool_capabilities_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, proc_lookup_by_name, remote_string_args,
               remote_pool_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID, proc_lookup_by_uuid,
               remote_storage_pool_lookup_by_uuid_args, remote_pool_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME, proc_lookup_by_volume,
               remote_storage_pool_lookup_by_volume_args, remote_pool_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_TARGET_PATH, proc_lookup_by_target_path,
               remote_string_args, remote_pool_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_CREATE_XML, proc_create_xml, remote_string_flags_args,
               remote_pool_ret, "virStoragePoolCreateXML", FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_DEFINE_XML, proc_define_xml, remote_string_flags_args,
               remote_pool_ret, "virStoragePoolDefineXML", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_POOL_CREATE, proc_create, remote_pool_flags_args,
                     "virStoragePoolCreate", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_POOL_BUILD, proc_build, remote_pool_flags_args,
                     "virStoragePoolBuild", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_POOL_DESTROY, proc_destroy, remote_pool_args,
                     "virStoragePoolDestroy", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_POOL_DELETE, proc_delete, remote_pool_flags_args,
                     "virStoragePoolDelete", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_POOL_UNDEFINE, proc_undefine, remote_pool_args,
                     "virStoragePoolUndefine", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_POOL_REFRESH, proc_refresh, remote_pool_flags_args,
                     "virStoragePoolRefresh", FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_GET_INFO, proc_get_info, remote_pool_args,
               remote_storage_pool_get_info_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, proc_get_xml, remote_pool_flags_args,
               remote_xml_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, proc_get_autostart, remote_pool_args,
               remote_int_ret, NULL, FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, proc_set_autostart,
                     remote_storage_pool_set_autostart_args, "virStoragePoolSetAutostart", FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, proc_is_active, remote_pool_args, remote_int_ret,
               NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, proc_is_persistent, remote_pool_args,
               remote_int_ret, NULL, FALSE),
    {0},
};
