/* file_qemu.c: file volumes that need qemu-img — creating qcow2/qed/vmdk/… images,
 * converting between formats, and resizing non-raw images. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/file_vol.h"
#include "util/command.h"
#include "util/error.h"
#include "volfmt/qemu_img.h"

static int
run_argv(VstorBackendEnv *env, const char *const *argv, VstorJob *job, GError **err)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new_argv(argv);

    vstor_command_set_cancellable(cmd, vstor_job_cancellable(job));
    return vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err);
}

/* qemu-img creates files with its own mode: give the volume the mode and owner it asked
 * for (0600 by default, as libvirt). */
static int
apply_perms(const VstorPoolDef *pool, const VstorVolDef *vol, GError **err)
{
    mode_t mode = vol->target.perms.mode != VSTOR_PERMS_UNSET_MODE ? vol->target.perms.mode : 0600;
    int dirfd = vstor_file_pool_open_dir(pool, err);
    int fd, ret = 0;

    if (dirfd < 0)
        return -1;
    fd = openat(dirfd, vol->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dirfd);
    if (fd < 0 || fchmod(fd, mode) < 0 ||
        ((vol->target.perms.uid != (uid_t)-1 || vol->target.perms.gid != (gid_t)-1) &&
         fchown(fd, vol->target.perms.uid, vol->target.perms.gid) < 0)) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "cannot set mode or owner of '%s'", vol->target.path);
        ret = -1;
    }
    if (fd >= 0)
        close(fd);
    return ret;
}

int
vstor_file_vol_build_qemu_img(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                              const VstorVolDef *input, unsigned int flags, VstorJob *job,
                              GError **err)
{
    VstorQemuImgRequest req = {.vol = vol, .input = input, .flags = flags};
    g_autoptr(GPtrArray) cmds = NULL;

    if (vol->target.encryption || (input && input->target.encryption)) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "encrypted volumes need their passphrase from a secret, and vstor does "
                        "not manage secrets yet; create '%s' without <encryption>",
                        vol->name);
        return -1;
    }
    if (vol->backing_store && vstor_qemu_img_check_backing(vol, pool->target_path, err) < 0)
        return -1;
    if (!(cmds = vstor_qemu_img_commands(&req, err)))
        return -1;
    vstor_job_set_total(job, input ? input->capacity : 0);
    for (guint i = 0; i < cmds->len; i++)
        if (run_argv(env, (const char *const *)cmds->pdata[i], job, err) < 0)
            return -1;
    if (input)
        vstor_job_add_done(job, input->capacity);
    return apply_perms(pool, vol, err);
}

int
vstor_file_vol_resize_qemu_img(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                               unsigned long long capacity, unsigned int flags, VstorJob *job,
                               GError **err)
{
    g_auto(GStrv) argv = NULL;

    if (vol->target.encryption) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "resizing encrypted volumes needs their passphrase from a secret, and "
                        "vstor does not manage secrets yet");
        return -1;
    }
    if (flags & VSTOR_VOL_RESIZE_ALLOCATE) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_UNSUPPORTED,
                        "preallocate is only supported for raw type volume");
        return -1;
    }
    if (!(argv = vstor_qemu_img_resize_argv(NULL, vol, capacity, NULL, err)))
        return -1;
    return run_argv(env, (const char *const *)argv, job, err);
}
