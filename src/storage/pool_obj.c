/* pool_obj.c: pool records and their volume tables. No locking here: the driver holds its
 * lock around every call. */
#include <string.h>
#include <sys/inotify.h>

#include "storage/pool_obj.h"

static void
vol_obj_free(gpointer p)
{
    VstorVolObj *vol = p;

    vstor_vol_def_free(vol->def);
    vstor_job_unref(vol->job);
    g_free(vol);
}

VstorPoolObj *
vstor_pool_obj_new(VstorPoolDef *def)
{
    VstorPoolObj *obj = g_new0(VstorPoolObj, 1);

    obj->def = def;
    obj->watch_wd = -1;
    obj->mark_fd = -1;
    obj->marks = g_hash_table_new(g_direct_hash, g_direct_equal);
    obj->watch_pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    obj->vols = g_ptr_array_new_with_free_func(vol_obj_free);
    obj->jobs = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_job_unref);
    obj->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    obj->by_key = g_hash_table_new(g_str_hash, g_str_equal);
    obj->by_path = g_hash_table_new(g_str_hash, g_str_equal);
    return obj;
}

void
vstor_pool_obj_free(VstorPoolObj *obj)
{
    if (!obj)
        return;
    for (guint i = 0; i < obj->vols->len; i++)
        vstor_pool_obj_drop_mark(obj, obj->vols->pdata[i]);
    g_hash_table_destroy(obj->by_name);
    g_hash_table_destroy(obj->by_key);
    g_hash_table_destroy(obj->by_path);
    g_hash_table_destroy(obj->watch_pending);
    g_hash_table_destroy(obj->marks);
    if (obj->sorted)
        g_ptr_array_unref(obj->sorted);
    g_ptr_array_unref(obj->vols);
    g_ptr_array_unref(obj->jobs);
    vstor_pool_def_free(obj->def);
    vstor_pool_def_free(obj->new_def);
    g_free(obj->inaccessible);
    g_free(obj->autostart_error);
    g_free(obj);
}

const VstorPoolDef *
vstor_pool_obj_inactive_def(const VstorPoolObj *obj)
{
    return obj->new_def ? obj->new_def : obj->def;
}

VstorVolObj *
vstor_pool_obj_add_vol(VstorPoolObj *obj, VstorVolDef *def)
{
    VstorVolObj *vol = g_new0(VstorVolObj, 1);

    vol->def = def;
    vol->mark = -1;
    vol->slot = obj->vols->len;
    g_ptr_array_add(obj->vols, vol);
    g_clear_pointer(&obj->sorted, g_ptr_array_unref);
    g_hash_table_insert(obj->by_name, def->name, vol);
    if (def->key)
        g_hash_table_insert(obj->by_key, def->key, vol);
    if (def->target.path)
        g_hash_table_insert(obj->by_path, def->target.path, vol);
    return vol;
}

void
vstor_pool_obj_drop_mark(VstorPoolObj *obj, VstorVolObj *vol)
{
    if (vol->mark < 0)
        return;
    /* A mark that fired is gone from the kernel already: EINVAL then, which is fine. With
     * the descriptor closed (the driver shutting down), all are gone. */
    if (obj->mark_fd >= 0)
        inotify_rm_watch(obj->mark_fd, vol->mark);
    g_hash_table_remove(obj->marks, GINT_TO_POINTER(vol->mark));
    vol->mark = -1;
}

static void
unindex(VstorPoolObj *obj, VstorVolObj *vol)
{
    vstor_pool_obj_drop_mark(obj, vol);
    g_hash_table_remove(obj->by_name, vol->def->name);
    if (vol->def->key && g_hash_table_lookup(obj->by_key, vol->def->key) == vol)
        g_hash_table_remove(obj->by_key, vol->def->key);
    if (vol->def->target.path && g_hash_table_lookup(obj->by_path, vol->def->target.path) == vol)
        g_hash_table_remove(obj->by_path, vol->def->target.path);
}

/* Frees the volume at @slot; the last one takes its place (removal costs the same in a pool of
 * any size). */
static void
remove_slot(VstorPoolObj *obj, guint slot)
{
    g_ptr_array_remove_index_fast(obj->vols, slot);
    if (slot < obj->vols->len)
        ((VstorVolObj *)obj->vols->pdata[slot])->slot = slot;
    g_clear_pointer(&obj->sorted, g_ptr_array_unref);
}

void
vstor_pool_obj_remove_vol(VstorPoolObj *obj, VstorVolObj *vol)
{
    g_return_if_fail(vol->slot < obj->vols->len && obj->vols->pdata[vol->slot] == vol);
    unindex(obj, vol);
    remove_slot(obj, vol->slot);
}

void
vstor_pool_obj_clear_vols(VstorPoolObj *obj, gboolean keep_building)
{
    for (guint i = obj->vols->len; i > 0; i--) {
        VstorVolObj *vol = obj->vols->pdata[i - 1];

        if (keep_building && (vol->building || vol->in_use))
            continue;
        unindex(obj, vol);
        remove_slot(obj, i - 1);
    }
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    const VstorVolObj *x = *(VstorVolObj *const *)a, *y = *(VstorVolObj *const *)b;

    return strcmp(x->def->name, y->def->name);
}

GPtrArray *
vstor_pool_obj_sorted_vols(VstorPoolObj *obj)
{
    if (!obj->sorted) {
        obj->sorted = g_ptr_array_sized_new(obj->vols->len);
        for (guint i = 0; i < obj->vols->len; i++)
            g_ptr_array_add(obj->sorted, obj->vols->pdata[i]);
        g_ptr_array_sort(obj->sorted, compare_names);
    }
    return obj->sorted;
}

VstorVolObj *
vstor_pool_obj_find_vol(const VstorPoolObj *obj, const char *name)
{
    return name ? g_hash_table_lookup(obj->by_name, name) : NULL;
}

VstorVolObj *
vstor_pool_obj_find_vol_by_key(const VstorPoolObj *obj, const char *key)
{
    return key ? g_hash_table_lookup(obj->by_key, key) : NULL;
}

VstorVolObj *
vstor_pool_obj_find_vol_by_path(const VstorPoolObj *obj, const char *path)
{
    return path ? g_hash_table_lookup(obj->by_path, path) : NULL;
}
