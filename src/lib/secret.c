/* secret.c: the public secret calls — define, undefine, look-ups, listing, XML, values and
 * events — over the embedded driver's secret store, or handed to remote_secret.c. */
#include <string.h>

#include "lib/lib_priv.h"
#include "util/error.h"

#define STORE(conn) vstor_driver_secrets((conn)->driver)

static VstorStorageSecret *
wrap(VstorConnect *conn, int rc, VstorSecretId *id)
{
    return rc < 0 ? NULL : lib_secret_new(conn, id);
}

VstorStorageSecret *
vstor_storage_secret_define_xml(VstorConnect *conn, const char *xml, unsigned int flags,
                                GError **error)
{
    VstorSecretId id = {0};

    g_return_val_if_fail(conn != NULL && xml != NULL, NULL);
    if (conn->rpc)
        return lib_remote_secret_define(conn, xml, flags, error);
    if (lib_check_writable(conn, "virSecretDefineXML", error) < 0)
        return NULL;
    return wrap(conn, vstor_secret_define(STORE(conn), xml, flags, &id, error), &id);
}

int
vstor_storage_secret_undefine(VstorStorageSecret *secret, GError **error)
{
    g_return_val_if_fail(secret != NULL, -1);
    if (secret->conn->rpc)
        return lib_remote_secret_undefine(secret, error);
    if (lib_check_writable(secret->conn, "virSecretUndefine", error) < 0)
        return -1;
    return vstor_secret_undefine(STORE(secret->conn), secret->id.uuid, error);
}

VstorStorageSecret *
vstor_storage_secret_lookup_by_uuid_string(VstorConnect *conn, const char *uuid, GError **error)
{
    VstorSecretId id = {0};
    guint8 raw[VSTOR_UUID_LEN];

    g_return_val_if_fail(conn != NULL && uuid != NULL, NULL);
    if (!vstor_uuid_parse(uuid, raw)) {
        /* libvirt's argument check, in its words (no "invalid argument:" prefix): scripts
         * and transcripts see what virsh shows. */
        g_set_error_literal(error, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG,
                            "uuidstr in virSecretLookupByUUIDString must be a valid UUID");
        return NULL;
    }
    if (conn->rpc)
        return lib_remote_secret_lookup(conn, raw, 0, NULL, error);
    return wrap(conn, vstor_secret_lookup_by_uuid(STORE(conn), raw, &id, error), &id);
}

VstorStorageSecret *
vstor_storage_secret_lookup_by_usage(VstorConnect *conn, int usage_type, const char *usage_id,
                                     GError **error)
{
    VstorSecretId id = {0};

    g_return_val_if_fail(conn != NULL && usage_id != NULL, NULL);
    if (conn->rpc)
        return lib_remote_secret_lookup(conn, NULL, usage_type, usage_id, error);
    return wrap(conn, vstor_secret_lookup_by_usage(STORE(conn), usage_type, usage_id, &id, error),
                &id);
}

GPtrArray *
vstor_connect_list_all_secrets(VstorConnect *conn, unsigned int flags, GError **error)
{
    g_autoptr(GPtrArray) ids = NULL;
    GPtrArray *out;

    g_return_val_if_fail(conn != NULL, NULL);
    if (conn->rpc)
        return lib_remote_secret_list(conn, flags, error);
    if (!(ids = vstor_secret_list(STORE(conn), flags, error)))
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_storage_secret_free);
    for (guint i = 0; i < ids->len; i++)
        g_ptr_array_add(out, lib_secret_new(conn, ids->pdata[i]));
    return out;
}

char *
vstor_storage_secret_get_xml_desc(VstorStorageSecret *secret, unsigned int flags, GError **error)
{
    g_return_val_if_fail(secret != NULL, NULL);
    if (secret->conn->rpc)
        return lib_remote_secret_get_xml(secret, flags, error);
    return vstor_secret_get_xml(STORE(secret->conn), secret->id.uuid, flags, error);
}

guint8 *
vstor_storage_secret_get_value(VstorStorageSecret *secret, gsize *ret_len, unsigned int flags,
                               GError **error)
{
    g_return_val_if_fail(secret != NULL && ret_len != NULL, NULL);
    if (secret->conn->rpc)
        return lib_remote_secret_get_value(secret, flags, ret_len, error);
    if (lib_check_writable(secret->conn, "virSecretGetValue", error) < 0)
        return NULL;
    /* A client of the library is never the driver itself: private secrets stay private. */
    return vstor_secret_get_value(STORE(secret->conn), secret->id.uuid, flags, FALSE, ret_len,
                                  error);
}

int
vstor_storage_secret_set_value(VstorStorageSecret *secret, const guint8 *value, gsize len,
                               unsigned int flags, GError **error)
{
    g_return_val_if_fail(secret != NULL && (value != NULL || len == 0), -1);
    if (secret->conn->rpc)
        return lib_remote_secret_set_value(secret, value, len, flags, error);
    if (lib_check_writable(secret->conn, "virSecretSetValue", error) < 0)
        return -1;
    return vstor_secret_set_value(STORE(secret->conn), secret->id.uuid, value, len, flags, error);
}

const char *
vstor_storage_secret_get_uuid_string(VstorStorageSecret *secret)
{
    return secret->uuid;
}

int
vstor_storage_secret_get_usage_type(VstorStorageSecret *secret)
{
    return secret->id.usage_type;
}

const char *
vstor_storage_secret_get_usage_id(VstorStorageSecret *secret)
{
    return secret->id.usage_id;
}

void
vstor_storage_secret_free(VstorStorageSecret *secret)
{
    if (!secret)
        return;
    vstor_secret_id_clear(&secret->id);
    g_free(secret);
}

/* --- events --- */

LibSecretEvent *
lib_secret_event_ref(LibSecretEvent *ev)
{
    g_atomic_int_inc(&ev->refs);
    return ev;
}

void
lib_secret_event_unref(gpointer p)
{
    LibSecretEvent *ev = p;

    if (!ev || !g_atomic_int_dec_and_test(&ev->refs))
        return;
    if (ev->destroy)
        ev->destroy(ev->data);
    g_free(ev);
}

GHashTable *
lib_secret_events_new(void)
{
    return g_hash_table_new_full(NULL, NULL, NULL, lib_secret_event_unref);
}

/* The store's one subscription per connection: runs on the thread that changed the secret;
 * the matching registrations are referenced under the lock and called outside it. */
static void
on_store_event(const VstorSecretId *id, VstorSecretEventType event, gpointer user_data)
{
    VstorConnect *conn = user_data;
    int event_id = event == VSTOR_SECRET_EVENT_VALUE_CHANGED
                       ? VSTOR_STORAGE_SECRET_EVENT_ID_VALUE_CHANGED
                       : VSTOR_STORAGE_SECRET_EVENT_ID_LIFECYCLE;
    g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(lib_secret_event_unref);
    GHashTableIter it;
    gpointer v;

    g_mutex_lock(&conn->lock);
    g_hash_table_iter_init(&it, conn->secret_events);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        LibSecretEvent *ev = v;

        if (ev->event_id == event_id &&
            (!ev->one_secret || memcmp(ev->uuid, id->uuid, VSTOR_UUID_LEN) == 0))
            g_ptr_array_add(targets, lib_secret_event_ref(ev));
    }
    g_mutex_unlock(&conn->lock);
    for (guint i = 0; i < targets->len; i++) {
        LibSecretEvent *ev = targets->pdata[i];
        VstorSecretId copy = {0};
        VstorStorageSecret *secret;

        memcpy(copy.uuid, id->uuid, VSTOR_UUID_LEN);
        copy.usage_type = id->usage_type;
        copy.usage_id = g_strdup(id->usage_id);
        secret = lib_secret_new(conn, &copy);
        ev->func(conn, secret, (VstorStorageSecretEventType)event, ev->data);
        vstor_storage_secret_free(secret);
    }
}

int
vstor_connect_secret_event_register(VstorConnect *conn, VstorStorageSecret *secret, int event_id,
                                    VstorStorageSecretEventFunc func, gpointer data,
                                    GDestroyNotify destroy, GError **error)
{
    LibSecretEvent *ev;
    int id;

    g_return_val_if_fail(conn != NULL, -1);
    if (!func) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG, "an event callback is required");
        return -1;
    }
    if (event_id != VSTOR_STORAGE_SECRET_EVENT_ID_LIFECYCLE &&
        event_id != VSTOR_STORAGE_SECRET_EVENT_ID_VALUE_CHANGED) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG, "unsupported event ID %d", event_id);
        return -1;
    }
    ev = g_new0(LibSecretEvent, 1);
    ev->refs = 1;
    ev->event_id = event_id;
    ev->func = func;
    ev->data = data;
    ev->destroy = destroy;
    ev->server_id = -1;
    if (secret) {
        ev->one_secret = TRUE;
        memcpy(ev->uuid, secret->id.uuid, VSTOR_UUID_LEN);
    }
    if (conn->rpc) {
        if ((id = lib_remote_secret_event_register(conn, ev, error)) < 0) {
            /* The caller keeps @data on failure. */
            ev->destroy = NULL;
            lib_secret_event_unref(ev);
        }
        return id;
    }
    g_mutex_lock(&conn->lock);
    if (!conn->secret_sub)
        conn->secret_sub = vstor_secret_store_subscribe(STORE(conn), on_store_event, conn);
    id = ++conn->next_event_id;
    g_hash_table_insert(conn->secret_events, GINT_TO_POINTER(id), ev);
    g_mutex_unlock(&conn->lock);
    return id;
}

int
vstor_connect_secret_event_deregister(VstorConnect *conn, int callback_id, GError **error)
{
    gpointer ev = NULL;
    gboolean found;

    g_return_val_if_fail(conn != NULL, -1);
    if (conn->rpc)
        return lib_remote_secret_event_deregister(conn, callback_id, error);
    g_mutex_lock(&conn->lock);
    found =
        g_hash_table_steal_extended(conn->secret_events, GINT_TO_POINTER(callback_id), NULL, &ev);
    g_mutex_unlock(&conn->lock);
    if (!found) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG,
                        "could not find event callback %d for deletion", callback_id);
        return -1;
    }
    /* Outside the lock (@destroy may call back); a delivery in progress keeps its reference. */
    lib_secret_event_unref(ev);
    return 0;
}

void
lib_secret_events_clear(VstorConnect *conn)
{
    g_autoptr(GList) evs = NULL;
    guint sub;

    g_mutex_lock(&conn->lock);
    sub = conn->secret_sub;
    conn->secret_sub = 0;
    evs = g_hash_table_get_values(conn->secret_events);
    g_hash_table_steal_all(conn->secret_events);
    g_mutex_unlock(&conn->lock);
    if (sub)
        vstor_secret_store_unsubscribe(STORE(conn), sub);
    for (GList *l = evs; l; l = l->next)
        lib_secret_event_unref(l->data);
}
