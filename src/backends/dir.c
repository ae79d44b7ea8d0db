/* dir.c: the dir backend — a pool that is a directory on the host; build makes it, delete
 * removes it, and its volumes are the files in it (file_vol.c, file_pool.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/file_vol.h"
#include "util/error.h"

#define DEFAULT_POOL_MODE 0711

static int
dir_check(VstorBackendEnv *env, VstorPoolDef *def, gboolean *ret_active, GError **err)
{
    *ret_active = g_file_test(def->target_path, G_FILE_TEST_IS_DIR);
    return 0;
}

int
vstor_dir_build_local(VstorPoolDef *def, GError **err)
{
    g_autofree char *parent = g_path_get_dirname(def->target_path);
    gboolean existed = g_file_test(def->target_path, G_FILE_TEST_IS_DIR);
    mode_t mode = def->target_perms.mode;
    int fd;

    if (!g_path_is_absolute(def->target_path)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "path '%s' is not absolute", def->target_path);
        return -1;
    }
    if (g_mkdir_with_parents(parent, 0777) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create path '%s'",
                              parent);
        return -1;
    }
    if (mode == VSTOR_PERMS_UNSET_MODE && !existed)
        mode = DEFAULT_POOL_MODE;
    if (!existed && mkdir(def->target_path, mode) < 0 && errno != EEXIST) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create path '%s'",
                              def->target_path);
        return -1;
    }
    fd = open(def->target_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open directory '%s'",
                              def->target_path);
        return -1;
    }
    if ((mode != VSTOR_PERMS_UNSET_MODE && fchmod(fd, mode) < 0) ||
        ((def->target_perms.uid != (uid_t)-1 || def->target_perms.gid != (gid_t)-1) &&
         fchown(fd, def->target_perms.uid, def->target_perms.gid) < 0)) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "cannot set mode or owner of '%s'", def->target_path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int
dir_build(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, VstorJob *job, GError **err)
{
    if ((flags & VSTOR_POOL_BUILD_OVERWRITE) && (flags & VSTOR_POOL_BUILD_NO_OVERWRITE)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and "
                        "'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
        return -1;
    }
    return vstor_dir_build_local(def, err);
}

static int
dir_delete(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, GError **err)
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

const VstorBackend vstor_backend_dir = {
    .type = VSTOR_POOL_DIR,
    .check = dir_check,
    .build = dir_build,
    .refresh = vstor_file_pool_refresh,
    .refresh_sizes = vstor_file_pool_refresh_sizes,
    .delete_pool = dir_delete,
    .create_vol = vstor_file_vol_create,
    .build_vol = vstor_file_vol_build,
    .build_vol_from = vstor_file_vol_build_from,
    .refresh_vol = vstor_file_vol_refresh,
    .commit_vol = vstor_file_vol_commit,
    .begin_temp = vstor_file_vol_begin_temp,
    .remove_stale = vstor_file_pool_remove_stale,
    .watch = VSTOR_WATCH_LOCAL,
    .delete_vol = vstor_file_vol_delete,
    .resize_vol = vstor_file_vol_resize,
    .wipe_vol = vstor_file_vol_wipe,
    .open_vol = vstor_file_vol_open,
};
