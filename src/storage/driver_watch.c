/* driver_watch.c: live pools — an inotify watch on the directory of every active dir, fs and
 * netfs pool, so files created, grown or removed behind vstor's back show up by themselves. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/driver_priv.h"
#include "util/error.h"
#include "util/fileio.h"

/* What counts as a change of a volume file on the directory's watch: not IN_MODIFY, which a
 * running guest would fire on every write; a file grown while held open, or given another
 * owner, fires its change mark instead (below), when it has one, and is seen at close or at
 * the next refresh otherwise. */
#define WATCH_MASK                                                                                 \
    (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |       \
     IN_MOVE_SELF | IN_ONLYDIR)
/* Changes are applied once events pause this long, or at the latest after MAX_DELAY; at most
 * APPLY_BATCH names per turn of the driver's lock, so that a burst of thousands of files
 * never holds a client's call for long and is mostly applied by the time it ends. */
#define QUIET_MS 50
#define MAX_DELAY_US (100 * 1000)
#define APPLY_BATCH 256
/* Woken by an event, the thread lets the burst it starts gather this long before reading it:
 * a run of creates or deletes then costs one wake-up (and one turn of the driver's lock)
 * per batch rather than one per file, 5-10 % of each such call. */
#define GATHER_MS 20
/* What fires a change mark: any write (through any name of the file, held open or not) or
 * change of its attributes. Writes through a shared mapping are the one change the kernel
 * does not report. */
#define MARK_MASK (IN_MODIFY | IN_ATTRIB | IN_ONESHOT | IN_DONT_FOLLOW | IN_MASK_CREATE)
/* Volumes the watch thread marks per turn of the driver's lock. */
#define MARK_BATCH 512

static gboolean drain_events(VstorDriver *drv);
static gboolean same_time(const VstorVolTimestamp *ts, const struct timespec *t);
static gboolean unchanged_at(int dirfd, const VstorVolObj *vol);

static gboolean
acceptable_name(const char *name)
{
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return FALSE;
    for (const char *p = name; *p; p++)
        if ((guchar)*p < 0x20 || *p == 0x7f)
            return FALSE;
    return TRUE;
}

static const VstorBackend *
watch_backend(const VstorPoolObj *obj)
{
    const VstorBackend *be = driver_backend(obj, NULL);

    return be && be->watch != VSTOR_WATCH_NONE && be->refresh_vol ? be : NULL;
}

void
driver_watch_pool(VstorDriver *drv, VstorPoolObj *obj)
{
    int wd;

    g_hash_table_remove_all(obj->watch_pending);
    obj->watch_overflow = FALSE;
    if (obj->watch_wd >= 0 || drv->watch_fd < 0 || !watch_backend(obj) || !obj->def->target_path)
        return;
    wd = inotify_add_watch(drv->watch_fd, obj->def->target_path, WATCH_MASK);
    if (wd < 0) {
        g_debug("pool '%s': no live updates (inotify: %s)", obj->def->name, g_strerror(errno));
        return;
    }
    obj->watch_wd = wd;
    obj->mark_fd = drv->watch_fd;
}

/* Change marks: the watch thread arms a one-shot watch on each volume file of a local pool
 * (after a scan, or after a refresh that had to look at files without one), so an explicit
 * refresh looks only at files whose mark fired (written, truncated, chmod'ed, chown'ed, linked
 * or unlinked since) or that have none yet: its cost follows the changes, not the pool's
 * size. */

/* Disarms every change mark of @obj: what they would have said is not known any more. */
static void
drop_marks(VstorPoolObj *obj)
{
    for (guint i = 0; i < obj->vols->len; i++)
        vstor_pool_obj_drop_mark(obj, obj->vols->pdata[i]);
}

void
driver_unwatch_pool(VstorDriver *drv, VstorPoolObj *obj)
{
    drop_marks(obj);
    if (obj->watch_wd >= 0)
        inotify_rm_watch(drv->watch_fd, obj->watch_wd);
    obj->watch_wd = -1;
    obj->mark_fd = -1;
    g_hash_table_remove_all(obj->watch_pending);
}

/* Arms the change mark of @vol (a regular file); it is looked at after that. FALSE when it
 * cannot be: the file is another name of one marked already (a hard link), or the kernel
 * refuses. */
static gboolean
arm_mark(VstorPoolObj *obj, VstorVolObj *vol)
{
    g_autofree char *path = NULL;
    int wd;

    if (vol->mark >= 0 || vol->def->type != VSTOR_VOL_FILE || obj->mark_fd < 0)
        return FALSE;
    path = g_build_filename(obj->def->target_path, vol->def->name, NULL);
    if ((wd = inotify_add_watch(obj->mark_fd, path, MARK_MASK)) < 0)
        return FALSE;
    vol->mark = wd;
    g_hash_table_insert(obj->marks, GINT_TO_POINTER(wd), vol);
    return TRUE;
}

/* Change marks armed in all pools. */
static guint
marks_armed(VstorDriver *drv)
{
    guint n = 0;

    for (guint i = 0; i < drv->pools->len; i++)
        n += g_hash_table_size(((VstorPoolObj *)drv->pools->pdata[i])->marks);
    return n;
}

static gboolean
marks_wanted(const VstorPoolObj *obj)
{
    const VstorBackend *be = watch_backend(obj);

    return be && be->watch == VSTOR_WATCH_LOCAL && obj->watch_wd >= 0 && obj->mark_fd >= 0;
}

void
driver_watch_want_marks(VstorDriver *drv, VstorPoolObj *obj)
{
    guint64 one = 1;

    if (!marks_wanted(obj))
        return;
    obj->mark_left = G_MAXUINT;
    if (drv->watch_wake_fd >= 0 && write(drv->watch_wake_fd, &one, sizeof(one)) < 0)
        g_debug("cannot wake the watch thread: %s", g_strerror(errno));
}

/* Marks up to MARK_BATCH volumes that have no change mark, each then looked at (one stat)
 * and read again, like a file closed after writing, when it changed since it was read (lock
 * held). TRUE when some are left for another turn. */
static gboolean
mark_some(VstorDriver *drv)
{
    guint armed = marks_armed(drv), left = MARK_BATCH;
    gboolean more = FALSE;

    for (guint p = 0; p < drv->pools->len; p++) {
        VstorPoolObj *obj = drv->pools->pdata[p];
        g_auto(VstorFd) dirfd = -1;
        guint i;

        if (obj->mark_left == 0)
            continue;
        if (!marks_wanted(obj) || !obj->active || obj->starting || obj->inaccessible ||
            armed >= drv->mark_limit ||
            (dirfd = open(obj->def->target_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            obj->mark_left = 0;
            continue;
        }
        for (i = MIN(obj->mark_left, obj->vols->len); i > 0 && left > 0 && armed < drv->mark_limit;
             i--) {
            VstorVolObj *vol = obj->vols->pdata[i - 1];

            if (vol->building || vol->in_use || !arm_mark(obj, vol))
                continue;
            armed++;
            left--;
            if (!unchanged_at(dirfd, vol))
                g_hash_table_add(obj->watch_pending, g_strdup(vol->def->name));
        }
        obj->mark_left = armed < drv->mark_limit ? i : 0;
        more |= obj->mark_left != 0;
    }
    return more;
}

/* TRUE when @st (of the file of @vol, not followed) shows the change time, modification time
 * and size it was read with: reading it again would find the same. */
static gboolean
same_stat(const VstorVolObj *vol, const struct stat *st)
{
    const VstorVolTimestamps *ts = vol->def->target.timestamps;

    return ts && !S_ISLNK(st->st_mode) && same_time(&ts->ctime, &st->st_ctim) &&
           same_time(&ts->mtime, &st->st_mtim) &&
           (!S_ISREG(st->st_mode) || vol->def->physical == (unsigned long long)st->st_size);
}

/* same_stat() for the file of @vol as it is now, looked at relative to its pool's directory
 * @dirfd (one stat, no path resolved from the root). */
static gboolean
unchanged_at(int dirfd, const VstorVolObj *vol)
{
    struct stat st;

    return fstatat(dirfd, vol->def->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && same_stat(vol, &st);
}

/* same_stat() for the file of @vol as it is now; *@ret_gone when there is none. */
static gboolean
unchanged(const VstorPoolObj *obj, const VstorVolObj *vol, gboolean *ret_gone)
{
    g_autofree char *path = g_build_filename(obj->def->target_path, vol->def->name, NULL);
    struct stat st;

    *ret_gone = FALSE;
    if (driver_lstat(path, &st) < 0) {
        *ret_gone = errno == ENOENT;
        return FALSE;
    }
    return same_stat(vol, &st);
}

/* Re-reads entry @name of @obj: updates, adds or drops its volume. TRUE when the pool's list
 * or a volume changed. Volumes a job is writing or reading are left to the job. */
static gboolean
apply_name(VstorDriver *drv, VstorPoolObj *obj, const VstorBackend *be, const char *name)
{
    VstorVolObj *vol = vstor_pool_obj_find_vol(obj, name);
    g_autoptr(VstorVolDef) def = NULL;
    g_autoptr(GError) err = NULL;

    if (vol) {
        gboolean gone;

        /* The name may lead to another file now (renamed over): its mark is armed again, on
         * whatever file it is, by the next explicit refresh. */
        vstor_pool_obj_drop_mark(obj, vol);
        if (vol->building || vol->in_use || unchanged(obj, vol, &gone))
            return FALSE;
        if (gone || be->refresh_vol(&drv->env, obj->def, vol->def, &err) < 0) {
            g_debug("pool '%s': '%s' went away", obj->def->name, name);
            vstor_pool_obj_remove_vol(obj, vol);
        }
        return TRUE;
    }
    if (!acceptable_name(name))
        return FALSE;
    /* Removed again already: refresh_vol fails, nothing is added. */
    def = vstor_vol_def_new();
    def->name = g_strdup(name);
    def->target.path = g_build_filename(obj->def->target_path, name, NULL);
    def->key = g_strdup(def->target.path);
    if (be->refresh_vol(&drv->env, obj->def, def, &err) < 0) {
        drv->watch_missed++;
        return FALSE; /* gone again, or not something a pool lists */
    }
    vstor_pool_obj_add_vol(obj, g_steal_pointer(&def));
    return TRUE;
}

/* TRUE when @obj has pending changes that can be applied now. */
static gboolean
can_apply(const VstorPoolObj *obj)
{
    return watch_backend(obj) && obj->active && !obj->starting && !obj->inaccessible &&
           g_hash_table_size(obj->watch_pending) > 0;
}

/* Applies the pending changes of @obj (lock held), at most @limit of them (0: all); TRUE
 * when anything changed. */
static gboolean
apply_pending(VstorDriver *drv, VstorPoolObj *obj, guint limit)
{
    const VstorBackend *be = watch_backend(obj);
    g_autoptr(GPtrArray) names = NULL;
    gboolean changed = FALSE;

    if (!can_apply(obj))
        return FALSE;
    names = g_ptr_array_new_full(g_hash_table_size(obj->watch_pending), g_free);
    {
        GHashTableIter it;
        gpointer key;

        g_hash_table_iter_init(&it, obj->watch_pending);
        while ((limit == 0 || names->len < limit) && g_hash_table_iter_next(&it, &key, NULL)) {
            g_hash_table_iter_steal(&it);
            g_ptr_array_add(names, key);
        }
    }
    for (guint i = 0; i < names->len; i++)
        changed |= apply_name(drv, obj, be, names->pdata[i]);
    if (changed && be->refresh_sizes)
        be->refresh_sizes(&drv->env, obj->def, NULL);
    return changed;
}

VstorVolObj *
driver_watch_probe(VstorDriver *drv, VstorPoolObj *obj, const char *name)
{
    const VstorBackend *be = watch_backend(obj);

    if (!be || !name || strchr(name, '/') || !obj->active || obj->starting || obj->inaccessible)
        return NULL;
    if (driver_quick_refuse(NULL) < 0)
        return NULL;
    if (apply_name(drv, obj, be, name) && be->refresh_sizes)
        be->refresh_sizes(&drv->env, obj->def, NULL);
    return vstor_pool_obj_find_vol(obj, name);
}

static gboolean
same_time(const VstorVolTimestamp *ts, const struct timespec *t)
{
    return ts->sec == (long long)t->tv_sec && ts->nsec == (long long)t->tv_nsec;
}

int
driver_watch_refresh_vol(VstorDriver *drv, VstorPoolObj *obj, VstorVolObj *vol, GError **err)
{
    const VstorBackend *be = driver_backend(obj, err);
    gboolean gone;

    if (!be)
        return -1;
    if (vol->building || !be->refresh_vol)
        return 0;
    if (watch_backend(obj) && unchanged(obj, vol, &gone))
        return 0;
    if (driver_quick_refuse(err) < 0) /* reading the file again may wait for the disk */
        return -1;
    return be->refresh_vol(&drv->env, obj->def, vol->def, err);
}

int
driver_watch_refresh(VstorDriver *drv, VstorPoolObj *obj, GError **err)
{
    const VstorBackend *be = watch_backend(obj);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    int dirfd;

    if (!be || be->watch != VSTOR_WATCH_LOCAL || obj->watch_wd < 0)
        return 0;
    drain_events(drv); /* what happened before this call is part of it */
    if (obj->watch_overflow)
        return 0;
    apply_pending(drv, obj, 0);
    if ((dirfd = open(obj->def->target_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return 0; /* let the full scan say what is wrong */
    /* A file held open while written (a guest's disk) fires no event on the directory until
     * closed. A volume whose change mark is armed has not changed since it was last looked
     * at; any other is looked at (one stat relative to the directory), read again only when
     * that changed (apply_name), and marked afterwards by the watch thread. */
    drv->watch_looked = 0;
    for (guint i = 0; i < obj->vols->len; i++) {
        VstorVolObj *vol = obj->vols->pdata[i];

        if (vol->building || vol->in_use || vol->mark >= 0)
            continue;
        drv->watch_looked++;
        if (unchanged_at(dirfd, vol))
            continue;
        g_ptr_array_add(names, g_strdup(vol->def->name));
    }
    close(dirfd);
    for (guint i = 0; i < names->len; i++)
        apply_name(drv, obj, be, names->pdata[i]);
    if (drv->watch_looked > 0)
        driver_watch_want_marks(drv, obj); /* so that the next refresh need not look again */
    if (be->refresh_sizes && be->refresh_sizes(&drv->env, obj->def, err) < 0)
        return -1;
    return 1;
}

static VstorPoolObj *
pool_of_wd(VstorDriver *drv, int wd)
{
    for (guint i = 0; i < drv->pools->len; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];

        if (obj->watch_wd == wd)
            return obj;
    }
    return NULL;
}

/* A change mark fired (or the kernel dropped it: the file went, its file system was
 * unmounted): its volume may have changed, and is read again like a file that was closed
 * after writing. Not armed again until the next explicit refresh looks at it, so a file
 * written all the time (a running guest's disk) costs one event per refresh. */
static void
mark_fired(VstorDriver *drv, int wd)
{
    for (guint i = 0; i < drv->pools->len; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];
        VstorVolObj *vol = g_hash_table_lookup(obj->marks, GINT_TO_POINTER(wd));

        if (vol) {
            g_hash_table_remove(obj->marks, GINT_TO_POINTER(wd));
            vol->mark = -1;
            g_hash_table_add(obj->watch_pending, g_strdup(vol->def->name));
            return;
        }
    }
}

/* Sorts a batch of events into the pools' pending sets (lock held). */
static void
note_events(VstorDriver *drv, const char *buf, gssize len)
{
    for (const char *p = buf; p < buf + len;) {
        const struct inotify_event *ev = (const struct inotify_event *)p;
        VstorPoolObj *obj;

        p += sizeof(*ev) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
            /* Lost events may have been marks firing: none can be trusted now. */
            for (guint i = 0; i < drv->pools->len; i++) {
                obj = drv->pools->pdata[i];
                obj->watch_overflow = TRUE;
                drop_marks(obj);
            }
            continue;
        }
        if (!(obj = pool_of_wd(drv, ev->wd))) {
            mark_fired(drv, ev->wd);
            continue;
        }
        if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
            /* The directory itself went: only a full scan can tell what is there now. */
            obj->watch_overflow = TRUE;
            if (ev->mask & IN_IGNORED)
                obj->watch_wd = -1;
            continue;
        }
        if (ev->len == 0 || !ev->name[0])
            continue;
        /* A name gone that is no volume changes nothing: vstor's own deletions (the volume
         * left the table with its file) cost no look. */
        if ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) && !vstor_pool_obj_find_vol(obj, ev->name))
            continue;
        g_hash_table_add(obj->watch_pending, g_strdup(ev->name));
    }
}

/* Reads every event queued on the inotify descriptor into the pools' pending sets (lock held:
 * whoever reads an event also notes it before anyone else can look). TRUE when any came. */
static gboolean
drain_events(VstorDriver *drv)
{
    /* Aligned as inotify_event needs. */
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    gboolean got = FALSE;
    gssize len;

    while ((len = read(drv->watch_fd, buf, sizeof(buf))) > 0) {
        note_events(drv, buf, len);
        got = TRUE;
    }
    return got;
}

/* Applies pending changes, at most APPLY_BATCH in all, and queues the refresh events of the
 * pools they changed (lock held). TRUE when some are left for another turn. */
static gboolean
apply_all(VstorDriver *drv)
{
    guint left = APPLY_BATCH;
    gboolean more = FALSE;

    for (guint i = 0; i < drv->pools->len; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];

        if (obj->watch_overflow && obj->active && !obj->starting && watch_backend(obj)) {
            obj->watch_overflow = FALSE;
            g_hash_table_remove_all(obj->watch_pending);
            if (driver_pool_do_refresh(drv, obj, NULL) == 0)
                driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_REFRESH);
            continue;
        }
        if (left > 0) {
            guint before = g_hash_table_size(obj->watch_pending);

            if (apply_pending(drv, obj, left))
                driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_REFRESH);
            left -= MIN(left, before - g_hash_table_size(obj->watch_pending));
        }
        more |= can_apply(obj);
    }
    return more;
}

static gpointer
watch_thread(gpointer data)
{
    VstorDriver *drv = data;
    gint64 first_pending = 0;
    gboolean backlog = FALSE; /* more to apply than one turn took */
    gboolean marking = FALSE; /* volumes left to mark */

    for (;;) {
        struct pollfd fds[3] = {{drv->watch_fd, POLLIN, 0},
                                {drv->watch_stop_fd, POLLIN, 0},
                                {drv->watch_wake_fd, POLLIN, 0}};
        int n = poll(fds, 3, backlog || marking ? 0 : first_pending ? QUIET_MS : -1);
        gboolean got = FALSE;

        if (n < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            break;
        if (fds[2].revents & POLLIN) {
            guint64 count;

            if (read(drv->watch_wake_fd, &count, sizeof(count)) > 0)
                marking = TRUE;
        }
        if (fds[0].revents & POLLIN) {
            struct pollfd stop = {drv->watch_stop_fd, POLLIN, 0};

            if (poll(&stop, 1, backlog || marking ? 0 : GATHER_MS) > 0)
                break;
            g_mutex_lock(&drv->lock);
            got = drain_events(drv);
            g_mutex_unlock(&drv->lock);
            if (got && !first_pending)
                first_pending = g_get_monotonic_time();
        }
        if (marking) {
            /* A file that changed since it was read joins the pending names. */
            gboolean pending = FALSE;

            g_mutex_lock(&drv->lock);
            marking = mark_some(drv);
            for (guint i = 0; i < drv->pools->len && !pending; i++)
                pending = can_apply(drv->pools->pdata[i]);
            g_mutex_unlock(&drv->lock);
            if (pending && !first_pending)
                first_pending = g_get_monotonic_time();
        }
        if (first_pending &&
            (backlog || !got || g_get_monotonic_time() - first_pending > MAX_DELAY_US)) {
            g_mutex_lock(&drv->lock);
            backlog = apply_all(drv);
            g_mutex_unlock(&drv->lock);
            driver_flush_events(drv);
            first_pending = backlog ? first_pending : 0;
        }
    }
    return NULL;
}

/* A quarter of the user's inotify watches (fs.inotify.max_user_watches, shared with every other
 * program of the same user): the rest of a pool past it is looked at on every refresh. */
static guint
mark_limit(void)
{
    g_autofree char *text = NULL;
    guint64 max = 8192;

    if (g_file_get_contents("/proc/sys/fs/inotify/max_user_watches", &text, NULL, NULL))
        max = g_ascii_strtoull(text, NULL, 10);
    return (guint)MIN(max / 4, G_MAXUINT);
}

void
driver_watch_init(VstorDriver *drv)
{
    drv->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    drv->watch_stop_fd = eventfd(0, EFD_CLOEXEC);
    drv->watch_wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (drv->watch_fd < 0 || drv->watch_stop_fd < 0 || drv->watch_wake_fd < 0) {
        g_debug("no live pools: %s", g_strerror(errno));
        driver_watch_shutdown(drv);
        return;
    }
    drv->mark_limit = mark_limit();
    drv->watch_thread = g_thread_new("vstor-watch", watch_thread, drv);
}

void
driver_watch_shutdown(VstorDriver *drv)
{
    if (drv->watch_thread) {
        guint64 one = 1;

        if (write(drv->watch_stop_fd, &one, sizeof(one)) < 0)
            g_debug("cannot stop the watch thread: %s", g_strerror(errno));
        g_thread_join(g_steal_pointer(&drv->watch_thread));
    }
    /* Closing the descriptor drops every mark; none is to be removed from it afterwards. */
    for (guint i = 0; drv->pools && i < drv->pools->len; i++)
        ((VstorPoolObj *)drv->pools->pdata[i])->mark_fd = -1;
    if (drv->watch_fd >= 0)
        close(drv->watch_fd);
    if (drv->watch_stop_fd >= 0)
        close(drv->watch_stop_fd);
    if (drv->watch_wake_fd >= 0)
        close(drv->watch_wake_fd);
    drv->watch_fd = drv->watch_stop_fd = drv->watch_wake_fd = -1;
}
