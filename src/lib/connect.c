/* connect.c: opening connections — "vstor:///embed?root=DIR" runs the driver in-process on
 * a state root, vstord's URIs go to remote_connect.c — and the handles both kinds share. */
#include <string.h>

#include "lib/lib_priv.h"
#include "util/error.h"

/* The state root of an embedded URI, or NULL (with @err set) when @uri is not one. */
static char *
embedded_root(const char *uri, GError **err)
{
    g_autoptr(GUri) parsed = g_uri_parse(uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
    g_autoptr(GHashTable) params = NULL;
    const char *query;
    const char *root;

    if (!parsed || g_strcmp0(g_uri_get_scheme(parsed), "vstor") != 0 ||
        (g_uri_get_host(parsed) && *g_uri_get_host(parsed)) ||
        g_strcmp0(g_uri_get_path(parsed), "/embed") != 0) {
        vstor_error_set(err, VSTOR_ERR_NO_CONNECT,
                        "cannot open '%s': vstor serves vstor:///system (vstord; "
                        "?socket=PATH for another socket) and vstor:///embed?root=DIR",
                        uri);
        return NULL;
    }
    query = g_uri_get_query(parsed);
    params = query ? g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
    root = params ? g_hash_table_lookup(params, "root") : NULL;
    if (!root || !*root) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "embedded URI '%s' needs a state root: vstor:///embed?root=DIR", uri);
        return NULL;
    }
    if (!g_path_is_absolute(root)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "the state root '%s' of an embedded URI must be an absolute path", root);
        return NULL;
    }
    return g_strdup(root);
}

VstorConnect *
vstor_connect_open(const char *uri, unsigned int flags, GError **error)
{
    g_autofree char *root = NULL;
    VstorConnect *conn;
    VstorDriver *drv;

    g_return_val_if_fail(uri != NULL, NULL);
    if (flags & ~(unsigned int)VSTOR_CONNECT_RO) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags & ~(unsigned int)VSTOR_CONNECT_RO, __func__);
        return NULL;
    }
    if (lib_remote_open(uri, flags, &conn, error) < 0)
        return NULL;
    if (conn)
        return conn;
    if (!(root = embedded_root(uri, error)))
        return NULL;
    if (!(drv = vstor_driver_open(root, 0, error)))
        return NULL;
    conn = g_new0(VstorConnect, 1);
    conn->uri = g_strdup(uri);
    conn->driver = drv;
    conn->readonly = (flags & VSTOR_CONNECT_RO) != 0;
    g_mutex_init(&conn->lock);
    conn->events = g_hash_table_new(NULL, NULL);
    conn->secret_events = lib_secret_events_new();
    return conn;
}

void
vstor_connect_close(VstorConnect *conn)
{
    if (!conn)
        return;
    if (conn->rpc) {
        lib_remote_close(conn);
        return;
    }
    lib_events_clear(conn);
    lib_secret_events_clear(conn);
    vstor_driver_close(conn->driver);
    g_hash_table_unref(conn->events);
    g_hash_table_unref(conn->secret_events);
    g_mutex_clear(&conn->lock);
    g_free(conn->uri);
    g_free(conn);
}

const char *
vstor_connect_get_uri(VstorConnect *conn)
{
    return conn->uri;
}

VstorStoragePool *
lib_pool_new(VstorConnect *conn, VstorPoolId *id)
{
    VstorStoragePool *pool = g_new0(VstorStoragePool, 1);

    pool->conn = conn;
    pool->id = *id;
    memset(id, 0, sizeof(*id));
    vstor_uuid_format(pool->id.uuid, pool->uuid);
    return pool;
}

int
lib_check_writable(VstorConnect *conn, const char *api, GError **error)
{
    /* Remote connections learn this from vstord, in the same words. */
    if (!conn->readonly || conn->rpc)
        return 0;
    vstor_error_set(error, VSTOR_ERR_OPERATION_DENIED, "read only access prevents %s", api);
    return -1;
}

VstorStorageSecret *
lib_secret_new(VstorConnect *conn, VstorSecretId *id)
{
    VstorStorageSecret *secret = g_new0(VstorStorageSecret, 1);

    secret->conn = conn;
    secret->id = *id;
    memset(id, 0, sizeof(*id));
    if (!secret->id.usage_id)
        secret->id.usage_id = g_strdup("");
    vstor_uuid_format(secret->id.uuid, secret->uuid);
    return secret;
}

VstorStorageVol *
lib_vol_new(VstorConnect *conn, VstorVolId *id)
{
    VstorStorageVol *vol = g_new0(VstorStorageVol, 1);

    vol->conn = conn;
    vol->id = *id;
    memset(id, 0, sizeof(*id));
    return vol;
}
