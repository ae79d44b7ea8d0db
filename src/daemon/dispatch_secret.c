/* dispatch_secret.c: the secret procedures — counts and listings, lookups by uuid and usage,
 * define/undefine, XML, and values — each a thin translation onto the driver's secret store.
 * Under pool access rules secrets are for those who manage some pool; others list none. */
#include <string.h>

#include "daemon/daemon.h"
#include "util/error.h"

#define SECRETS(c) vstor_driver_secrets(vstor_server_driver(vstor_client_server(c)))

/* Secrets belong to no pool: under pool rules only a client managing some pool reaches them. */
#define CHECK_MANAGER(c, api, err)                                                                 \
    do {                                                                                           \
        if (vstor_access_check_manager(c, "secret", api, err) < 0)                                 \
            return -1;                                                                             \
    } while (0)

/* Replies are released with xdr_free, which uses free(); GLib allocates with malloc. */
static void
wire_from_id(VstorSecretId *id, remote_nonnull_secret *ret_w)
{
    memcpy(ret_w->uuid, id->uuid, VSTOR_UUID_LEN);
    ret_w->usageType = id->usage_type;
    ret_w->usageID = g_steal_pointer(&id->usage_id);
}

static int
reply_secret(VstorSecretId *id, void *ret)
{
    wire_from_id(id, &((remote_secret_ret *)ret)->secret);
    return 0;
}

static int
proc_num(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    ((remote_connect_num_of_secrets_ret *)ret)->num =
        vstor_access_is_manager(c) ? (int)vstor_secret_count(SECRETS(c)) : 0;
    return 0;
}

static int
proc_list(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    int max = ((remote_connect_list_secrets_args *)args)->maxuuids;
    remote_connect_list_secrets_ret *r = ret;
    g_autoptr(GPtrArray) ids = NULL;
    guint n;

    if (max < 0 || max > REMOTE_SECRET_LIST_MAX) {
        vstor_error_set(err, VSTOR_ERR_RPC, "maxuuids > REMOTE_SECRET_LIST_MAX");
        return -1;
    }
    if (!(ids = vstor_secret_list(SECRETS(c), 0, err)))
        return -1;
    if (!vstor_access_is_manager(c))
        g_ptr_array_set_size(ids, 0);
    n = MIN(ids->len, (guint)max);
    r->uuids.uuids_len = n;
    r->uuids.uuids_val = g_new0(remote_nonnull_string, MAX(n, 1));
    for (guint i = 0; i < n; i++) {
        char *str = g_malloc0(VSTOR_UUID_STRING_LEN);

        vstor_uuid_format(((VstorSecretId *)ids->pdata[i])->uuid, str);
        r->uuids.uuids_val[i] = str;
    }
    return 0;
}

static int
proc_list_all(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_connect_list_all_secrets_args *a = args;
    remote_connect_list_all_secrets_ret *r = ret;
    g_autoptr(GPtrArray) ids = vstor_secret_list(SECRETS(c), a->flags, err);

    if (!ids)
        return -1;
    if (!vstor_access_is_manager(c))
        g_ptr_array_set_size(ids, 0);
    if (a->need_results) {
        r->secrets.secrets_len = ids->len;
        r->secrets.secrets_val = g_new0(remote_nonnull_secret, MAX(ids->len, 1));
        for (guint i = 0; i < ids->len; i++)
            wire_from_id(ids->pdata[i], &r->secrets.secrets_val[i]);
    }
    r->ret = ids->len;
    return 0;
}

static int
proc_lookup_by_uuid(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    g_auto(VstorSecretId) id = {0};

    CHECK_MANAGER(c, "virSecretLookupByUUID", err);
    if (vstor_secret_lookup_by_uuid(
            SECRETS(c), (guint8 *)((remote_secret_lookup_by_uuid_args *)args)->uuid, &id, err) < 0)
        return -1;
    return reply_secret(&id, ret);
}

static int
proc_lookup_by_usage(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                     GError **err)
{
    remote_secret_lookup_by_usage_args *a = args;
    g_auto(VstorSecretId) id = {0};

    CHECK_MANAGER(c, "virSecretLookupByUsage", err);
    if (vstor_secret_lookup_by_usage(SECRETS(c), a->usageType, a->usageID, &id, err) < 0)
        return -1;
    return reply_secret(&id, ret);
}

static int
proc_define(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_secret_define_xml_args *a = args;
    g_auto(VstorSecretId) id = {0};

    CHECK_MANAGER(c, "virSecretDefineXML", err);
    if (vstor_secret_define(SECRETS(c), a->xml, a->flags, &id, err) < 0)
        return -1;
    return reply_secret(&id, ret);
}

static int
proc_undefine(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_secret_undefine_args *a = args;

    CHECK_MANAGER(c, "virSecretUndefine", err);
    return vstor_secret_undefine(SECRETS(c), (guint8 *)a->secret.uuid, err);
}

static int
proc_get_xml(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_secret_flags_args *a = args;
    char *xml;

    CHECK_MANAGER(c, "virSecretGetXMLDesc", err);
    xml = vstor_secret_get_xml(SECRETS(c), (guint8 *)a->secret.uuid, a->flags, err);
    if (!xml)
        return -1;
    ((remote_secret_get_xml_desc_ret *)ret)->xml = xml;
    return 0;
}

static int
proc_set_value(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_secret_set_value_args *a = args;
    int rc;

    if (vstor_access_check_manager(c, "secret", "virSecretSetValue", err) < 0) {
        if (a->value.value_val)
            explicit_bzero(a->value.value_val, a->value.value_len);
        return -1;
    }
    /* An empty value arrives as no value at all; libvirt's API refuses that (with its bare
     * argument-check words, no "invalid argument:" prefix). */
    if (a->value.value_len == 0) {
        g_set_error_literal(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG,
                            "value in virSecretSetValue must not be NULL");
        return -1;
    }
    rc = vstor_secret_set_value(SECRETS(c), (guint8 *)a->secret.uuid, (guint8 *)a->value.value_val,
                                a->value.value_len, a->flags, err);

    /* The decoded argument is freed by the dispatcher; wipe the value first. */
    if (a->value.value_val)
        explicit_bzero(a->value.value_val, a->value.value_len);
    return rc;
}

static int
proc_get_value(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_secret_flags_args *a = args;
    remote_secret_get_value_ret *r = ret;
    gsize len = 0;
    guint8 *value;

    CHECK_MANAGER(c, "virSecretGetValue", err);
    value =
        vstor_secret_get_value(SECRETS(c), (guint8 *)a->secret.uuid, a->flags, FALSE, &len, err);
    if (!value)
        return -1;
    r->value.value_val = (char *)value;
    r->value.value_len = (u_int)len;
    return 0;
}

static int
proc_event_register(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    remote_connect_secret_event_register_any_args *a = args;
    int id;

    CHECK_MANAGER(c, "virConnectSecretEventRegisterAny", err);
    /* VIR_SECRET_EVENT_ID_LIFECYCLE (0) and _VALUE_CHANGED (1). */
    id = vstor_events_register(c, TRUE, a->eventID, 1,
                               a->secret ? (const guint8 *)a->secret->uuid : NULL, err);
    if (id < 0)
        return -1;
    ((remote_connect_secret_event_register_any_ret *)ret)->callbackID = id;
    return 0;
}

static int
proc_event_deregister(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                      GError **err)
{
    return vstor_events_deregister(
        c, TRUE, ((remote_connect_secret_event_deregister_any_args *)args)->callbackID, err);
}

const VstorProc vstor_secret_procs[] = {
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_NUM_OF_SECRETS, proc_num,
                      remote_connect_num_of_secrets_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_LIST_SECRETS, proc_list, remote_connect_list_secrets_args,
               remote_connect_list_secrets_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_LIST_ALL_SECRETS, proc_list_all,
               remote_connect_list_all_secrets_args, remote_connect_list_all_secrets_ret, NULL,
               FALSE),
    VSTOR_PROC(REMOTE_PROC_SECRET_LOOKUP_BY_UUID, proc_lookup_by_uuid,
               remote_secret_lookup_by_uuid_args, remote_secret_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_SECRET_LOOKUP_BY_USAGE, proc_lookup_by_usage,
               remote_secret_lookup_by_usage_args, remote_secret_ret, NULL, FALSE),
    VSTOR_PROC(REMOTE_PROC_SECRET_DEFINE_XML, proc_define, remote_secret_define_xml_args,
               remote_secret_ret, "virSecretDefineXML", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_SECRET_UNDEFINE, proc_undefine, remote_secret_undefine_args,
                     "virSecretUndefine", FALSE),
    VSTOR_PROC(REMOTE_PROC_SECRET_GET_XML_DESC, proc_get_xml, remote_secret_flags_args,
               remote_secret_get_xml_desc_ret, NULL, FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_SECRET_SET_VALUE, proc_set_value, remote_secret_set_value_args,
                     "virSecretSetValue", FALSE),
    VSTOR_PROC(REMOTE_PROC_SECRET_GET_VALUE, proc_get_value, remote_secret_flags_args,
               remote_secret_get_value_ret, "virSecretGetValue", FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY, proc_event_register,
               remote_connect_secret_event_register_any_args,
               remote_connect_secret_event_register_any_ret, NULL, FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY, proc_event_deregister,
                     remote_connect_secret_event_deregister_any_args, NULL, FALSE),
    {0},
};
