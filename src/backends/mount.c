/* mount.c: mounting and unmounting fs and netfs pools, and the guard that what is mounted on a
 * pool's target is its source — run before every write so nothing lands in the bare directory. */
#include "backends/mount.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/file_vol.h"
#include "backends/fs_cmd.h"
#include "util/error.h"

#define PROC_MOUNTS "/proc/self/mounts"

GPtrArray *
vstor_mount_table_read(VstorBackendEnv *env, GError **err)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) read_err = NULL;

    if (env && env->read_mounts) {
        if (!(text = env->read_mounts(env->read_mounts_data, err)))
            return NULL;
    } else if (!g_file_get_contents(PROC_MOUNTS, &text, NULL, &read_err)) {
        vstor_error_set(err, VSTOR_ERR_SYSTEM_ERROR, "cannot read mount list '%s': %s", PROC_MOUNTS,
                        read_err->message);
        return NULL;
    }
    return vstor_mounts_parse(text);
}

/* @path with symlinks resolved, or as given when it cannot be (a netfs source "host:/dir", a
 * device or directory that is gone): the kernel lists mounts by their resolved paths. */
static char *
resolve(const char *path)
{
    char *real = path[0] == '/' ? realpath(path, NULL) : NULL;

    return real ? real : g_strdup(path);
}

/* What is visible on a pool's target: the last mount made there hides the ones before it. */
typedef struct {
    char *source; /* the pool's source, resolved */
    char *target; /* the pool's target, resolved */
    char *top_source; /* what is mounted on top of the target, or NULL for nothing */
    char *top_type;
    gboolean mounted; /* top_source is the pool's source */
} MountView;

static void
mount_view_clear(MountView *v)
{
    g_free(v->source);
    g_free(v->target);
    g_free(v->top_source);
    g_free(v->top_type);
    memset(v, 0, sizeof(*v));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MountView, mount_view_clear)

static int
mount_view(VstorBackendEnv *env, const VstorPoolDef *def, MountView *ret_view, GError **err)
{
    g_autoptr(GPtrArray) table = NULL;
    g_autofree char *source = vstor_fs_pool_mount_source(def, err);
    const VstorMountEntry *top = NULL;

    if (!source)
        return -1;
    if (!def->target_path) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "missing target path of pool '%s'",
                        def->name);
        return -1;
    }
    if (!(table = vstor_mount_table_read(env, err)))
        return -1;
    ret_view->source = resolve(source);
    ret_view->target = resolve(def->target_path);
    for (guint i = 0; i < table->len; i++) {
        const VstorMountEntry *entry = g_ptr_array_index(table, i);

        if (g_str_equal(entry->target, ret_view->target))
            top = entry;
    }
    if (top) {
        g_autofree char *top_real = resolve(top->source);

        ret_view->top_source = g_strdup(top->source);
        ret_view->top_type = g_strdup(top->type);
        ret_view->mounted =
            g_str_equal(top->source, ret_view->source) || g_str_equal(top_real, ret_view->source);
    }
    return 0;
}

int
vstor_mount_pool_is_mounted(VstorBackendEnv *env, const VstorPoolDef *def, gboolean *ret_mounted,
                            GError **err)
{
    g_auto(MountView) view = {0};

    if (mount_view(env, def, &view, err) < 0)
        return -1;
    *ret_mounted = view.mounted;
    return 0;
}

int
vstor_mount_pool_check_access(VstorBackendEnv *env, VstorPoolDef *def, GError **err)
{
    g_auto(MountView) view = {0};

    if (mount_view(env, def, &view, err) < 0)
        return -1;
    if (view.mounted)
        return 0;
    if (!view.top_source)
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "storage pool '%s' is inaccessible: nothing is mounted on '%s' any more "
                        "(its source is '%s'), and vstor does not write into the directory "
                        "underneath; run pool-destroy and pool-start to mount it again",
                        def->name, def->target_path, view.source);
    else
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "storage pool '%s' is inaccessible: '%s' (%s) is mounted on '%s' instead "
                        "of its source '%s', and vstor does not write into it; unmount it, then "
                        "run pool-destroy and pool-start",
                        def->name, view.top_source, view.top_type, def->target_path, view.source);
    return -1;
}

int
vstor_mount_pool_check(VstorBackendEnv *env, VstorPoolDef *def, gboolean *ret_active, GError **err)
{
    return vstor_mount_pool_is_mounted(env, def, ret_active, err);
}

int
vstor_mount_pool_start(VstorBackendEnv *env, VstorPoolDef *def, GError **err)
{
    g_autoptr(VstorCommand) cmd = NULL;
    gboolean mounted;

    if (vstor_mount_pool_is_mounted(env, def, &mounted, err) < 0)
        return -1;
    if (mounted) {
        g_debug("target '%s' of pool '%s' is already mounted", def->target_path, def->name);
        return 0;
    }
    /* The command is built first so that a bad definition leaves no directory behind. */
    if (!(cmd = vstor_fs_mount_cmd(def, err)) || vstor_dir_build_local(def, err) < 0)
        return -1;
    return vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err);
}

int
vstor_mount_pool_stop(VstorBackendEnv *env, VstorPoolDef *def, GError **err)
{
    g_autoptr(VstorCommand) cmd = NULL;
    g_auto(MountView) view = {0};

    if (mount_view(env, def, &view, err) < 0)
        return -1;
    /* Unmounting whatever else sits on the target would take away someone else's mount. */
    if (!view.mounted) {
        g_debug("pool '%s': %s%s on '%s', nothing to unmount", def->name,
                view.top_source ? view.top_source : "nothing",
                view.top_source ? " (not the pool's source) is mounted" : " is mounted",
                def->target_path);
        return 0;
    }
    if (!(cmd = vstor_fs_umount_cmd(def, err)))
        return -1;
    return vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err);
}

int
vstor_mount_pool_delete(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, GError **err)
{
    if (flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, __func__);
        return -1;
    }
    if (rmdir(def->target_path) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "failed to remove pool '%s'",
                              def->target_path);
        return -1;
    }
    return 0;
}

int
vstor_mount_pool_build_local(VstorPoolDef *def, unsigned int flags, GError **err)
{
    unsigned int unknown = flags & ~(VSTOR_POOL_BUILD_OVERWRITE | VSTOR_POOL_BUILD_NO_OVERWRITE);

    if (unknown) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        unknown, __func__);
        return -1;
    }
    if ((flags & VSTOR_POOL_BUILD_OVERWRITE) && (flags & VSTOR_POOL_BUILD_NO_OVERWRITE)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and "
                        "'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
        return -1;
    }
    return vstor_dir_build_local(def, err);
}

/* ---- file volumes behind the guard ---- */

int
vstor_mounted_pool_refresh(VstorBackendEnv *env, VstorPoolDef *pool, GPtrArray **ret_vols,
                           GError **err)
{
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_pool_refresh(env, pool, ret_vols, err);
}

int
vstor_mounted_pool_refresh_sizes(VstorBackendEnv *env, VstorPoolDef *pool, GError **err)
{
    /* The figures of the filesystem underneath would be those of some other disk. */
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_pool_refresh_sizes(env, pool, err);
}

int
vstor_mounted_vol_create(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol, GError **err)
{
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_vol_create(env, pool, vol, err);
}

int
vstor_mounted_vol_build(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                        unsigned int flags, VstorJob *job, GError **err)
{
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_vol_build(env, pool, vol, flags, job, err);
}

int
vstor_mounted_vol_build_from(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                             const VstorVolDef *input, unsigned int flags, VstorJob *job,
                             GError **err)
{
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_vol_build_from(env, pool, vol, input, flags, job, err);
}

int
vstor_mounted_vol_refresh(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol, GError **err)
{
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_vol_refresh(env, pool, vol, err);
}

int
vstor_mounted_vol_delete(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                         unsigned int flags, GError **err)
{
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_vol_delete(env, pool, vol, flags, err);
}

int
vstor_mounted_vol_resize(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                         unsigned long long capacity, unsigned int flags, VstorJob *job,
                         GError **err)
{
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_vol_resize(env, pool, vol, capacity, flags, job, err);
}

int
vstor_mounted_vol_wipe(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                       VstorWipeAlgorithm algorithm, unsigned int flags, VstorJob *job,
                       GError **err)
{
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_vol_wipe(env, pool, vol, algorithm, flags, job, err);
}

int
vstor_mounted_vol_open(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                       gboolean for_write, int *ret_fd, GError **err)
{
    /* Reads too: a download from the bare directory would hand out some other data. */
    if (vstor_mount_pool_check_access(env, pool, err) < 0)
        return -1;
    return vstor_file_vol_open(env, pool, vol, for_write, ret_fd, err);
}
