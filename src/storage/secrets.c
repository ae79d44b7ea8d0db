/* secrets.c: the secret store. One lock guards the list; values live in memory (wiped when
 * dropped) and on disk as base64 next to the definition, both files 0600. Never logs. */
#include "storage/secrets.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fileio.h"

typedef struct {
    VstorSecretDef *def;
    guint8 *value; /* NULL: no value set */
    gsize value_len;
} Secret;

typedef struct {
    guint id;
    VstorSecretEventFunc func;
    gpointer data;
} Subscriber;

struct _VstorSecretStore {
    GMutex lock;
    char *dir;
    GPtrArray *secrets; /* Secret*, owned */
    GPtrArray *subscribers; /* Subscriber*, owned */
    guint next_sub_id;
};

static void
wipe_value(guint8 *value, gsize len)
{
    if (value)
        explicit_bzero(value, len);
    g_free(value);
}

static void
secret_free(Secret *s)
{
    if (!s)
        return;
    vstor_secret_def_free(s->def);
    wipe_value(s->value, s->value_len);
    g_free(s);
}

void
vstor_secret_id_clear(VstorSecretId *id)
{
    g_clear_pointer(&id->usage_id, g_free);
}

void
vstor_secret_id_free(VstorSecretId *id)
{
    if (!id)
        return;
    vstor_secret_id_clear(id);
    g_free(id);
}

static void
fill_id(const VstorSecretDef *def, VstorSecretId *ret_id)
{
    memcpy(ret_id->uuid, def->uuid, VSTOR_UUID_LEN);
    ret_id->usage_type = def->usage_type;
    ret_id->usage_id = g_strdup(def->usage_id ? def->usage_id : "");
}

static char *
secret_path(VstorSecretStore *st, const guint8 *uuid, const char *suffix)
{
    char str[VSTOR_UUID_STRING_LEN];
    g_autofree char *name = NULL;

    vstor_uuid_format(uuid, str);
    name = g_strconcat(str, suffix, NULL);
    return g_build_filename(st->dir, name, NULL);
}

static Secret *
find_by_uuid(VstorSecretStore *st, const guint8 *uuid)
{
    for (guint i = 0; i < st->secrets->len; i++) {
        Secret *s = st->secrets->pdata[i];

        if (memcmp(s->def->uuid, uuid, VSTOR_UUID_LEN) == 0)
            return s;
    }
    return NULL;
}

/* Secrets without usage never collide: only a typed usage names something. */
static Secret *
find_by_usage(VstorSecretStore *st, int usage_type, const char *usage_id)
{
    if (usage_type == VSTOR_SECRET_USAGE_NONE || !usage_id)
        return NULL;
    for (guint i = 0; i < st->secrets->len; i++) {
        Secret *s = st->secrets->pdata[i];

        if ((int)s->def->usage_type == usage_type && g_strcmp0(s->def->usage_id, usage_id) == 0)
            return s;
    }
    return NULL;
}

static Secret *
find_or_fail(VstorSecretStore *st, const guint8 *uuid, GError **err)
{
    Secret *s = find_by_uuid(st, uuid);
    char str[VSTOR_UUID_STRING_LEN];

    if (!s) {
        vstor_uuid_format(uuid, str);
        vstor_error_set(err, VSTOR_ERR_NO_SECRET, "no secret with matching uuid '%s'", str);
    }
    return s;
}

static int
check_flags(unsigned int flags, unsigned int allowed, const char *func, GError **err)
{
    if (flags & ~allowed) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags & ~allowed, func);
        return -1;
    }
    return 0;
}

static int
save_config(VstorSecretStore *st, const VstorSecretDef *def, GError **err)
{
    g_autofree char *path = secret_path(st, def->uuid, ".xml");
    g_autofree char *xml = vstor_secret_def_format(def);

    return vstor_file_write_atomic(path, xml, -1, 0600, err);
}

static int
save_value(VstorSecretStore *st, const guint8 *uuid, const guint8 *value, gsize len, GError **err)
{
    g_autofree char *path = secret_path(st, uuid, ".base64");
    char *text;
    int rc;

    if (!value)
        return 0;
    text = g_base64_encode(value, len);
    rc = vstor_file_write_atomic(path, text, -1, 0600, err);
    explicit_bzero(text, strlen(text));
    g_free(text);
    return rc;
}

static void
delete_files(VstorSecretStore *st, const guint8 *uuid)
{
    g_autofree char *xml = secret_path(st, uuid, ".xml");
    g_autofree char *b64 = secret_path(st, uuid, ".base64");

    vstor_file_remove(xml, NULL);
    vstor_file_remove(b64, NULL);
    vstor_dir_fsync(st->dir, NULL);
}

static void
load_value(Secret *s, const char *path)
{
    g_autofree char *text = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, NULL))
        return;
    g_strstrip(text);
    s->value = g_base64_decode(text, &s->value_len);
    explicit_bzero(text, len);
}

static void
load_one(VstorSecretStore *st, const char *name)
{
    g_autofree char *path = g_build_filename(st->dir, name, NULL);
    g_autofree char *text = NULL;
    g_autofree char *b64 = NULL;
    g_autoptr(VstorSecretDef) def = NULL;
    char uuid[VSTOR_UUID_STRING_LEN];
    Secret *s;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(def = vstor_secret_def_parse(text, NULL)))
        return;
    vstor_uuid_format(def->uuid, uuid);
    /* The file must be named after its <uuid>, as libvirt requires. An ephemeral definition
     * or a second user of a usage cannot have been written by us: skipped too. */
    if (strlen(name) != strlen(uuid) + 4 || strncmp(name, uuid, strlen(uuid)) != 0 ||
        def->ephemeral || find_by_uuid(st, def->uuid) ||
        find_by_usage(st, def->usage_type, def->usage_id))
        return;
    s = g_new0(Secret, 1);
    s->def = g_steal_pointer(&def);
    b64 = secret_path(st, s->def->uuid, ".base64");
    load_value(s, b64);
    g_ptr_array_add(st->secrets, s);
}

VstorSecretStore *
vstor_secret_store_open(const char *dir, GError **err)
{
    g_autoptr(VstorSecretStore) st = g_new0(VstorSecretStore, 1);
    g_autoptr(GDir) d = NULL;
    const char *name;

    g_mutex_init(&st->lock);
    st->dir = g_strdup(dir);
    st->secrets = g_ptr_array_new_with_free_func((GDestroyNotify)secret_free);
    st->subscribers = g_ptr_array_new_with_free_func(g_free);
    if (vstor_dir_ensure(dir, 0700, err) < 0)
        return NULL;
    vstor_dir_remove_temp_files(dir);
    if (!(d = g_dir_open(dir, 0, NULL)))
        return g_steal_pointer(&st);
    while ((name = g_dir_read_name(d)))
        if (g_str_has_suffix(name, ".xml"))
            load_one(st, name);
    return g_steal_pointer(&st);
}

void
vstor_secret_store_free(VstorSecretStore *st)
{
    if (!st)
        return;
    if (st->secrets)
        g_ptr_array_unref(st->secrets);
    if (st->subscribers)
        g_ptr_array_unref(st->subscribers);
    g_free(st->dir);
    g_mutex_clear(&st->lock);
    g_free(st);
}

guint
vstor_secret_store_subscribe(VstorSecretStore *st, VstorSecretEventFunc func, gpointer user_data)
{
    Subscriber *sub = g_new0(Subscriber, 1);

    sub->func = func;
    sub->data = user_data;
    g_mutex_lock(&st->lock);
    sub->id = ++st->next_sub_id;
    g_ptr_array_add(st->subscribers, sub);
    g_mutex_unlock(&st->lock);
    return sub->id;
}

void
vstor_secret_store_unsubscribe(VstorSecretStore *st, guint id)
{
    g_mutex_lock(&st->lock);
    for (guint i = 0; i < st->subscribers->len; i++) {
        if (((Subscriber *)st->subscribers->pdata[i])->id == id) {
            g_ptr_array_remove_index(st->subscribers, i);
            break;
        }
    }
    g_mutex_unlock(&st->lock);
}

/* Delivers @event for @id to every subscriber; called without the store's lock. */
static void
emit(VstorSecretStore *st, const VstorSecretId *id, VstorSecretEventType event)
{
    g_autoptr(GArray) subs = g_array_new(FALSE, FALSE, sizeof(Subscriber));

    g_mutex_lock(&st->lock);
    for (guint i = 0; i < st->subscribers->len; i++)
        g_array_append_val(subs, *(Subscriber *)st->subscribers->pdata[i]);
    g_mutex_unlock(&st->lock);
    for (guint i = 0; i < subs->len; i++)
        g_array_index(subs, Subscriber, i).func(id, event, g_array_index(subs, Subscriber, i).data);
}

/* libvirt's rules for a uuid already known: same usage, and private stays private. */
static int
check_redefine(const VstorSecretDef *old, const VstorSecretDef *def, GError **err)
{
    char uuid[VSTOR_UUID_STRING_LEN];

    vstor_uuid_format(def->uuid, uuid);
    if (g_strcmp0(old->usage_id, def->usage_id) != 0) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "a secret with UUID %s is already defined for use with %s", uuid,
                        old->usage_id ? old->usage_id : "(null)");
        return -1;
    }
    if (old->private_ && !def->private_) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "cannot change private flag on existing secret");
        return -1;
    }
    return 0;
}

/* Brings the files in line with @s's new definition (@old: the one it replaces, or NULL). */
static int
persist_define(VstorSecretStore *st, Secret *s, const VstorSecretDef *old, GError **err)
{
    if (!s->def->ephemeral) {
        if (old && old->ephemeral && save_value(st, s->def->uuid, s->value, s->value_len, err) < 0)
            return -1;
        if (save_config(st, s->def, err) < 0) {
            if (old && old->ephemeral)
                delete_files(st, s->def->uuid);
            return -1;
        }
    } else if (old && !old->ephemeral) {
        delete_files(st, s->def->uuid);
    }
    return 0;
}

int
vstor_secret_define(VstorSecretStore *st, const char *xml, unsigned int flags,
                    VstorSecretId *ret_id, GError **err)
{
    g_autoptr(VstorSecretDef) def = NULL;
    g_autoptr(VstorSecretDef) old = NULL;
    Secret *s, *other;
    char uuid[VSTOR_UUID_STRING_LEN];
    int rc = -1;

    if (check_flags(flags, VSTOR_SECRET_DEFINE_VALIDATE, "secretDefineXML", err) < 0 ||
        !(def = vstor_secret_def_parse(xml, err)))
        return -1;
    g_mutex_lock(&st->lock);
    if ((s = find_by_uuid(st, def->uuid))) {
        if (check_redefine(s->def, def, err) < 0)
            goto out;
        old = s->def;
        s->def = g_steal_pointer(&def);
    } else if ((other = find_by_usage(st, def->usage_type, def->usage_id))) {
        vstor_uuid_format(other->def->uuid, uuid);
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "a secret with UUID %s already defined for use with %s", uuid,
                        def->usage_id);
        goto out;
    } else {
        s = g_new0(Secret, 1);
        s->def = g_steal_pointer(&def);
        g_ptr_array_add(st->secrets, s);
    }
    if (persist_define(st, s, old, err) < 0) {
        if (old) {
            vstor_secret_def_free(s->def);
            s->def = g_steal_pointer(&old);
        } else {
            g_ptr_array_remove(st->secrets, s);
        }
        goto out;
    }
    fill_id(s->def, ret_id);
    rc = 0;
out:
    g_mutex_unlock(&st->lock);
    if (rc == 0)
        emit(st, ret_id, VSTOR_SECRET_EVENT_DEFINED);
    return rc;
}

int
vstor_secret_undefine(VstorSecretStore *st, const guint8 *uuid, GError **err)
{
    Secret *s;
    g_autofree char *xml = NULL;
    g_auto(VstorSecretId) id = {0};
    int rc = -1;

    g_mutex_lock(&st->lock);
    if (!(s = find_or_fail(st, uuid, err)))
        goto out;
    fill_id(s->def, &id);
    xml = secret_path(st, uuid, ".xml");
    if (!s->def->ephemeral && unlink(xml) < 0 && errno != ENOENT) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot unlink '%s'", xml);
        goto out;
    }
    delete_files(st, uuid);
    g_ptr_array_remove(st->secrets, s);
    rc = 0;
out:
    g_mutex_unlock(&st->lock);
    if (rc == 0)
        emit(st, &id, VSTOR_SECRET_EVENT_UNDEFINED);
    return rc;
}

int
vstor_secret_lookup_by_uuid(VstorSecretStore *st, const guint8 *uuid, VstorSecretId *ret_id,
                            GError **err)
{
    Secret *s;

    g_mutex_lock(&st->lock);
    if ((s = find_or_fail(st, uuid, err)))
        fill_id(s->def, ret_id);
    g_mutex_unlock(&st->lock);
    return s ? 0 : -1;
}

int
vstor_secret_lookup_by_usage(VstorSecretStore *st, int usage_type, const char *usage_id,
                             VstorSecretId *ret_id, GError **err)
{
    Secret *s;

    g_mutex_lock(&st->lock);
    if ((s = find_by_usage(st, usage_type, usage_id)))
        fill_id(s->def, ret_id);
    else
        vstor_error_set(err, VSTOR_ERR_NO_SECRET, "no secret with matching usage '%s'",
                        usage_id ? usage_id : "");
    g_mutex_unlock(&st->lock);
    return s ? 0 : -1;
}

guint
vstor_secret_count(VstorSecretStore *st)
{
    guint n;

    g_mutex_lock(&st->lock);
    n = st->secrets->len;
    g_mutex_unlock(&st->lock);
    return n;
}

static gboolean
matches(const VstorSecretDef *def, unsigned int flags)
{
    unsigned int eph = flags & (VSTOR_LIST_SECRETS_EPHEMERAL | VSTOR_LIST_SECRETS_NO_EPHEMERAL);
    unsigned int priv = flags & (VSTOR_LIST_SECRETS_PRIVATE | VSTOR_LIST_SECRETS_NO_PRIVATE);

    if (eph && !((flags & VSTOR_LIST_SECRETS_EPHEMERAL && def->ephemeral) ||
                 (flags & VSTOR_LIST_SECRETS_NO_EPHEMERAL && !def->ephemeral)))
        return FALSE;
    if (priv && !((flags & VSTOR_LIST_SECRETS_PRIVATE && def->private_) ||
                  (flags & VSTOR_LIST_SECRETS_NO_PRIVATE && !def->private_)))
        return FALSE;
    return TRUE;
}

static gint
compare_ids(gconstpointer a, gconstpointer b)
{
    const VstorSecretId *x = *(VstorSecretId *const *)a, *y = *(VstorSecretId *const *)b;

    return memcmp(x->uuid, y->uuid, VSTOR_UUID_LEN);
}

GPtrArray *
vstor_secret_list(VstorSecretStore *st, unsigned int flags, GError **err)
{
    GPtrArray *ids;

    if (check_flags(flags, VSTOR_LIST_SECRETS_ALL_FLAGS, "secretConnectListAllSecrets", err) < 0)
        return NULL;
    ids = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_secret_id_free);
    g_mutex_lock(&st->lock);
    for (guint i = 0; i < st->secrets->len; i++) {
        const Secret *s = st->secrets->pdata[i];
        VstorSecretId *id;

        if (!matches(s->def, flags))
            continue;
        id = g_new0(VstorSecretId, 1);
        fill_id(s->def, id);
        g_ptr_array_add(ids, id);
    }
    g_mutex_unlock(&st->lock);
    g_ptr_array_sort(ids, compare_ids);
    return ids;
}

char *
vstor_secret_get_xml(VstorSecretStore *st, const guint8 *uuid, unsigned int flags, GError **err)
{
    Secret *s;
    char *xml = NULL;

    if (check_flags(flags, 0, "secretGetXMLDesc", err) < 0)
        return NULL;
    g_mutex_lock(&st->lock);
    if ((s = find_or_fail(st, uuid, err)))
        xml = vstor_secret_def_format(s->def);
    g_mutex_unlock(&st->lock);
    return xml;
}

int
vstor_secret_set_value(VstorSecretStore *st, const guint8 *uuid, const guint8 *value, gsize len,
                       unsigned int flags, GError **err)
{
    Secret *s;
    guint8 *copy;
    g_auto(VstorSecretId) id = {0};
    int rc = -1;

    g_return_val_if_fail(value != NULL || len == 0, -1);
    if (check_flags(flags, 0, "secretSetValue", err) < 0)
        return -1;
    copy = g_malloc0(MAX(len, 1));
    if (len)
        memcpy(copy, value, len);
    g_mutex_lock(&st->lock);
    if (!(s = find_or_fail(st, uuid, err)) ||
        (!s->def->ephemeral && save_value(st, uuid, copy, len, err) < 0)) {
        wipe_value(copy, len);
        goto out;
    }
    wipe_value(s->value, s->value_len);
    s->value = copy;
    s->value_len = len;
    fill_id(s->def, &id);
    rc = 0;
out:
    g_mutex_unlock(&st->lock);
    if (rc == 0)
        emit(st, &id, VSTOR_SECRET_EVENT_VALUE_CHANGED);
    return rc;
}

guint8 *
vstor_secret_get_value(VstorSecretStore *st, const guint8 *uuid, unsigned int flags,
                       gboolean internal, gsize *ret_len, GError **err)
{
    Secret *s;
    guint8 *value = NULL;
    char str[VSTOR_UUID_STRING_LEN];

    if (check_flags(flags, 0, "secretGetValue", err) < 0)
        return NULL;
    g_mutex_lock(&st->lock);
    if (!(s = find_or_fail(st, uuid, err)))
        goto out;
    if (s->def->private_ && !internal) {
        vstor_error_set(err, VSTOR_ERR_INVALID_SECRET, "secret is private");
        goto out;
    }
    if (!s->value) {
        vstor_uuid_format(uuid, str);
        vstor_error_set(err, VSTOR_ERR_NO_SECRET, "secret '%s' does not have a value", str);
        goto out;
    }
    value = g_malloc0(MAX(s->value_len, 1));
    memcpy(value, s->value, s->value_len);
    *ret_len = s->value_len;
out:
    g_mutex_unlock(&st->lock);
    return value;
}

guint8 *
vstor_secret_volume_value(gpointer store, const VstorEncryptionSecret *sec, gsize *ret_len,
                          GError **err)
{
    VstorSecretStore *st = store;
    g_auto(VstorSecretId) id = {0};
    char uuid[VSTOR_UUID_STRING_LEN];

    if (sec->lookup == VSTOR_SECRET_LOOKUP_USAGE) {
        if (vstor_secret_lookup_by_usage(st, VSTOR_SECRET_USAGE_VOLUME, sec->usage, &id, err) < 0)
            return NULL;
    } else if (vstor_secret_lookup_by_uuid(st, sec->uuid, &id, err) < 0) {
        return NULL;
    }
    if (id.usage_type != VSTOR_SECRET_USAGE_NONE && id.usage_type != VSTOR_SECRET_USAGE_VOLUME) {
        vstor_uuid_format(id.uuid, uuid);
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "secret with uuid %s is of type '%s' not expected '%s' type", uuid,
                        vstor_secret_usage_type_to_string(id.usage_type),
                        vstor_secret_usage_type_to_string(VSTOR_SECRET_USAGE_VOLUME));
        return NULL;
    }
    return vstor_secret_get_value(st, id.uuid, 0, TRUE, ret_len, err);
}

gboolean
vstor_secret_volume_find(gpointer store, const char *path, guint8 *ret_uuid)
{
    g_auto(VstorSecretId) id = {0};

    if (vstor_secret_lookup_by_usage(store, VSTOR_SECRET_USAGE_VOLUME, path, &id, NULL) < 0)
        return FALSE;
    memcpy(ret_uuid, id.uuid, VSTOR_UUID_LEN);
    return TRUE;
}
