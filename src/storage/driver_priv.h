/* driver_priv.h: the driver's private state, shared by driver.c (open, persistence, the
 * registry), driver_pool.c (pool lifecycle) and driver_vol.c (volumes). Not a public API. */
#pragma once

#include "storage/driver.h"

struct _VstorDriver {
    /* One lock for the registry and every pool's state. Slow work (mkfs, mount, copying
     * data) runs with it released, behind the starting/building/async_jobs markers, so
     * reads never wait behind a job. */
    GMutex lock;
    GCond cond; /* signalled when a pool stops starting */

    char *root; /* NULL: system paths */
    char *config_dir; /* <etc>/storage */
    char *autostart_dir; /* <etc>/storage/autostart */
    char *state_dir; /* <run>/storage */
    int lock_fd;

    GPtrArray *pools; /* VstorPoolObj*, owned */
    GPtrArray *subscribers; /* event subscribers (driver_events.c) */
    GQueue pending_events; /* queued under the lock, delivered after it is released */
    guint next_subscriber_id;
    guint64 next_job_id;
    GThread *retry_thread; /* retries failed autostarts (driver_autostart.c), when needed */
    GCond retry_cond;
    gboolean stopping;
    VstorBackendEnv env;
    VstorSecretStore *secrets; /* <etc>/secrets, with its own lock */

    /* Live pools (driver_watch.c): one inotify descriptor for every watched pool, read by
     * its own thread, which an eventfd stops. */
    int watch_fd;
    int watch_stop_fd;
    int watch_wake_fd; /* an eventfd: volumes to mark */
    GThread *watch_thread;
    guint mark_limit; /* change marks armed at most, a share of the user's inotify watches */
    guint watch_looked; /* volumes the last explicit refresh of a pool looked at (for tests) */
    guint watch_missed; /* names the watch read again that were nothing (for tests) */
};

/* Registry look-ups; the caller holds drv->lock. The _id variant fails with libvirt's
 * "no storage pool with matching uuid" error. */
VstorPoolObj *driver_find_pool_by_name(VstorDriver *drv, const char *name);
VstorPoolObj *driver_find_pool_by_uuid(VstorDriver *drv, const guint8 *uuid);
VstorPoolObj *driver_find_pool(VstorDriver *drv, const VstorPoolId *id, GError **err);
/* The same, and fails with "storage pool '%s' is not active" unless it is active. */
VstorPoolObj *driver_find_active_pool(VstorDriver *drv, const VstorPoolId *id, GError **err);
void driver_add_pool(VstorDriver *drv, VstorPoolObj *obj);
void driver_remove_pool(VstorDriver *drv, VstorPoolObj *obj);

/* Persistence (caller holds the lock). */
char *driver_config_path(VstorDriver *drv, const char *name);
char *driver_state_path(VstorDriver *drv, const char *name);
char *driver_autostart_path(VstorDriver *drv, const char *name);
int driver_save_config(VstorDriver *drv, const VstorPoolDef *def, GError **err);
int driver_save_state(VstorDriver *drv, const VstorPoolObj *obj, GError **err);
void driver_remove_state(VstorDriver *drv, const char *name);
int driver_set_autostart_link(VstorDriver *drv, const char *name, gboolean on, GError **err);

const VstorBackend *driver_backend(const VstorPoolObj *obj, GError **err);

/* Refreshes @obj's volumes and sizes with the lock held (dir scans are fast; slow backends
 * will move this off the lock). On failure the pool is left as it was. */
int driver_pool_do_refresh(VstorDriver *drv, VstorPoolObj *obj, GError **err);
/* Marks an active pool inactive: volumes dropped, state file removed, new_def applied;
 * a transient pool is removed from the registry (obj is then freed). */
void driver_pool_mark_inactive(VstorDriver *drv, VstorPoolObj *obj);

/* Fails with libvirt's "unsupported flags" VSTOR_ERR_INVALID_ARG when @flags has bits
 * outside @allowed. */
int driver_check_flags(unsigned int flags, unsigned int allowed, const char *func, GError **err);

/* Queues an event about @def (caller holds the lock); driver_flush_events delivers the queue
 * and must be called without the lock. */
void driver_queue_event(VstorDriver *drv, const VstorPoolDef *def, VstorPoolEventType event);
void driver_flush_events(VstorDriver *drv);
void driver_events_init(VstorDriver *drv);
void driver_events_clear(VstorDriver *drv);

/* Starts every autostart pool (caller holds the lock; it is released around each start) and
 * schedules retries for those that fail. */
void driver_autostart_all(VstorDriver *drv);
/* Stops the retry thread, if any (caller does not hold the lock). */
void driver_autostart_stop(VstorDriver *drv);
/* Forgets a pool's pending autostart retry (started by hand, autostart turned off). */
void driver_autostart_forget(VstorPoolObj *obj);

void driver_fill_id(const VstorPoolDef *def, VstorPoolId *ret_id);

/* Live pools (driver_watch.c). init/shutdown are called without the lock; the rest with it. */
void driver_watch_init(VstorDriver *drv);
void driver_watch_shutdown(VstorDriver *drv);
/* Starts watching @obj's directory when its backend allows (before a full scan, so nothing
 * that happens during the scan is missed); the pending changes are dropped. */
void driver_watch_pool(VstorDriver *drv, VstorPoolObj *obj);
void driver_unwatch_pool(VstorDriver *drv, VstorPoolObj *obj);
/* Has the watch thread mark the volumes of @obj that have no change mark (after a scan, or a
 * refresh that had to look at some), in the background. */
void driver_watch_want_marks(VstorDriver *drv, VstorPoolObj *obj);
/* The explicit refresh of a watched pool: applies the changes seen and re-reads only the
 * volumes whose files changed since they were last read. Returns 1 when done, 0 when a full
 * scan is needed instead (not watched, events lost, or the backend cannot see every change). */
int driver_watch_refresh(VstorDriver *drv, VstorPoolObj *obj, GError **err);
/* Reads @vol again before info or XML, unless a stat shows its file unchanged since it was
 * last read (file pools). Nothing for a volume being built. */
int driver_watch_refresh_vol(VstorDriver *drv, VstorPoolObj *obj, VstorVolObj *vol, GError **err);
/* Looks at the one entry @name of an active pool that has no such volume (yet): adds it when
 * it is a volume now. Returns it, or NULL. */
VstorVolObj *driver_watch_probe(VstorDriver *drv, VstorPoolObj *obj, const char *name);
guint64 driver_next_job_id(VstorDriver *drv);

/* Quick mode (driver_quick.c; see vstor_driver_quick_begin). driver_lock takes drv->lock,
 * or in quick mode only tries it and fails when it is held. driver_quick_refuse fails in quick
 * mode (the call needs something that may wait) and returns 0 otherwise. driver_lstat is
 * lstat(2); in quick mode it fails with EAGAIN unless the answer is in the kernel's caches
 * on a filesystem known to be local. Each failure in quick mode is recorded for
 * vstor_driver_quick_end, so a caller that drops the error still gives up. */
int driver_lock(VstorDriver *drv, GError **err);
int driver_quick_refuse(GError **err);
struct stat;
int driver_lstat(const char *path, struct stat *ret_st);
