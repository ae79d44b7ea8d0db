/* file_qemu.c: file volumes that need qemu-img — creating qcow2/qed/vmdk/… images (LUKS
 * encrypted ones with their passphrase from a secret), converting, resizing non-raw images. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/file_vol.h"
#include "util/command.h"
#include "util/error.h"
#include "util/fileio.h"
#include "volfmt/probe.h"
#include "volfmt/qcow2_new.h"
#include "volfmt/qemu_img.h"

/* qemu's LUKS key-slot benchmark fails now and then on a busy machine with this message; the
 * same command run again succeeds. */
#define QEMU_BENCHMARK_FLAKE "Unable to get accurate CPU usage"

/* A conversion asked for its progress ("-p", see vstor_qemu_img_convert_run_argv). */
static gboolean
shows_progress(const char *const *argv)
{
    return argv[0] && argv[1] && strcmp(argv[1], "convert") == 0 && g_strv_contains(argv + 2, "-p");
}

/* Runs @argv; with @fd >= 0 the child gets it as descriptor VSTOR_COMMAND_FD_FIRST (what a
 * pinned argv names). A conversion's progress goes to @job as qemu-img prints it. */
static int
run_argv_fd(VstorBackendEnv *env, const char *const *argv, int fd, VstorJob *job, GError **err)
{
    VstorQemuImgProgress progress = {.job = job};

    for (int attempt = 1;; attempt++) {
        g_autoptr(VstorCommand) cmd = vstor_command_new_argv(argv);
        g_autoptr(GError) local = NULL;

        if (fd >= 0 && vstor_command_pass_fd(cmd, fd, err) < 0)
            return -1;
        vstor_command_set_job(cmd, job);
        if (job && shows_progress(argv))
            vstor_command_set_output_func(cmd, vstor_qemu_img_progress_feed, &progress);
        if (vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, &local) == 0)
            return 0;
        if (attempt >= 3 || !strstr(local->message, QEMU_BENCHMARK_FLAKE)) {
            g_propagate_error(err, g_steal_pointer(&local));
            return -1;
        }
        g_debug("qemu-img's LUKS benchmark failed (attempt %d); running it again", attempt);
    }
}

static int
run_argv(VstorBackendEnv *env, const char *const *argv, VstorJob *job, GError **err)
{
    return run_argv_fd(env, argv, -1, job, err);
}

/* Runs @argv on the file open as @fd rather than on @path (vstor_qemu_img_pin): qemu-img
 * follows links, and a link swapped in for the file vstor checked and opened would otherwise
 * take it out of the pool. A command that cannot be so written runs as it is (the file was
 * still checked just before). */
static int
run_argv_pinned(VstorBackendEnv *env, const char *const *argv, const char *path, int fd,
                const char *driver, const VstorVolTarget *backing, gboolean drop_backing,
                VstorJob *job, GError **err)
{
    g_auto(GStrv) pinned =
        vstor_qemu_img_pin(argv, path, VSTOR_COMMAND_FD_FIRST, driver, backing, drop_backing);

    if (!pinned) {
        g_debug("qemu-img runs on '%s' by its path", path);
        return run_argv(env, argv, job, err);
    }
    return run_argv_fd(env, (const char *const *)pinned, fd, job, err);
}

/* How a conversion runs (vstor_qemu_img_convert_run_argv), looked at once per build: *direct
 * where files in the pool's directory take direct I/O — the copy is then on disk when the call
 * returns, as a clone or an upload is, without passing through (and evicting) the host's page
 * cache, at the disk's own speed; flushed before qemu-img exits elsewhere.
 * *share (copy offloading) where the input @in is a file on the pool's own file system and
 * that file system shares extents (XFS with reflink, btrfs): each run of data goes to
 * copy_file_range, which shares the input's blocks instead of copying them (512 MiB of raw
 * into qcow2 in 0.03 s instead of 0.2–0.5 s). Not elsewhere: where nothing is shared the
 * kernel's copy is several times slower than qemu-img's own. Not for encrypted images either,
 * whose bytes are not the input's. */
static void
convert_modes(const VstorPoolDef *pool, int in, gboolean encrypted, gboolean *direct,
              gboolean *share)
{
    g_auto(VstorFd) dirfd = vstor_file_pool_open_dir(pool, NULL);

    *direct = dirfd >= 0 && vstor_dir_has_direct_io(dirfd);
    *share = dirfd >= 0 && in >= 0 && !encrypted && vstor_dir_shares_extents(dirfd, in);
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

/* Writes the passphrase of @vol's one encryption secret into a new 0600 file in the private
 * temporary directory, for qemu-img's --object secret; returns its path (the caller unlinks
 * it). With @by_path, a volume with no secret named gets the volume secret whose usage is its
 * path (how an existing encrypted volume finds its passphrase after a refresh, as in libvirt). */
static char *
write_secret_file(VstorBackendEnv *env, const VstorPoolDef *pool, const VstorVolDef *vol,
                  gboolean by_path, GError **err)
{
    const VstorEncryption *enc = vol->target.encryption;
    VstorEncryptionSecret default_sec = {.lookup = VSTOR_SECRET_LOOKUP_UUID};
    const VstorEncryptionSecret *sec = &default_sec;
    g_autofree char *path = NULL;
    guint8 *value;
    gsize len = 0, done = 0;
    int fd;

    if (!env->secrets.value || !env->temp_dir) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "this connection has no secret store for the passphrase of '%s'",
                        vol->name);
        return NULL;
    }
    if (enc->secrets->len == 1) {
        sec = g_ptr_array_index(enc->secrets, 0);
    } else if (enc->secrets->len > 1 || !by_path || !env->secrets.find_for_path ||
               !env->secrets.find_for_path(env->secrets.data, vol->target.path, default_sec.uuid)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "A single <secret type='passphrase'...> element is expected in "
                        "encryption description");
        return NULL;
    }
    {
        /* A volume being built is named inside its build's directory: only its own name. */
        g_autofree char *base = g_path_get_basename(vol->name);

        path = g_strdup_printf("%s/%s.%s.secret.XXXXXX", env->temp_dir, pool->name, base);
    }
    if ((fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600)) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "cannot create a passphrase file in '%s'", env->temp_dir);
        return NULL;
    }
    if (!(value = env->secrets.value(env->secrets.data, sec, &len, err)))
        goto fail;
    while (done < len) {
        ssize_t n = write(fd, value + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "cannot write the passphrase file '%s'", path);
            break;
        }
        done += (gsize)n;
    }
    explicit_bzero(value, len);
    g_free(value);
    if (done < len)
        goto fail;
    if (vol->target.perms.uid != (uid_t)-1 && vol->target.perms.gid != (gid_t)-1 &&
        fchown(fd, vol->target.perms.uid, vol->target.perms.gid) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "cannot give the passphrase file '%s' to the volume's owner", path);
        goto fail;
    }
    close(fd);
    return g_steal_pointer(&path);
fail:
    close(fd);
    unlink(path);
    return NULL;
}

/* A passphrase file's path: the file goes when the path does. */
typedef char SecretFile;

static void
drop_secret_file(SecretFile *path)
{
    unlink(path);
    g_free(path);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SecretFile, drop_secret_file)

/* TRUE when the backing file of @img is what its backing_fmt says (qemu-img would refuse it
 * otherwise, so it is left to qemu-img to say so). A raw backing file is anything. */
static gboolean
backing_matches(const VstorPoolDef *pool, const VstorQcow2New *img)
{
    g_auto(VstorImageInfo) info = {0};
    g_autofree char *path = g_path_is_absolute(img->backing_file)
                                ? g_strdup(img->backing_file)
                                : g_build_filename(pool->target_path, img->backing_file, NULL);

    if (strcmp(img->backing_format, "raw") == 0)
        return TRUE;
    if (vstor_volfmt_probe_path(path, &info, NULL) < 0 || info.format < 0 ||
        info.format >= VSTOR_VOL_FORMAT_LAST)
        return FALSE;
    return g_strcmp0(vstor_vol_format_names[info.format], img->backing_format) == 0;
}

/* Creates an empty qcow2 volume without qemu-img when @argv is a command whose result the
 * native writer reproduces byte for byte. Returns 1 when it did, 0 when qemu-img must run, -1
 * on failure (nothing left behind). */
static int
try_native_qcow2(const VstorPoolDef *pool, const VstorVolDef *vol, const char *const *argv,
                 GError **err)
{
    VstorQcow2New img;
    int dirfd, fd, rc;

    if (!vstor_qcow2_new_from_argv(argv, &img) || g_strcmp0(img.path, vol->target.path) != 0 ||
        (img.backing_file && !backing_matches(pool, &img)))
        return 0;
    if ((dirfd = vstor_file_pool_open_dir(pool, err)) < 0)
        return -1;
    /* As qemu-img create does, an existing file of that name is replaced. */
    fd = openat(dirfd, vol->name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create '%s'",
                              vol->target.path);
        close(dirfd);
        return -1;
    }
    rc = vstor_qcow2_new_write(fd, &img, err);
    if (close(fd) < 0 && rc == 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot write '%s'",
                              vol->target.path);
        rc = -1;
    }
    if (rc < 0)
        unlinkat(dirfd, vol->name, 0);
    close(dirfd);
    return rc < 0 ? -1 : 1;
}

int
vstor_file_vol_build_qemu_img(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                              const VstorVolDef *input, unsigned int flags, VstorJob *job,
                              GError **err)
{
    VstorQemuImgRequest req = {.vol = vol, .input = input, .flags = flags};
    g_autoptr(GPtrArray) cmds = NULL;
    g_autoptr(SecretFile) secret = NULL;
    g_autoptr(SecretFile) input_secret = NULL;
    g_auto(VstorFd) in = -1;
    gboolean direct = FALSE, share = FALSE;

    if (vol->target.encryption && !(secret = write_secret_file(env, pool, vol, FALSE, err)))
        return -1;
    if (input && input->target.encryption &&
        !(input_secret = write_secret_file(env, pool, input, TRUE, err)))
        return -1;
    req.secret_path = secret;
    req.input_secret_path = input_secret;
    if (vol->backing_store && vstor_qemu_img_check_backing(vol, pool->target_path, err) < 0)
        return -1;
    /* qemu-img follows links: it reads the input vstor opened here, not a path that may lead
     * elsewhere by the time it runs. */
    if (input && input->type == VSTOR_VOL_FILE &&
        (in = vstor_file_vol_openat(AT_FDCWD, input->target.path, input->target.path, O_RDONLY,
                                    err)) < 0)
        return -1;
    if (!(cmds = vstor_qemu_img_commands(&req, err)))
        return -1;
    if (!input && cmds->len == 1) {
        int native = try_native_qcow2(pool, vol, (const char *const *)cmds->pdata[0], err);

        if (native < 0)
            return -1;
        if (native > 0)
            return apply_perms(pool, vol, err);
    }
    if (input)
        convert_modes(pool, in, vol->target.encryption || input->target.encryption, &direct,
                      &share);
    vstor_job_set_total(job, input ? input->capacity : 0);
    for (guint i = 0; i < cmds->len; i++) {
        g_auto(GStrv) conv =
            input ? vstor_qemu_img_convert_run_argv(cmds->pdata[i], direct, share) : NULL;
        const char *const *argv = conv ? (const char *const *)conv : cmds->pdata[i];

        if (in >= 0 ? run_argv_pinned(env, argv, input->target.path, in, NULL, input->backing_store,
                                      FALSE, job, err) < 0
                    : run_argv(env, argv, job, err) < 0)
            return -1;
    }
    if (input)
        vstor_job_fill(job); /* what -p left unsaid */
    return apply_perms(pool, vol, err);
}

int
vstor_file_vol_resize_qemu_img(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                               unsigned long long capacity, unsigned int flags, VstorJob *job,
                               GError **err)
{
    g_auto(GStrv) argv = NULL;
    g_autoptr(SecretFile) secret = NULL;
    g_auto(VstorFd) fd = -1;
    int dirfd;

    if (flags & VSTOR_VOL_RESIZE_ALLOCATE) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_UNSUPPORTED,
                        "preallocate is only supported for raw type volume");
        return -1;
    }
    /* qemu-img follows links: it resizes the pool's own file, opened here, whatever the name
     * leads to by the time it runs. */
    if ((dirfd = vstor_file_pool_open_dir(pool, err)) < 0)
        return -1;
    fd = vstor_file_vol_openat(dirfd, vol->name, vol->target.path, O_RDWR, err);
    close(dirfd);
    if (fd < 0)
        return -1;
    if (vol->target.encryption && !(secret = write_secret_file(env, pool, vol, TRUE, err)))
        return -1;
    if (!(argv = vstor_qemu_img_resize_argv(NULL, vol, capacity, secret, err)))
        return -1;
    /* libvirt's resize lets qemu-img probe the format; with a json: name it is given. */
    return run_argv_pinned(env, (const char *const *)argv, vol->target.path, fd,
                           vstor_enum_to_string(vstor_vol_format_names, vol->target.format),
                           vol->backing_store, TRUE, job, err);
}
