/* connect_extra.c: the connection-wide calls beyond pools and volumes — pool capabilities,
 * source discovery, storage pool events (over the driver's subscriptions) and jobs; remote
 * connections hand them to remote_connect.c. */
#include <string.h>

#include "conf/pool_caps.h"
#include "lib/lib_priv.h"
#include "util/error.h"

static int
check_flags(unsigned int flags, const char *func, GError **error)
{
    if (!flags)
        return 0;
    vstor_error_set(error, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s", flags,
                    func);
    return -1;
}

char *
vstor_connect_get_storage_pool_capabilities(VstorConnect *conn, unsigned int flags, GError **error)
{
    g_return_val_if_fail(conn != NULL, NULL);
    if (conn->rpc)
        return lib_remote_pool_capabilities(conn, flags, error);
    if (check_flags(flags, __func__, error) < 0)
        return NULL;
    return vstor_pool_caps_format();
}

char *
vstor_connect_find_storage_pool_sources(VstorConnect *conn, const char *type, const char *spec,
                                        unsigned int flags, GError **error)
{
    g_return_val_if_fail(conn != NULL, NULL);
    if (!type) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG, "a pool type is required");
        return NULL;
    }
    if (conn->rpc)
        return lib_remote_find_pool_sources(conn, type, spec, flags, error);
    if (lib_check_writable(conn, "virConnectFindStoragePoolSources", error) < 0)
        return NULL;
    return vstor_driver_find_pool_sources(conn->driver, type, spec, flags, error);
}

/* --- events --- */

/* One registration: the user's callback, and the pool it is restricted to. */
typedef struct {
    VstorConnect *conn;
    VstorStoragePoolEventFunc func;
    gpointer data;
    GDestroyNotify destroy;
    gboolean one_pool;
    guint8 uuid[VSTOR_UUID_LEN];
} EventReg;

static void
event_reg_free(gpointer p)
{
    EventReg *reg = p;

    if (reg->destroy)
        reg->destroy(reg->data);
    g_free(reg);
}

static void
on_driver_event(const VstorPoolId *id, VstorPoolEventType event, gpointer user_data)
{
    EventReg *reg = user_data;
    VstorPoolId copy = {0};
    VstorStoragePool *pool;

    if (reg->one_pool && memcmp(reg->uuid, id->uuid, VSTOR_UUID_LEN) != 0)
        return;
    copy.name = g_strdup(id->name);
    memcpy(copy.uuid, id->uuid, VSTOR_UUID_LEN);
    pool = lib_pool_new(reg->conn, &copy);
    reg->func(reg->conn, pool, (VstorStoragePoolEventType)event, reg->data);
    vstor_storage_pool_free(pool);
}

int
vstor_connect_storage_pool_event_register(VstorConnect *conn, VstorStoragePool *pool,
                                          VstorStoragePoolEventFunc func, gpointer data,
                                          GDestroyNotify destroy, GError **error)
{
    EventReg *reg;
    guint sub;
    int id;

    g_return_val_if_fail(conn != NULL, -1);
    if (!func) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG, "an event callback is required");
        return -1;
    }
    if (conn->rpc)
        return lib_remote_event_register(conn, pool, func, data, destroy, error);
    reg = g_new0(EventReg, 1);
    reg->conn = conn;
    reg->func = func;
    reg->data = data;
    reg->destroy = destroy;
    if (pool) {
        reg->one_pool = TRUE;
        memcpy(reg->uuid, pool->id.uuid, VSTOR_UUID_LEN);
    }
    sub = vstor_driver_event_subscribe(conn->driver, on_driver_event, reg, event_reg_free);
    g_mutex_lock(&conn->lock);
    id = ++conn->next_event_id;
    g_hash_table_insert(conn->events, GINT_TO_POINTER(id), GUINT_TO_POINTER(sub));
    g_mutex_unlock(&conn->lock);
    return id;
}

int
vstor_connect_storage_pool_event_deregister(VstorConnect *conn, int callback_id, GError **error)
{
    gpointer sub = NULL;
    gboolean found;

    g_return_val_if_fail(conn != NULL, -1);
    if (conn->rpc)
        return lib_remote_event_deregister(conn, callback_id, error);
    g_mutex_lock(&conn->lock);
    found = g_hash_table_steal_extended(conn->events, GINT_TO_POINTER(callback_id), NULL, &sub);
    g_mutex_unlock(&conn->lock);
    if (!found) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG,
                        "could not find event callback %d for deletion", callback_id);
        return -1;
    }
    vstor_driver_event_unsubscribe(conn->driver, GPOINTER_TO_UINT(sub));
    return 0;
}

void
lib_events_clear(VstorConnect *conn)
{
    g_autoptr(GList) subs = NULL;

    g_mutex_lock(&conn->lock);
    subs = g_hash_table_get_values(conn->events);
    g_hash_table_remove_all(conn->events);
    g_mutex_unlock(&conn->lock);
    for (GList *l = subs; l; l = l->next)
        vstor_driver_event_unsubscribe(conn->driver, GPOINTER_TO_UINT(l->data));
}

/* --- jobs --- */

void
vstor_storage_job_info_free(VstorStorageJobInfo *info)
{
    if (!info)
        return;
    g_free(info->pool);
    g_free(info->vol);
    g_free(info);
}

GPtrArray *
vstor_connect_list_jobs(VstorConnect *conn, VstorStoragePool *pool, unsigned int flags,
                        GError **error)
{
    g_autoptr(GPtrArray) jobs = NULL;
    GPtrArray *out;

    g_return_val_if_fail(conn != NULL, NULL);
    if (conn->rpc)
        return lib_remote_list_jobs(conn, pool, flags, error);
    if (check_flags(flags, __func__, error) < 0)
        return NULL;
    if (!(jobs = vstor_driver_job_list(conn->driver, pool ? &pool->id : NULL, error)))
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_storage_job_info_free);
    for (guint i = 0; i < jobs->len; i++) {
        const VstorJobInfo *j = jobs->pdata[i];
        VstorStorageJobInfo *info = g_new0(VstorStorageJobInfo, 1);

        info->id = j->id;
        info->kind = vstor_job_kind_to_string(j->kind);
        info->pool = g_strdup(j->pool);
        info->vol = g_strdup(j->vol);
        info->done = j->done;
        info->total = j->total;
        g_ptr_array_add(out, info);
    }
    return out;
}

int
vstor_connect_cancel_job(VstorConnect *conn, guint64 id, unsigned int flags, GError **error)
{
    g_return_val_if_fail(conn != NULL, -1);
    if (conn->rpc)
        return lib_remote_cancel_job(conn, id, flags, error);
    if (check_flags(flags, __func__, error) < 0 ||
        lib_check_writable(conn, "vstorConnectCancelJob", error) < 0)
        return -1;
    return vstor_driver_job_cancel(conn->driver, id, error);
}
