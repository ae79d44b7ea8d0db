/* driver.c: opening a state root (lock, directories, loading definitions and live state,
 * re-attaching active pools, autostart), persistence and the pool registry. */
#include "storage/driver_priv.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fileio.h"

void
vstor_pool_id_clear(VstorPoolId *id)
{
    g_clear_pointer(&id->name, g_free);
}

void
vstor_vol_id_clear(VstorVolId *id)
{
    g_clear_pointer(&id->pool, g_free);
    g_clear_pointer(&id->name, g_free);
    g_clear_pointer(&id->key, g_free);
}

void
vstor_pool_id_free(VstorPoolId *id)
{
    if (!id)
        return;
    vstor_pool_id_clear(id);
    g_free(id);
}

void
vstor_vol_id_free(VstorVolId *id)
{
    if (!id)
        return;
    vstor_vol_id_clear(id);
    g_free(id);
}

void
driver_fill_id(const VstorPoolDef *def, VstorPoolId *ret_id)
{
    ret_id->name = g_strdup(def->name);
    memcpy(ret_id->uuid, def->uuid, VSTOR_UUID_LEN);
}

int
driver_check_flags(unsigned int flags, unsigned int allowed, const char *func, GError **err)
{
    if (flags & ~allowed) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags & ~allowed, func);
        return -1;
    }
    return 0;
}

guint64
driver_next_job_id(VstorDriver *drv)
{
    return ++drv->next_job_id;
}

/* --- registry --- */

VstorPoolObj *
driver_find_pool_by_name(VstorDriver *drv, const char *name)
{
    for (guint i = 0; i < drv->pools->len; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];

        if (strcmp(obj->def->name, name) == 0)
            return obj;
    }
    return NULL;
}

VstorPoolObj *
driver_find_pool_by_uuid(VstorDriver *drv, const guint8 *uuid)
{
    for (guint i = 0; i < drv->pools->len; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];

        if (memcmp(obj->def->uuid, uuid, VSTOR_UUID_LEN) == 0)
            return obj;
    }
    return NULL;
}

VstorPoolObj *
driver_find_pool(VstorDriver *drv, const VstorPoolId *id, GError **err)
{
    VstorPoolObj *obj = driver_find_pool_by_uuid(drv, id->uuid);

    if (!obj) {
        char uuid[VSTOR_UUID_STRING_LEN];

        vstor_uuid_format(id->uuid, uuid);
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL,
                        "no storage pool with matching uuid '%s' (%s)", uuid,
                        id->name ? id->name : "");
    }
    return obj;
}

VstorPoolObj *
driver_find_active_pool(VstorDriver *drv, const VstorPoolId *id, GError **err)
{
    VstorPoolObj *obj = driver_find_pool(drv, id, err);

    if (obj && !obj->active) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is not active",
                        obj->def->name);
        return NULL;
    }
    return obj;
}

void
driver_add_pool(VstorDriver *drv, VstorPoolObj *obj)
{
    g_ptr_array_add(drv->pools, obj);
}

void
driver_remove_pool(VstorDriver *drv, VstorPoolObj *obj)
{
    g_ptr_array_remove(drv->pools, obj);
}

const VstorBackend *
driver_backend(const VstorPoolObj *obj, GError **err)
{
    const VstorBackend *be = vstor_backend_for_type(obj->def->type);

    if (!be)
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "vstor has no backend for pool type '%s' yet",
                        vstor_pool_type_to_string(obj->def->type));
    return be;
}

/* --- persistence --- */

char *
driver_config_path(VstorDriver *drv, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);

    return g_build_filename(drv->config_dir, file, NULL);
}

char *
driver_state_path(VstorDriver *drv, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);

    return g_build_filename(drv->state_dir, file, NULL);
}

char *
driver_autostart_path(VstorDriver *drv, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);

    return g_build_filename(drv->autostart_dir, file, NULL);
}

int
driver_save_config(VstorDriver *drv, const VstorPoolDef *def, GError **err)
{
    g_autofree char *path = driver_config_path(drv, def->name);
    g_autofree char *xml = vstor_pool_def_format(def);

    if (!xml) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "cannot format pool '%s'", def->name);
        return -1;
    }
    return vstor_file_write_atomic(path, xml, -1, 0600, err);
}

int
driver_save_state(VstorDriver *drv, const VstorPoolObj *obj, GError **err)
{
    g_autofree char *path = driver_state_path(drv, obj->def->name);
    g_autofree char *xml = vstor_pool_def_format(obj->def);

    if (!xml) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "cannot format pool '%s'", obj->def->name);
        return -1;
    }
    return vstor_file_write_atomic(path, xml, -1, 0600, err);
}

void
driver_remove_state(VstorDriver *drv, const char *name)
{
    g_autofree char *path = driver_state_path(drv, name);

    if (unlink(path) == 0)
        vstor_dir_fsync(drv->state_dir, NULL);
}

int
driver_set_autostart_link(VstorDriver *drv, const char *name, gboolean on, GError **err)
{
    g_autofree char *link = driver_autostart_path(drv, name);
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *target = g_build_filename("..", file, NULL);

    if (on) {
        if (symlink(target, link) < 0 && errno != EEXIST) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "Failed to create symlink '%s' to '%s'", link, target);
            return -1;
        }
    } else if (unlink(link) < 0 && errno != ENOENT && errno != ENOTDIR) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "Failed to delete symlink '%s'",
                              link);
        return -1;
    }
    return vstor_dir_fsync(drv->autostart_dir, err);
}

/* --- loading --- */

static VstorPoolDef *
load_def(const char *path, GError **err)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, err))
        return NULL;
    return vstor_pool_def_parse(text, 0, err);
}

static void
load_configs(VstorDriver *drv)
{
    g_autoptr(GDir) d = g_dir_open(drv->config_dir, 0, NULL);
    const char *ent;

    if (!d)
        return;
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        g_autofree char *expect = NULL;
        g_autofree char *link = NULL;
        g_autoptr(GError) err = NULL;
        g_autoptr(VstorPoolDef) def = NULL;
        VstorPoolObj *obj;

        if (!g_str_has_suffix(ent, ".xml") || ent[0] == '.')
            continue;
        path = g_build_filename(drv->config_dir, ent, NULL);
        if (!(def = load_def(path, &err))) {
            g_debug("skipping pool definition %s: %s", path, err->message);
            continue;
        }
        expect = g_strdup_printf("%s.xml", def->name);
        if (strcmp(expect, ent) != 0) {
            g_debug("skipping %s: it defines pool '%s'", path, def->name);
            continue;
        }
        if (driver_find_pool_by_uuid(drv, def->uuid) || driver_find_pool_by_name(drv, def->name)) {
            g_debug("skipping %s: pool name or uuid already loaded", path);
            continue;
        }
        obj = vstor_pool_obj_new(g_steal_pointer(&def));
        obj->persistent = TRUE;
        link = driver_autostart_path(drv, obj->def->name);
        obj->autostart = g_file_test(link, G_FILE_TEST_EXISTS);
        driver_add_pool(drv, obj);
    }
}

/* Re-attaches a pool whose state file says it was active: it is active again when the
 * backend finds its storage still running (nothing is stopped or started). */
static void
reattach(VstorDriver *drv, VstorPoolObj *obj)
{
    const VstorBackend *be = vstor_backend_for_type(obj->def->type);
    g_autoptr(GError) err = NULL;
    gboolean running = FALSE;

    if (be && be->check && be->check(&drv->env, obj->def, &running, &err) < 0)
        g_debug("pool '%s': check failed: %s", obj->def->name, err->message);
    else if (be && !be->check)
        running = TRUE;
    g_clear_error(&err);
    obj->active = TRUE;
    /* Nothing runs yet: what a killed build left behind can go. */
    if (running && be && be->remove_stale)
        be->remove_stale(&drv->env, obj->def);
    if (running && driver_pool_do_refresh(drv, obj, &err) == 0)
        return;
    g_debug("pool '%s' was active but is not any more%s%s", obj->def->name, err ? ": " : "",
            err ? err->message : "");
    driver_pool_mark_inactive(drv, obj);
}

/* TRUE when @live is @config plus only what starting and refreshing a pool fill in (sizes and
 * the target's actual permissions). */
static gboolean
same_definition(const VstorPoolDef *config, const VstorPoolDef *live)
{
    g_autofree char *want = vstor_pool_def_format(config);
    g_autofree char *text = vstor_pool_def_format(live);
    g_autoptr(VstorPoolDef) copy = text ? vstor_pool_def_parse(text, 0, NULL) : NULL;
    g_autofree char *got = NULL;

    if (!want || !copy)
        return FALSE;
    copy->capacity = copy->allocation = copy->available = 0;
    vstor_perms_copy(&copy->target_perms, &config->target_perms);
    got = vstor_pool_def_format(copy);
    return g_strcmp0(want, got) == 0;
}

static void
load_states(VstorDriver *drv)
{
    g_autoptr(GDir) d = g_dir_open(drv->state_dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *ent;

    if (!d)
        return;
    while ((ent = g_dir_read_name(d)))
        if (g_str_has_suffix(ent, ".xml") && ent[0] != '.')
            g_ptr_array_add(names, g_strdup(ent));

    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(drv->state_dir, names->pdata[i], NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(VstorPoolDef) live = load_def(path, &err);
        VstorPoolObj *obj;

        if (!live) {
            g_debug("dropping unreadable pool state %s: %s", path, err->message);
            unlink(path);
            continue;
        }
        obj = driver_find_pool_by_name(drv, live->name);
        if (obj) {
            if (memcmp(obj->def->uuid, live->uuid, VSTOR_UUID_LEN) != 0) {
                g_debug("dropping pool state %s: uuid differs from the definition", path);
                unlink(path);
                continue;
            }
            /* The state file is the live definition. The config is kept as the next one only
             * when it says something else, so a running pool's --inactive XML is the same
             * before and after a restart, as in a libvirtd that never restarted. */
            if (same_definition(obj->def, live))
                vstor_pool_def_free(obj->def);
            else
                obj->new_def = obj->def;
            obj->def = g_steal_pointer(&live);
        } else {
            if (driver_find_pool_by_uuid(drv, live->uuid)) {
                unlink(path);
                continue;
            }
            obj = vstor_pool_obj_new(g_steal_pointer(&live));
            obj->persistent = FALSE;
            driver_add_pool(drv, obj);
        }
        reattach(drv, obj);
    }
}

VstorDriver *
vstor_driver_open(const char *root, unsigned int flags, GError **err)
{
    g_autoptr(VstorDriver) drv = g_new0(VstorDriver, 1);
    g_autofree char *etc = NULL;
    g_autofree char *run = NULL;
    g_autofree char *lockpath = NULL;
    g_autofree char *secrets_dir = NULL;

    drv->lock_fd = -1;
    drv->watch_fd = drv->watch_stop_fd = drv->watch_wake_fd = -1;
    g_mutex_init(&drv->lock);
    g_cond_init(&drv->cond);
    g_cond_init(&drv->retry_cond);
    drv->pools = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_pool_obj_free);
    driver_events_init(drv);
    if (flags != 0) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, __func__);
        return NULL;
    }
    if (root) {
        g_autofree char *abs = g_canonicalize_filename(root, NULL);

        drv->root = g_steal_pointer(&abs);
        etc = g_build_filename(drv->root, "etc", NULL);
        run = g_build_filename(drv->root, "run", NULL);
    } else {
        etc = g_strdup("/etc/vstor");
        run = g_strdup("/run/vstor");
    }
    drv->config_dir = g_build_filename(etc, "storage", NULL);
    drv->autostart_dir = g_build_filename(drv->config_dir, "autostart", NULL);
    drv->state_dir = g_build_filename(run, "storage", NULL);
    if (vstor_dir_ensure(drv->autostart_dir, 0755, err) < 0 ||
        vstor_dir_ensure(drv->state_dir, 0755, err) < 0)
        return NULL;
    lockpath = g_build_filename(run, "vstor.lock", NULL);
    secrets_dir = g_build_filename(etc, "secrets", NULL);
    if (vstor_file_lock(lockpath, &drv->lock_fd, err) < 0)
        return NULL;

    if (!(drv->secrets = vstor_secret_store_open(secrets_dir, err)))
        return NULL;
    drv->env.secrets.value = vstor_secret_volume_value;
    drv->env.secrets.find_for_path = vstor_secret_volume_find;
    drv->env.secrets.data = drv->secrets;
    drv->env.temp_dir = drv->state_dir;
    driver_watch_init(drv);
    /* A writer killed between temp file and rename leaves its temp file: drop it. */
    vstor_dir_remove_temp_files(drv->config_dir);
    vstor_dir_remove_temp_files(drv->state_dir);

    g_mutex_lock(&drv->lock);
    load_configs(drv);
    load_states(drv);
    driver_autostart_all(drv);
    g_mutex_unlock(&drv->lock);
    return g_steal_pointer(&drv);
}

void
vstor_driver_close(VstorDriver *drv)
{
    if (!drv)
        return;
    driver_autostart_stop(drv);
    driver_watch_shutdown(drv);
    if (drv->pools)
        g_ptr_array_unref(drv->pools);
    driver_events_clear(drv);
    vstor_secret_store_free(drv->secrets);
    if (drv->lock_fd >= 0)
        close(drv->lock_fd);
    g_free(drv->root);
    g_free(drv->config_dir);
    g_free(drv->autostart_dir);
    g_free(drv->state_dir);
    g_mutex_clear(&drv->lock);
    g_cond_clear(&drv->cond);
    g_cond_clear(&drv->retry_cond);
    g_free(drv);
}

VstorSecretStore *
vstor_driver_secrets(VstorDriver *drv)
{
    return drv->secrets;
}

void
vstor_driver_set_runner(VstorDriver *drv, VstorCommandRunner *runner)
{
    g_mutex_lock(&drv->lock);
    drv->env.runner = runner;
    g_mutex_unlock(&drv->lock);
}

void
vstor_driver_set_mount_reader(VstorDriver *drv, VstorMountTableReader reader, gpointer data)
{
    g_mutex_lock(&drv->lock);
    drv->env.read_mounts = reader;
    drv->env.read_mounts_data = data;
    g_mutex_unlock(&drv->lock);
}
