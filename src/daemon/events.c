/* events.c: relays the driver's pool events to every client that registered for them, as
 * libvirt's lifecycle (370) and refresh (373) messages carrying the client's callback id. */
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
