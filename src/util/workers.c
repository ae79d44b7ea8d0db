/* workers.c: the worker threads behind vstord's calls (a queue, threads made as jobs come, a
 * short spin of the thread that just finished) and the main loop's spinning poll. */
#include "util/workers.h"

#include <sched.h>

/* A thread idle this long ends, unless it is one of the last KEEP_IDLE. */
#define IDLE_US (15 * G_USEC_PER_SEC)
#define KEEP_IDLE 2

struct _VstorWorkers {
    GMutex lock;
    GCond work_cond; /* sleeping threads wait here for a job */
    GCond done_cond; /* vstor_workers_free waits here for the threads to end */
    GQueue queue;
    char *name;
    VstorWorkFunc func;
    gpointer user_data;
    guint spin_us;
    guint max; /* threads at most */
    guint threads; /* threads made and not ended */
    guint sleeping; /* of those, waiting on work_cond */
    VstorWorkersStats stats; /* but threads */
    /* Read without the lock by the spinning thread and by vstor_workers_push. */
    gint stopping;
    gint queued; /* the queue's length */
    gint spinning; /* 1 while a thread spins */
};

/* After a job: one thread at a time watches the queue for spin_us before it goes back to the
 * lock (and to sleep when nothing came). A job pushed meanwhile needs no wake-up. It yields
 * between looks rather than pausing: the client it just answered may be waiting for this very
 * CPU (a busy pause there made an empty call take twice as long). */
static void
spin(VstorWorkers *w)
{
    gint64 end;

    if (w->spin_us == 0 || !g_atomic_int_compare_and_exchange(&w->spinning, 0, 1))
        return;
    end = g_get_monotonic_time() + w->spin_us;
    while (g_atomic_int_get(&w->queued) == 0 && !g_atomic_int_get(&w->stopping) &&
           g_get_monotonic_time() < end)
        sched_yield();
    g_atomic_int_set(&w->spinning, 0);
}

static gpointer
worker_main(gpointer data)
{
    VstorWorkers *w = data;

    g_mutex_lock(&w->lock);
    for (;;) {
        gpointer job;

        if (w->threads > w->max)
            break; /* the largest number was lowered: others remain for the queue */
        if ((job = g_queue_pop_head(&w->queue))) {
            g_atomic_int_add(&w->queued, -1);
            g_mutex_unlock(&w->lock);
            w->func(job, w->user_data);
            spin(w);
            g_mutex_lock(&w->lock);
            continue;
        }
        if (g_atomic_int_get(&w->stopping))
            break;
        w->sleeping++;
        if (!g_cond_wait_until(&w->work_cond, &w->lock, g_get_monotonic_time() + IDLE_US) &&
            g_queue_is_empty(&w->queue) && w->threads > KEEP_IDLE) {
            w->sleeping--;
            break;
        }
        w->sleeping--;
    }
    w->threads--;
    g_cond_broadcast(&w->done_cond);
    g_mutex_unlock(&w->lock);
    return NULL;
}

/* Gets a thread to each queued job that no spinning or woken thread will take (lock held);
 * @spinning: the threads that were spinning before the last job was queued (one that saw it
 * stops spinning, and takes it). FALSE when a job has no thread at all and none can be made. */
static gboolean
staff_locked(VstorWorkers *w, guint spinning)
{
    guint waiting = g_queue_get_length(&w->queue);

    if (waiting <= spinning)
        return TRUE;
    waiting -= spinning;
    for (guint i = 0; i < MIN(waiting, w->sleeping); i++) {
        g_cond_signal(&w->work_cond);
        w->stats.signalled++;
    }
    for (guint i = w->sleeping; i < waiting && w->threads < w->max; i++) {
        g_autoptr(GError) err = NULL;
        GThread *t = g_thread_try_new(w->name, worker_main, w, &err);

        if (!t) {
            g_debug("cannot start a worker thread: %s", err->message);
            break;
        }
        g_thread_unref(t);
        w->threads++;
        w->stats.started++;
        w->stats.peak = MAX(w->stats.peak, w->threads);
    }
    return w->threads > 0;
}

VstorWorkers *
vstor_workers_new(const char *name, VstorWorkFunc func, gpointer user_data, guint max_threads,
                  guint spin_us)
{
    VstorWorkers *w = g_new0(VstorWorkers, 1);

    g_mutex_init(&w->lock);
    g_cond_init(&w->work_cond);
    g_cond_init(&w->done_cond);
    g_queue_init(&w->queue);
    w->name = g_strdup(name);
    w->func = func;
    w->user_data = user_data;
    w->max = MAX(max_threads, 1);
    w->spin_us = spin_us;
    return w;
}

void
vstor_workers_push(VstorWorkers *w, gpointer job)
{
    gboolean staffed;
    guint spinning;

    g_mutex_lock(&w->lock);
    spinning = (guint)g_atomic_int_get(&w->spinning);
    g_queue_push_tail(&w->queue, job);
    g_atomic_int_inc(&w->queued);
    staffed = staff_locked(w, spinning);
    if (!staffed) {
        /* No thread at all: the job runs here rather than being lost. */
        g_queue_remove(&w->queue, job);
        g_atomic_int_add(&w->queued, -1);
    }
    g_mutex_unlock(&w->lock);
    if (!staffed)
        w->func(job, w->user_data);
}

void
vstor_workers_set_max(VstorWorkers *w, guint max_threads)
{
    g_mutex_lock(&w->lock);
    w->max = MAX(max_threads, 1);
    staff_locked(w, (guint)g_atomic_int_get(&w->spinning));
    g_cond_broadcast(&w->work_cond); /* threads over the new largest number end */
    g_mutex_unlock(&w->lock);
}

void
vstor_workers_stats(VstorWorkers *w, VstorWorkersStats *ret)
{
    g_mutex_lock(&w->lock);
    *ret = w->stats;
    ret->threads = w->threads;
    g_mutex_unlock(&w->lock);
}

void
vstor_workers_free(VstorWorkers *w)
{
    if (!w)
        return;
    g_mutex_lock(&w->lock);
    g_atomic_int_set(&w->stopping, TRUE);
    g_cond_broadcast(&w->work_cond);
    while (w->threads > 0)
        g_cond_wait(&w->done_cond, &w->lock);
    g_mutex_unlock(&w->lock);
    /* A queue left with no thread (none could be made) still runs. */
    for (gpointer job; (job = g_queue_pop_head(&w->queue));)
        w->func(job, w->user_data);
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->work_cond);
    g_cond_clear(&w->done_cond);
    g_free(w->name);
    g_free(w);
}

guint
vstor_spin_budget(guint us)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) < 2)
        return 0;
    return us;
}

gint
vstor_spin_poll(GPollFD *fds, guint nfds, gint timeout, guint spin_us)
{
    if (timeout != 0 && spin_us > 0) {
        gint64 end = g_get_monotonic_time() + spin_us;

        do {
            gint n = g_poll(fds, nfds, 0);

            if (n != 0)
                return n;
            sched_yield();
        } while (g_get_monotonic_time() < end);
        if (timeout > 0)
            timeout = MAX(timeout - (gint)(spin_us / 1000), 0);
    }
    return g_poll(fds, nfds, timeout);
}
