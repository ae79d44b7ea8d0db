/* events.c: relays the driver's pool and secret events to every client that registered for
 * them, as libvirt's messages (pool 370/373, secret 382/383) carrying the client's callback id. */
#include <string.h>

#include "daemon/daemon.h"

static void
relay_to_client(VstorClient *c, const VstorPoolId *pool, VstorPoolEventType event)
{
    int event_id = event == VSTOR_POOL_EVENT_REFRESH ? 1 : 0;
    g_autoptr(GArray) targets = g_array_new(FALSE, FALSE, sizeof(int));
    VstorClientState *st = vstor_client_lock(c);
    vstor_message_header hdr = {
        .prog = REMOTE_PROGRAM,
        .vers = REMOTE_PROTOCOL_VERSION,
        .type = VSTOR_MSG_MESSAGE,
        .serial = 1, /* as libvirt: events answer no call */
        .status = VSTOR_STATUS_OK,
    };

    if (st->opened) {
        for (guint i = 0; i < st->pool_events->len; i++) {
            VstorEventReg *reg = &g_array_index(st->pool_events, VstorEventReg, i);

            if (reg->event_id != event_id ||
                (reg->has_pool && memcmp(reg->uuid, pool->uuid, VSTOR_UUID_LEN) != 0))
                continue;
            g_array_append_val(targets, reg->callback_id);
        }
    }
    vstor_client_unlock(c);

    for (guint i = 0; i < targets->len; i++) {
        remote_nonnull_storage_pool wire = {.name = pool->name};
        int cb = g_array_index(targets, int, i);

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

    for (guint i = 0; i < clients->len; i++)
        relay_to_client(clients->pdata[i], pool, event);
}

/* The callback ids of @c's registrations for @event_id that cover the secret @uuid. */
static GArray *
secret_targets(VstorClient *c, const guint8 *uuid, int event_id)
{
    GArray *targets = g_array_new(FALSE, FALSE, sizeof(int));
    VstorClientState *st = vstor_client_lock(c);

    if (st->opened) {
        for (guint i = 0; i < st->secret_events->len; i++) {
            VstorEventReg *reg = &g_array_index(st->secret_events, VstorEventReg, i);

            if (reg->event_id == event_id &&
                (!reg->has_pool || memcmp(reg->uuid, uuid, VSTOR_UUID_LEN) == 0))
                g_array_append_val(targets, reg->callback_id);
        }
    }
    vstor_client_unlock(c);
    return targets;
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
        g_autoptr(GArray) targets = secret_targets(clients->pdata[i], secret->uuid, event_id);

        for (guint j = 0; j < targets->len; j++) {
            int cb = g_array_index(targets, int, j);

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
