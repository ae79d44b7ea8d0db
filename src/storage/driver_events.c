/* driver_events.c: pool lifecycle and refresh events. Operations queue them under the
 * driver lock; they are delivered after the lock is released so a subscriber may call back.
 * Delivery can run on another thread (live pools), so subscribers are reference counted: one
 * unsubscribed mid-delivery is freed when that delivery ends, and gets nothing after. */
#include "storage/driver_priv.h"

typedef struct {
    guint id;
    gint refs;
    gint removed; /* atomic */
    VstorPoolEventFunc func;
    gpointer data;
    GDestroyNotify destroy;
} Subscriber;

typedef struct {
    VstorPoolId pool;
    VstorPoolEventType event;
} PendingEvent;

static void
subscriber_unref(gpointer p)
{
    Subscriber *s = p;

    if (!g_atomic_int_dec_and_test(&s->refs))
        return;
    if (s->destroy)
        s->destroy(s->data);
    g_free(s);
}

static void
pending_free(gpointer p)
{
    PendingEvent *e = p;

    vstor_pool_id_clear(&e->pool);
    g_free(e);
}

void
driver_events_init(VstorDriver *drv)
{
    drv->subscribers = g_ptr_array_new_with_free_func(subscriber_unref);
    g_queue_init(&drv->pending_events);
}

void
driver_events_clear(VstorDriver *drv)
{
    g_queue_clear_full(&drv->pending_events, pending_free);
    if (drv->subscribers)
        g_ptr_array_unref(drv->subscribers);
    drv->subscribers = NULL;
}

void
driver_queue_event(VstorDriver *drv, const VstorPoolDef *def, VstorPoolEventType event)
{
    PendingEvent *e;

    if (!drv->subscribers || drv->subscribers->len == 0)
        return;
    e = g_new0(PendingEvent, 1);
    driver_fill_id(def, &e->pool);
    e->event = event;
    g_queue_push_tail(&drv->pending_events, e);
}

void
driver_flush_events(VstorDriver *drv)
{
    for (;;) {
        g_autoptr(GPtrArray) subs = g_ptr_array_new_with_free_func(subscriber_unref);
        PendingEvent *e;

        g_mutex_lock(&drv->lock);
        e = g_queue_pop_head(&drv->pending_events);
        if (e) {
            for (guint i = 0; i < drv->subscribers->len; i++) {
                Subscriber *s = drv->subscribers->pdata[i];

                g_atomic_int_inc(&s->refs);
                g_ptr_array_add(subs, s);
            }
        }
        g_mutex_unlock(&drv->lock);
        if (!e)
            return;
        for (guint i = 0; i < subs->len; i++) {
            Subscriber *s = subs->pdata[i];

            if (!g_atomic_int_get(&s->removed))
                s->func(&e->pool, e->event, s->data);
        }
        pending_free(e);
    }
}

guint
vstor_driver_event_subscribe(VstorDriver *drv, VstorPoolEventFunc func, gpointer user_data,
                             GDestroyNotify destroy)
{
    Subscriber *s = g_new0(Subscriber, 1);
    guint id;

    g_return_val_if_fail(func != NULL, 0);
    s->refs = 1; /* the subscriber list's */
    s->func = func;
    s->data = user_data;
    s->destroy = destroy;
    g_mutex_lock(&drv->lock);
    id = s->id = ++drv->next_subscriber_id;
    g_ptr_array_add(drv->subscribers, s);
    g_mutex_unlock(&drv->lock);
    return id;
}

void
vstor_driver_event_unsubscribe(VstorDriver *drv, guint id)
{
    Subscriber *found = NULL;

    g_mutex_lock(&drv->lock);
    for (guint i = 0; i < drv->subscribers->len; i++) {
        Subscriber *s = drv->subscribers->pdata[i];

        if (s->id == id) {
            found = g_ptr_array_steal_index(drv->subscribers, i);
            break;
        }
    }
    g_mutex_unlock(&drv->lock);
    if (found) {
        g_atomic_int_set(&found->removed, 1);
        subscriber_unref(found);
    }
}
