/* remote_secret.c: the secret calls of a remote connection — libvirt's secret procedures
 * (define, undefine, look-ups, list-all, XML, values, events) as vstord serves them. */
#include <string.h>

#include "lib/lib_priv.h"
#include "util/error.h"

static void
wire_secret(VstorStorageSecret *secret, remote_nonnull_secret *ret_w)
{
    memcpy(ret_w->uuid, secret->id.uuid, VSTOR_UUID_LEN);
    ret_w->usageType = secret->id.usage_type;
    ret_w->usageID = secret->id.usage_id;
}

static VstorStorageSecret *
secret_from_wire(VstorConnect *conn, const remote_nonnull_secret *w)
{
    VstorSecretId id = {0};

    memcpy(id.uuid, w->uuid, VSTOR_UUID_LEN);
    id.usage_type = w->usageType;
    id.usage_id = g_strdup(w->usageID ? w->usageID : "");
    return lib_secret_new(conn, &id);
}

static VstorStorageSecret *
secret_from_ret(VstorConnect *conn, remote_secret_ret *r)
{
    VstorStorageSecret *secret = secret_from_wire(conn, &r->secret);

    xdr_free((xdrproc_t)xdr_remote_secret_ret, (char *)r);
    return secret;
}

VstorStorageSecret *
lib_remote_secret_define(VstorConnect *conn, const char *xml, unsigned int flags, GError **error)
{
    remote_secret_define_xml_args a = {.xml = (char *)xml, .flags = flags};
    remote_secret_ret r = {0};

    if (lib_remote_call(conn, REMOTE_PROC_SECRET_DEFINE_XML,
                        (xdrproc_t)xdr_remote_secret_define_xml_args, &a,
                        (xdrproc_t)xdr_remote_secret_ret, &r, error) < 0)
        return NULL;
    return secret_from_ret(conn, &r);
}

VstorStorageSecret *
lib_remote_secret_lookup(VstorConnect *conn, const guint8 *uuid, int usage_type,
                         const char *usage_id, GError **error)
{
    remote_secret_ret r = {0};
    int rc;

    if (uuid) {
        remote_secret_lookup_by_uuid_args a;

        memcpy(a.uuid, uuid, VSTOR_UUID_LEN);
        rc = lib_remote_call(conn, REMOTE_PROC_SECRET_LOOKUP_BY_UUID,
                             (xdrproc_t)xdr_remote_secret_lookup_by_uuid_args, &a,
                             (xdrproc_t)xdr_remote_secret_ret, &r, error);
    } else {
        remote_secret_lookup_by_usage_args a = {.usageType = usage_type,
                                                .usageID = (char *)usage_id};

        rc = lib_remote_call(conn, REMOTE_PROC_SECRET_LOOKUP_BY_USAGE,
                             (xdrproc_t)xdr_remote_secret_lookup_by_usage_args, &a,
                             (xdrproc_t)xdr_remote_secret_ret, &r, error);
    }
    return rc < 0 ? NULL : secret_from_ret(conn, &r);
}

GPtrArray *
lib_remote_secret_list(VstorConnect *conn, unsigned int flags, GError **error)
{
    remote_connect_list_all_secrets_args a = {.need_results = 1, .flags = flags};
    remote_connect_list_all_secrets_ret r = {0};
    GPtrArray *out;

    if (lib_remote_call(conn, REMOTE_PROC_CONNECT_LIST_ALL_SECRETS,
                        (xdrproc_t)xdr_remote_connect_list_all_secrets_args, &a,
                        (xdrproc_t)xdr_remote_connect_list_all_secrets_ret, &r, error) < 0)
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_storage_secret_free);
    for (u_int i = 0; i < r.secrets.secrets_len; i++)
        g_ptr_array_add(out, secret_from_wire(conn, &r.secrets.secrets_val[i]));
    xdr_free((xdrproc_t)xdr_remote_connect_list_all_secrets_ret, (char *)&r);
    return out;
}

int
lib_remote_secret_undefine(VstorStorageSecret *secret, GError **error)
{
    remote_secret_undefine_args a;

    wire_secret(secret, &a.secret);
    return lib_remote_call(secret->conn, REMOTE_PROC_SECRET_UNDEFINE,
                           (xdrproc_t)xdr_remote_secret_undefine_args, &a, NULL, NULL, error);
}

char *
lib_remote_secret_get_xml(VstorStorageSecret *secret, unsigned int flags, GError **error)
{
    remote_secret_flags_args a = {.flags = flags};
    remote_secret_get_xml_desc_ret r = {0};
    char *xml;

    wire_secret(secret, &a.secret);
    if (lib_remote_call(secret->conn, REMOTE_PROC_SECRET_GET_XML_DESC,
                        (xdrproc_t)xdr_remote_secret_flags_args, &a,
                        (xdrproc_t)xdr_remote_secret_get_xml_desc_ret, &r, error) < 0)
        return NULL;
    xml = g_strdup(r.xml);
    xdr_free((xdrproc_t)xdr_remote_secret_get_xml_desc_ret, (char *)&r);
    return xml;
}

guint8 *
lib_remote_secret_get_value(VstorStorageSecret *secret, unsigned int flags, gsize *ret_len,
                            GError **error)
{
    remote_secret_flags_args a = {.flags = flags};
    remote_secret_get_value_ret r = {0};
    guint8 *value;

    wire_secret(secret, &a.secret);
    if (lib_remote_call(secret->conn, REMOTE_PROC_SECRET_GET_VALUE,
                        (xdrproc_t)xdr_remote_secret_flags_args, &a,
                        (xdrproc_t)xdr_remote_secret_get_value_ret, &r, error) < 0)
        return NULL;
    value = g_malloc(MAX(r.value.value_len, 1));
    if (r.value.value_len)
        memcpy(value, r.value.value_val, r.value.value_len);
    *ret_len = r.value.value_len;
    /* The decoded copy is freed by xdr_free; do not leave the value behind in it. */
    if (r.value.value_val)
        explicit_bzero(r.value.value_val, r.value.value_len);
    xdr_free((xdrproc_t)xdr_remote_secret_get_value_ret, (char *)&r);
    return value;
}

int
lib_remote_secret_set_value(VstorStorageSecret *secret, const guint8 *value, gsize len,
                            unsigned int flags, GError **error)
{
    remote_secret_set_value_args a = {.flags = flags};

    if (len > REMOTE_SECRET_VALUE_MAX) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG, "secret value is too long: %zu bytes", len);
        return -1;
    }
    wire_secret(secret, &a.secret);
    a.value.value_val = (char *)value;
    a.value.value_len = (u_int)len;
    return lib_remote_call(secret->conn, REMOTE_PROC_SECRET_SET_VALUE,
                           (xdrproc_t)xdr_remote_secret_set_value_args, &a, NULL, NULL, error);
}

/* --- events --- */

static void
server_deregister(VstorConnect *conn, int server_id, GError **error)
{
    remote_connect_secret_event_deregister_any_args a = {.callbackID = server_id};

    if (server_id >= 0)
        (void)lib_remote_call(conn, REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY,
                              (xdrproc_t)xdr_remote_connect_secret_event_deregister_any_args, &a,
                              NULL, NULL, error);
}

int
lib_remote_secret_event_register(VstorConnect *conn, LibSecretEvent *ev, GError **error)
{
    remote_nonnull_secret wire = {.usageID = (char *)""};
    remote_connect_secret_event_register_any_args a = {.eventID = ev->event_id, .secret = NULL};
    remote_connect_secret_event_register_any_ret r = {0};
    int id = -1;

    if (ev->one_secret) {
        /* vstord matches on the uuid only. */
        memcpy(wire.uuid, ev->uuid, VSTOR_UUID_LEN);
        a.secret = &wire;
    }
    /* Held across the call so an event that overtakes the reply waits for its callback id. */
    g_mutex_lock(&conn->lock);
    if (lib_remote_call(conn, REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY,
                        (xdrproc_t)xdr_remote_connect_secret_event_register_any_args, &a,
                        (xdrproc_t)xdr_remote_connect_secret_event_register_any_ret, &r,
                        error) == 0) {
        ev->server_id = r.callbackID;
        id = ++conn->next_event_id;
        g_hash_table_insert(conn->secret_events, GINT_TO_POINTER(id), ev);
    }
    g_mutex_unlock(&conn->lock);
    return id;
}

int
lib_remote_secret_event_deregister(VstorConnect *conn, int callback_id, GError **error)
{
    gpointer p = NULL;
    gboolean found;
    g_autoptr(GError) err = NULL;

    g_mutex_lock(&conn->lock);
    found =
        g_hash_table_steal_extended(conn->secret_events, GINT_TO_POINTER(callback_id), NULL, &p);
    g_mutex_unlock(&conn->lock);
    if (!found) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG,
                        "could not find event callback %d for deletion", callback_id);
        return -1;
    }
    server_deregister(conn, ((LibSecretEvent *)p)->server_id, &err);
    lib_secret_event_unref(p);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    return 0;
}

gboolean
lib_remote_secret_event_dispatch(VstorConnect *conn, const vstor_message_header *hdr, GBytes *msg)
{
    remote_secret_event_lifecycle_msg life = {0};
    remote_secret_event_value_changed_msg changed = {0};
    const remote_nonnull_secret *wire;
    VstorStorageSecretEventType type;
    LibSecretEvent *found = NULL;
    GHashTableIter it;
    gpointer v;
    int cb;

    if (hdr->proc == REMOTE_PROC_SECRET_EVENT_LIFECYCLE) {
        if (vstor_rpc_decode_body(msg, VSTOR_RPC_PREFIX_LEN,
                                  (xdrproc_t)xdr_remote_secret_event_lifecycle_msg, &life,
                                  NULL) < 0)
            return TRUE;
        cb = life.callbackID;
        wire = &life.secret;
        type = (VstorStorageSecretEventType)life.event;
    } else if (hdr->proc == REMOTE_PROC_SECRET_EVENT_VALUE_CHANGED) {
        if (vstor_rpc_decode_body(msg, VSTOR_RPC_PREFIX_LEN,
                                  (xdrproc_t)xdr_remote_secret_event_value_changed_msg, &changed,
                                  NULL) < 0)
            return TRUE;
        cb = changed.callbackID;
        wire = &changed.secret;
        type = VSTOR_STORAGE_SECRET_EVENT_VALUE_CHANGED;
    } else {
        return FALSE;
    }
    g_mutex_lock(&conn->lock);
    g_hash_table_iter_init(&it, conn->secret_events);
    while (!found && g_hash_table_iter_next(&it, NULL, &v)) {
        LibSecretEvent *ev = v;

        if (ev->server_id == cb)
            found = lib_secret_event_ref(ev);
    }
    g_mutex_unlock(&conn->lock);
    if (found) {
        VstorStorageSecret *secret = secret_from_wire(conn, wire);

        found->func(conn, secret, type, found->data);
        vstor_storage_secret_free(secret);
        lib_secret_event_unref(found);
    }
    if (hdr->proc == REMOTE_PROC_SECRET_EVENT_LIFECYCLE)
        xdr_free((xdrproc_t)xdr_remote_secret_event_lifecycle_msg, (char *)&life);
    else
        xdr_free((xdrproc_t)xdr_remote_secret_event_value_changed_msg, (char *)&changed);
    return TRUE;
}
