/* workers.h: a pool of worker threads running queued jobs in order, and a poll that looks a
 * moment before it sleeps: work that comes in that time needs no thread woken for it. */
#pragma once

#include <glib.h>

typedef struct _VstorWorkers VstorWorkers;

/* Runs @job; @user_data is the pool's. */
typedef void (*VstorWorkFunc)(gpointer job, gpointer user_data);

/* A pool of at most @max_threads threads (made as jobs come, named @name) running @func. After a
 * job, one thread at a time stays awake for @spin_us microseconds, taking the next job at once
 * when it comes in that time: a client's calls in a row then go without waking a sleeping
 * thread (on a VM, a wake-up of an idle vCPU), for at most @spin_us of CPU per job. A thread
 * idle for 15 s ends, except the last two. */
VstorWorkers *vstor_workers_new(const char *name, VstorWorkFunc func, gpointer user_data,
                                guint max_threads, guint spin_us);

/* Queues @job. Never fails: when no thread can be made and none is running, @job runs here. */
void vstor_workers_push(VstorWorkers *w, gpointer job);

/* Changes the largest number of threads (at least 1); running ones end as they go idle. */
void vstor_workers_set_max(VstorWorkers *w, guint max_threads);

typedef struct {
    guint threads; /* running now */
    guint peak; /* the most that ran at once */
    guint64 started; /* threads made */
    guint64 signalled; /* wake-ups of a sleeping thread for a job */
} VstorWorkersStats;

void vstor_workers_stats(VstorWorkers *w, VstorWorkersStats *ret);

/* Runs what is queued, waits for every thread to end, and frees the pool. */
void vstor_workers_free(VstorWorkers *w);

/* How long a thread may spin for work: @us, or 0 when this process may run on one CPU only
 * (spinning would hold the very CPU the work has to come from). */
guint vstor_spin_budget(guint us);

/* g_poll(), but when @timeout is not 0 it first looks without waiting for up to @spin_us
 * microseconds: an event in that time is taken without the thread going to sleep and being
 * woken again. */
gint vstor_spin_poll(GPollFD *fds, guint nfds, gint timeout, guint spin_us);
