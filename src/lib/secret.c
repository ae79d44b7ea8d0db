/* secret.c: the public secret calls — define, undefine, look-ups, listing, XML and values —
 * over the embedded driver's secret store, or handed to remote_secret.c. */
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
