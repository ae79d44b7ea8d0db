/* pool_obj.h: the driver's record of one pool — its definitions (live and next), state,
 * autostart, running jobs, and its volumes indexed by name, key and path. */
#pragma once

#include <glib.h>

#include "conf/pool_conf.h"
#include "conf/vol_conf.h"
#include "util/job.h"

/* libvirt's virStoragePoolState numbering, which travels on the wire. */
typedef enum {
    VSTOR_POOL_STATE_INACTIVE = 0,
    VSTOR_POOL_STATE_BUILDING = 1,
    VSTOR_POOL_STATE_RUNNING = 2,
    VSTOR_POOL_STATE_DEGRADED = 3,
    VSTOR_POOL_STATE_INACCESSIBLE = 4,
} VstorPoolState;

typedef struct {
    VstorVolDef *def;
    guint building; /* a job is writing it: listed, but neither probed nor touched */
    guint in_use; /* a job is reading it (clone source, download) */
    VstorJob *job; /* the job building it, if any */
    guint slot; /* its index in the pool's vols (kept by pool_obj.c) */
    /* Its change mark (driver_watch.c): a one-shot inotify watch for writes and attribute
     * changes on the file, armed before the file was last looked at; -1 when none is armed
     * (never armed, or it fired: the file may have changed since). */
    int mark;
} VstorVolObj;

typedef struct {
    VstorPoolDef *def; /* live definition when active, else the persistent one */
    VstorPoolDef *new_def; /* persistent definition defined while active; applied at stop */
    gboolean persistent;
    gboolean autostart;
    gboolean active;
    gboolean starting; /* start in progress with the driver lock released */
    char *inaccessible; /* why an active pool cannot be used right now, or NULL */
    guint async_jobs; /* volume jobs running in this pool */
    char *autostart_error; /* why the last autostart attempt failed, or NULL */
    gint64 retry_at; /* monotonic time of the next autostart attempt, 0: none */
    guint retry_delay; /* seconds until the attempt after that (doubling) */
    GPtrArray *jobs; /* VstorJob* running in this pool */

    /* Live pools (driver_watch.c): the inotify watch on the pool's directory (-1: none), the
     * entry names changed since the last look, and whether events were lost. */
    int watch_wd;
    GHashTable *watch_pending; /* name -> NULL */
    gboolean watch_overflow;
    int mark_fd; /* the inotify descriptor of the volumes' marks, -1: none */
    GHashTable *marks; /* armed mark -> VstorVolObj* */
    /* How many volumes, from the end of vols down, the watch thread has still to look at for
     * marking (G_MAXUINT: all, 0: none). Downwards, so a removal, which moves the last
     * volume into the freed slot, never makes it skip one. */
    guint mark_left;

    GPtrArray *vols; /* VstorVolObj*, owned, in no particular order */
    GPtrArray *sorted; /* the same, by name, not owned: built when asked for, NULL after a change */
    GHashTable *by_name; /* name -> VstorVolObj* */
    GHashTable *by_key; /* key -> VstorVolObj* */
    GHashTable *by_path; /* target path -> VstorVolObj* */
} VstorPoolObj;

VstorPoolObj *vstor_pool_obj_new(VstorPoolDef *def);
void vstor_pool_obj_free(VstorPoolObj *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorPoolObj, vstor_pool_obj_free)

/* The definition a `--inactive` dump shows: the next persistent one when there is one. */
const VstorPoolDef *vstor_pool_obj_inactive_def(const VstorPoolObj *obj);

/* Adds @def (taken) as a volume; returns its object. The caller checked the name is free. */
VstorVolObj *vstor_pool_obj_add_vol(VstorPoolObj *obj, VstorVolDef *def);
void vstor_pool_obj_remove_vol(VstorPoolObj *obj, VstorVolObj *vol);
/* Drops every volume that is not being built. */
void vstor_pool_obj_clear_vols(VstorPoolObj *obj, gboolean keep_building);
/* Disarms the change mark of @vol, if armed. */
void vstor_pool_obj_drop_mark(VstorPoolObj *obj, VstorVolObj *vol);
/* The pool's volumes sorted by name (VstorVolObj*, owned by the pool): kept until a volume is
 * added or removed, so listing an unchanged pool again does not sort again. */
GPtrArray *vstor_pool_obj_sorted_vols(VstorPoolObj *obj);
VstorVolObj *vstor_pool_obj_find_vol(const VstorPoolObj *obj, const char *name);
VstorVolObj *vstor_pool_obj_find_vol_by_key(const VstorPoolObj *obj, const char *key);
VstorVolObj *vstor_pool_obj_find_vol_by_path(const VstorPoolObj *obj, const char *path);
