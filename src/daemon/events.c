/* events.c: relays the driver's pool and secret events to every client that registered for
 * them, as libvirt's messages (pool 370/373, secret 382/383) carrying the client's callback id;
 * pool events only reach clients that may see the pool. */
#include <string.h>

#include "daemon/daemon.h"

/* The client's registration table for pool or secret events (client lock held). */
static GArray *
registrations(VstorClientState *st, gboolean secrets)
{
    return secrets ? st->secret_events : st->pool_events;
}

/* The callback ids of @c's registrations for @event_id that cover the object @uuid. */
static GArray *
targets(VstorClient *c, gboolean secrets, const guint8 *uuid, int event_id)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(int));
    VstorClientState *st = vstor_client_lock(c);
    GArray *regs = registrations(st, secrets);

    if (st->opened) {
        for (guint i = 0; i < regs->len; i++) {
            VstorEventReg *reg = &g_array_index(regs, VstorEventReg, i);

            if (reg->event_id == event_id &&
                (!reg->has_pool || memcmp(reg->uuid, uuid, VSTOR_UUID_LEN) == 0))
                g_array_append_val(out, reg->callback_id);
        }
    }
    vstor_client_unlock(c);
    return out;
}

int
vstor_events_register(VstorClient *c, gboolean secrets, int event_id, int last_id,
                      const guint8 *uuid, GError **err)
{
    VstorEventReg reg = {0};
    VstorClientState *st;

    if (event_id < 0 || event_id > last_id) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "unsupported %s event ID %d",
                        secrets ? "secret" : "storage pool", event_id);
        return -1;
    }
    reg.event_id = event_id;
    if (uuid) {
        reg.has_pool = TRUE;
        memcpy(reg.uuid, uuid, VSTOR_UUID_LEN);
    }
    reg.callback_id = vstor_server_next_callback_id(vstor_client_server(c));
    st = vstor_client_lock(c);
    g_array_append_val(registrations(st, secrets), reg);
    vstor_client_unlock(c);
    return reg.callback_id;
}

int
vstor_events_deregister(VstorClient *c, gboolean secrets, int callback_id, GError **err)
{
    VstorClientState *st = vstor_client_lock(c);
    GArray *regs = registrations(st, secrets);

    for (guint i = 0; i < regs->len; i++) {
        if (g_array_index(regs, VstorEventReg, i).callback_id == callback_id) {
            g_array_remove_index(regs, i);
            vstor_client_unlock(c);
            return 0;
        }
    }
    vstor_client_unlock(c);
    vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s event callback %d not registered",
                    secrets ? "secret" : "storage pool", callback_id);
    return -1;
}

static void
relay_to_client(VstorClient *c, const VstorPoolId *pool, VstorPoolEventType event)
{
    int event_id = event == VSTOR_POOL_EVENT_REFRESH ? 1 : 0;
    g_autoptr(GArray) cbs = targets(c, FALSE, pool->uuid, event_id);
    vstor_message_header hdr = {
        .prog = REMOTE_PROGRAM,
        .vers = REMOTE_PROTOCOL_VERSION,
        .type = VSTOR_MSG_MESSAGE,
        .serial = 1, /* as libvirt: events answer no call */
        .status = VSTOR_STATUS_OK,
    };

    for (guint i = 0; i < cbs->len; i++) {
        remote_nonnull_storage_pool wire = {.name = pool->name};
        int cb = g_array_index(cbs, int, i);

        memcpy(wire.uuid, pool->uuid, VSTOR_UUID_LEN);
        if (event_id == 1) {
            remote_storage_pool_event_refresh_msg m = {.callbackID = cb, .pool = wire};

            hdr.proc = REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH;
            vstor_client_send(
                c, vstor_rpc_encode(&hdr, (xdrproc_t)xdr_remote_storage_pool_event_refresh_msg, &m,
                                    NULL));
        } else {
            remote_storage_pool_event_lifecycle_msg m = {
                .callbackID = cb, .pool = wire, .event = (int)event, .detail = 0};

            hdr.proc = REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE;
            vstor_client_send(
                c, vstor_rpc_encode(&hdr, (xdrproc_t)xdr_remote_storage_pool_event_lifecycle_msg,
                                    &m, NULL));
        }
    }
}

void
vstor_events_relay(const VstorPoolId *pool, VstorPoolEventType event, gpointer data)
{
    VstorServer *srv = data;
    g_autoptr(GPtrArray) clients = vstor_server_clients(srv);

    for (guint i = 0; i < clients->len; i++) {
        if (vstor_access_may_see(clients->pdata[i], pool->name))
            relay_to_client(clients->pdata[i], pool, event);
    }
}

void
vstor_events_relay_secret(const VstorSecretId *secret, VstorSecretEventType event, gpointer data)
{
    VstorServer *srv = data;
    g_autoptr(GPtrArray) clients = vstor_server_clients(srv);
    /* VIR_SECRET_EVENT_ID_LIFECYCLE (0) and _VALUE_CHANGED (1). */
    int event_id = event == VSTOR_SECRET_EVENT_VALUE_CHANGED ? 1 : 0;
    remote_nonnull_secret wire = {.usageType = secret->usage_type,
                                  .usageID = secret->usage_id ? secret->usage_id : ""};
    vstor_message_header hdr = {
        .prog = REMOTE_PROGRAM,
        .vers = REMOTE_PROTOCOL_VERSION,
        .type = VSTOR_MSG_MESSAGE,
        .serial = 1,
        .status = VSTOR_STATUS_OK,
    };

    memcpy(wire.uuid, secret->uuid, VSTOR_UUID_LEN);
    for (guint i = 0; i < clients->len; i++) {
        g_autoptr(GArray) cbs = NULL;

        /* Registered while it managed a pool, but a reload may have changed that since. */
        if (!vstor_access_is_manager(clients->pdata[i]))
            continue;
        cbs = targets(clients->pdata[i], TRUE, secret->uuid, event_id);

        for (guint j = 0; j < cbs->len; j++) {
            int cb = g_array_index(cbs, int, j);

            if (event_id == 1) {
                remote_secret_event_value_changed_msg m = {.callbackID = cb, .secret = wire};

                hdr.proc = REMOTE_PROC_SECRET_EVENT_VALUE_CHANGED;
                vstor_client_send(
                    clients->pdata[i],
                    vstor_rpc_encode(&hdr, (xdrproc_t)xdr_remote_secret_event_value_changed_msg, &m,
                                     NULL));
            } else {
                remote_secret_event_lifecycle_msg m = {
                    .callbackID = cb, .secret = wire, .event = (int)event, .detail = 0};

                hdr.proc = REMOTE_PROC_SECRET_EVENT_LIFECYCLE;
                vstor_client_send(clients->pdata[i],
                                  vstor_rpc_encode(&hdr,
                                                   (xdrproc_t)xdr_remote_secret_event_lifecycle_msg,
                                                   &m, NULL));
            }
        }
    }
}
