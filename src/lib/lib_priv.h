/* lib_priv.h: what the public API's handles hold. An embedded connection owns a storage
 * driver; the remote connection (to vstord) will sit beside it. */
#pragma once

#include "storage/driver.h"
#include "vstor/vstor.h"

struct _VstorConnect {
    char *uri;
    VstorDriver *driver; /* embedded */
    GMutex lock; /* guards events */
    GHashTable *events; /* public callback id -> driver subscription id (GUINT_TO_POINTER) */
    int next_event_id;
};

struct _VstorStoragePool {
    VstorConnect *conn;
    VstorPoolId id;
    char uuid[VSTOR_UUID_STRING_LEN];
};

struct _VstorStorageVol {
    VstorConnect *conn;
    VstorVolId id;
};

/* Wraps a driver pool id (taken) in a handle. */
VstorStoragePool *lib_pool_new(VstorConnect *conn, VstorPoolId *id);
VstorStorageVol *lib_vol_new(VstorConnect *conn, VstorVolId *id);

/* connect_extra.c: drops every event callback still registered (before the driver closes). */
void lib_events_clear(VstorConnect *conn);
