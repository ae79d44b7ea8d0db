/* secrets.h: the secret store — definitions and values kept under <etc>/secrets as UUID.xml
 * and UUID.base64 (0600, atomic writes), with libvirt's rules for define, usage and flags. */
#pragma once

#include <glib.h>

#include "conf/encryption.h"
#include "conf/secret_conf.h"

typedef struct _VstorSecretStore VstorSecretStore;

/* How a secret is named on the wire: uuid plus usage. */
typedef struct {
    guint8 uuid[VSTOR_UUID_LEN];
    int usage_type;
    char *usage_id; /* "" for usage none */
} VstorSecretId;

void vstor_secret_id_clear(VstorSecretId *id);
void vstor_secret_id_free(VstorSecretId *id);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VstorSecretId, vstor_secret_id_clear)

/* Flags of vstor_secret_store_list (VIR_CONNECT_LIST_SECRETS_*). */
enum {
    VSTOR_LIST_SECRETS_EPHEMERAL = 1 << 0,
    VSTOR_LIST_SECRETS_NO_EPHEMERAL = 1 << 1,
    VSTOR_LIST_SECRETS_PRIVATE = 1 << 2,
    VSTOR_LIST_SECRETS_NO_PRIVATE = 1 << 3,
    VSTOR_LIST_SECRETS_ALL_FLAGS = (1 << 4) - 1,
};

/* VIR_SECRET_DEFINE_VALIDATE. */
#define VSTOR_SECRET_DEFINE_VALIDATE (1 << 0)

/* Secret events: libvirt's VIR_SECRET_EVENT_DEFINED / _UNDEFINED lifecycle events, and the
 * separate value-changed event. */
typedef enum {
    VSTOR_SECRET_EVENT_DEFINED = 0,
    VSTOR_SECRET_EVENT_UNDEFINED = 1,
    VSTOR_SECRET_EVENT_VALUE_CHANGED = 2,
} VstorSecretEventType;

/* Called after the change, outside the store's lock, on the thread that made it. */
typedef void (*VstorSecretEventFunc)(const VstorSecretId *id, VstorSecretEventType event,
                                     gpointer user_data);

/* Opens the store in @dir (created 0700), loading every UUID.xml and its value; files that
 * do not parse or whose uuid is not their name are skipped. Fails when @dir cannot be made. */
VstorSecretStore *vstor_secret_store_open(const char *dir, GError **err);
void vstor_secret_store_free(VstorSecretStore *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorSecretStore, vstor_secret_store_free)

/* Subscribes @func to every secret event; returns an id > 0 for unsubscribe. Unsubscribing
 * must not race with the subscriber's own delivery. */
guint vstor_secret_store_subscribe(VstorSecretStore *st, VstorSecretEventFunc func,
                                   gpointer user_data);
void vstor_secret_store_unsubscribe(VstorSecretStore *st, guint id);

/* Defines or redefines (same uuid: same usage, private cannot be dropped) a secret; a
 * persistent one is saved. Fails with libvirt's errors (parse errors, INTERNAL_ERROR for a
 * conflict, SYSTEM_ERROR when saving fails, which leaves the store unchanged). */
int vstor_secret_define(VstorSecretStore *st, const char *xml, unsigned int flags,
                        VstorSecretId *ret_id, GError **err);
/* Removes a secret and its files. VSTOR_ERR_NO_SECRET when unknown. */
int vstor_secret_undefine(VstorSecretStore *st, const guint8 *uuid, GError **err);
int vstor_secret_lookup_by_uuid(VstorSecretStore *st, const guint8 *uuid, VstorSecretId *ret_id,
                                GError **err);
int vstor_secret_lookup_by_usage(VstorSecretStore *st, int usage_type, const char *usage_id,
                                 VstorSecretId *ret_id, GError **err);
guint vstor_secret_count(VstorSecretStore *st);
/* The secrets matching @flags, sorted by uuid (VstorSecretId*, freeing). INVALID_ARG on
 * unknown flags. */
GPtrArray *vstor_secret_list(VstorSecretStore *st, unsigned int flags, GError **err);
char *vstor_secret_get_xml(VstorSecretStore *st, const guint8 *uuid, unsigned int flags,
                           GError **err);
/* Replaces the value; a persistent secret's value is saved first (on failure nothing
 * changes). */
int vstor_secret_set_value(VstorSecretStore *st, const guint8 *uuid, const guint8 *value, gsize len,
                           unsigned int flags, GError **err);
/* The value (g_malloc'd, *ret_len bytes). A private secret's value is refused with
 * VSTOR_ERR_INVALID_SECRET unless @internal; VSTOR_ERR_NO_SECRET when no value is set. */
guint8 *vstor_secret_get_value(VstorSecretStore *st, const guint8 *uuid, unsigned int flags,
                               gboolean internal, gsize *ret_len, GError **err);

/* For encrypted volumes (the backends' VstorSecretAccess, @store a VstorSecretStore): the value
 * of the secret @sec names — by uuid, or by usage as a volume secret — refusing a secret of
 * another usage type with VSTOR_ERR_INVALID_ARG, as libvirt does. Private secrets are read. */
guint8 *vstor_secret_volume_value(gpointer store, const VstorEncryptionSecret *sec, gsize *ret_len,
                                  GError **err);
/* The uuid of the volume secret whose usage is @path, when there is one. */
gboolean vstor_secret_volume_find(gpointer store, const char *path, guint8 *ret_uuid);
