/* test-workers.c: vstord's worker threads — every job runs, in order with one thread, never more
 * threads than allowed, the queue drained by the free, and the thread that just finished
 * taking the next job without being woken while it spins. */
#include <sched.h>
#include <unistd.h>

#include "util/workers.h"

typedef struct {
    GMutex lock;
    GCond cond;
    guint done;
    gboolean open; /* the gate jobs of kind GATED wait for */
    guint running, most_running;
    GArray *order;
} Board;

typedef struct {
    Board *board;
    guint index;
    gboolean gated;
} Job;

static void
run_job(gpointer data, gpointer user_data)
{
    Job *job = data;
    Board *b = user_data;

    g_mutex_lock(&b->lock);
    b->running++;
    b->most_running = MAX(b->most_running, b->running);
    g_cond_broadcast(&b->cond);
    while (job->gated && !b->open)
        g_cond_wait(&b->cond, &b->lock);
    g_array_append_val(b->order, job->index);
    b->running--;
    b->done++;
    g_cond_broadcast(&b->cond);
    g_mutex_unlock(&b->lock);
    g_free(job);
}

static void
board_init(Board *b)
{
    g_mutex_init(&b->lock);
    g_cond_init(&b->cond);
    b->done = b->running = b->most_running = 0;
    b->open = FALSE;
    b->order = g_array_new(FALSE, FALSE, sizeof(guint));
}

static void
board_clear(Board *b)
{
    g_array_unref(b->order);
    g_mutex_clear(&b->lock);
    g_cond_clear(&b->cond);
}

static void
push(VstorWorkers *w, Board *b, guint index, gboolean gated)
{
    Job *job = g_new0(Job, 1);

    job->board = b;
    job->index = index;
    job->gated = gated;
    vstor_workers_push(w, job);
}

static void
wait_done(Board *b, guint n)
{
    gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    g_mutex_lock(&b->lock);
    while (b->done < n && g_cond_wait_until(&b->cond, &b->lock, end))
        ;
    g_assert_cmpuint(b->done, >=, n);
    g_mutex_unlock(&b->lock);
}

static void
wait_running(Board *b, guint n)
{
    g_mutex_lock(&b->lock);
    while (b->running < n)
        g_cond_wait(&b->cond, &b->lock);
    g_mutex_unlock(&b->lock);
}

/* A pool of at most @max threads (no spin) given @jobs jobs that wait at the gate; returns
 * once @running of them run. */
static VstorWorkers *
start_gated(Board *b, guint max, guint jobs, guint running)
{
    VstorWorkers *w;

    board_init(b);
    w = vstor_workers_new("test-worker", run_job, b, max, 0);
    for (guint i = 0; i < jobs; i++)
        push(w, b, i, TRUE);
    wait_running(b, running);
    return w;
}

/* Every job runs; with one thread, in the order pushed. */
static void
test_order(void)
{
    Board b;
    VstorWorkers *w;

    board_init(&b);
    w = vstor_workers_new("test-worker", run_job, &b, 1, 50);
    for (guint i = 0; i < 500; i++)
        push(w, &b, i, FALSE);
    wait_done(&b, 500);
    for (guint i = 0; i < 500; i++)
        g_assert_cmpuint(g_array_index(b.order, guint, i), ==, i);
    vstor_workers_free(w);
    board_clear(&b);
}

/* Jobs that block take as many threads as allowed and no more; the rest wait in the queue,
 * and the free runs them all before it returns. */
static void
test_max_threads(void)
{
    Board b;
    VstorWorkers *w;
    VstorWorkersStats st;

    w = start_gated(&b, 3, 10, 3);
    g_usleep(50 * 1000); /* a fourth thread would have started by now */
    vstor_workers_stats(w, &st);
    g_assert_cmpuint(st.threads, ==, 3);
    g_assert_cmpuint(st.peak, ==, 3);
    g_mutex_lock(&b.lock);
    g_assert_cmpuint(b.running, ==, 3);
    b.open = TRUE;
    g_cond_broadcast(&b.cond);
    g_mutex_unlock(&b.lock);
    vstor_workers_free(w);
    g_assert_cmpuint(b.done, ==, 10);
    g_assert_cmpuint(b.most_running, ==, 3);
    board_clear(&b);
}

/* A lower largest number lets the extra threads end; a higher one staffs what waits. */
static void
test_set_max(void)
{
    Board b;
    VstorWorkers *w;
    VstorWorkersStats st;

    w = start_gated(&b, 1, 4, 1);
    vstor_workers_set_max(w, 4);
    wait_running(&b, 4);
    g_mutex_lock(&b.lock);
    b.open = TRUE;
    g_cond_broadcast(&b.cond);
    g_mutex_unlock(&b.lock);
    wait_done(&b, 4);
    vstor_workers_set_max(w, 1);
    for (gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC; g_get_monotonic_time() < end;
         g_usleep(1000)) {
        vstor_workers_stats(w, &st);
        if (st.threads == 1)
            break;
    }
    g_assert_cmpuint(st.threads, ==, 1);
    push(w, &b, 4, FALSE);
    wait_done(&b, 5);
    vstor_workers_free(w);
    board_clear(&b);
}

/* The next job, pushed after the last one ended: a spinning thread takes it without being
 * woken; without the spin, the sleeping thread is signalled. */
static void
check_next_job(guint spin_us, guint64 signalled)
{
    Board b;
    VstorWorkers *w;
    VstorWorkersStats st;

    board_init(&b);
    w = vstor_workers_new("test-worker", run_job, &b, 4, spin_us);
    push(w, &b, 0, FALSE);
    wait_done(&b, 1);
    g_usleep(100 * 1000); /* the thread is spinning now, or asleep */
    push(w, &b, 1, FALSE);
    wait_done(&b, 2);
    vstor_workers_stats(w, &st);
    g_test_message("spin %u us: %" G_GUINT64_FORMAT " started, %" G_GUINT64_FORMAT " signalled",
                   spin_us, st.started, st.signalled);
    g_assert_cmpuint(st.started, ==, 1);
    g_assert_cmpuint(st.signalled, ==, signalled);
    vstor_workers_free(w); /* does not wait out the spin */
    board_clear(&b);
}

static void
test_spin(void)
{
    gint64 start = g_get_monotonic_time();

    check_next_job(10 * G_USEC_PER_SEC, 0);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 9 * G_USEC_PER_SEC);
    check_next_job(0, 1);
}

static gpointer
write_later(gpointer data)
{
    int fd = GPOINTER_TO_INT(data);

    g_usleep(20 * 1000);
    g_assert_cmpint(write(fd, "x", 1), ==, 1);
    return NULL;
}

/* The spinning poll answers as g_poll() does: what is ready at once, what becomes ready
 * during the spin or after it (the thread then sleeps), nothing once the timeout passes. */
static void
test_spin_poll(void)
{
    int p[2];
    GPollFD fd;
    char c;

    g_assert_cmpint(pipe(p), ==, 0);
    fd = (GPollFD){.fd = p[0], .events = G_IO_IN};
    g_assert_cmpint(vstor_spin_poll(&fd, 1, 10, 1000), ==, 0); /* nothing: the timeout */
    g_assert_cmpint(write(p[1], "x", 1), ==, 1);
    g_assert_cmpint(vstor_spin_poll(&fd, 1, -1, 1000), ==, 1);
    g_assert_true(fd.revents & G_IO_IN);
    g_assert_cmpint(read(p[0], &c, 1), ==, 1);
    fd.revents = 0;
    /* Written 20 ms later: during a spin of 1 s, and after a spin of 1 ms. */
    for (guint spin_us = 1000; spin_us <= G_USEC_PER_SEC; spin_us *= 1000) {
        GThread *t = g_thread_new("writer", write_later, GINT_TO_POINTER(p[1]));

        g_assert_cmpint(vstor_spin_poll(&fd, 1, -1, spin_us), ==, 1);
        g_assert_true(fd.revents & G_IO_IN);
        g_assert_cmpint(read(p[0], &c, 1), ==, 1);
        fd.revents = 0;
        g_thread_join(t);
    }
    /* A timeout of 0 never spins. */
    g_assert_cmpint(vstor_spin_poll(&fd, 1, 0, G_USEC_PER_SEC), ==, 0);
    close(p[0]);
    close(p[1]);
}

/* No spinning for a process that may run on one CPU only. */
static void
test_spin_budget(void)
{
    cpu_set_t all, one;

    g_assert_cmpint(sched_getaffinity(0, sizeof(all), &all), ==, 0);
    CPU_ZERO(&one);
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (CPU_ISSET(i, &all)) {
            CPU_SET(i, &one);
            break;
        }
    }
    g_assert_cmpint(sched_setaffinity(0, sizeof(one), &one), ==, 0);
    g_assert_cmpuint(vstor_spin_budget(100), ==, 0);
    g_assert_cmpint(sched_setaffinity(0, sizeof(all), &all), ==, 0);
    if (CPU_COUNT(&all) < 2)
        g_test_skip("this machine has one CPU: the budget is always 0");
    else
        g_assert_cmpuint(vstor_spin_budget(100), ==, 100);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/workers/order", test_order);
    g_test_add_func("/workers/max-threads", test_max_threads);
    g_test_add_func("/workers/set-max", test_set_max);
    g_test_add_func("/workers/spin", test_spin);
    g_test_add_func("/workers/spin-poll", test_spin_poll);
    g_test_add_func("/workers/spin-budget", test_spin_budget);
    return g_test_run();
}
