/* fs.c: the fs backend — a pre-formatted block device mounted on the pool's target; build makes
 * the mount point and, when asked, the filesystem (never over existing data unless told to). */
#include <string.h>

#include "backends/blk_sources.h"
#include "backends/file_vol.h"
#include "backends/fs_cmd.h"
#include "backends/mount.h"
#include "util/error.h"

static const char *
fs_format_name(const VstorPoolDef *def)
{
    const char *name =
        vstor_enum_to_string(vstor_pool_caps(VSTOR_POOL_FS)->source_formats, def->source.format);

    return name ? name : "auto";
}

/* Makes the filesystem after libvirt's rules: OVERWRITE formats whatever is there,
 * NO_OVERWRITE only a device on which blkid finds nothing, and says what it found otherwise. */
static int
make_filesystem(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, GError **err)
{
    g_autoptr(VstorCommand) mkfs = NULL;
    g_autoptr(VstorDeviceContent) found = NULL;
    const char *device;

    if (!(mkfs = vstor_fs_mkfs_cmd(def, err)))
        return -1;
    device = def->source.devices[0].path;
    if (!g_file_test(device, G_FILE_TEST_EXISTS)) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "Source device does not exist when formatting pool '%s': no '%s'",
                        def->name, device);
        return -1;
    }
    if (flags & VSTOR_POOL_BUILD_NO_OVERWRITE) {
        VstorProbeVerdict verdict;

        if (!(found = vstor_device_probe(device, err)))
            return -1;
        verdict = vstor_device_content_check(found, device, fs_format_name(def), TRUE, err);
        if (verdict == VSTOR_PROBE_UNDECIDED)
            vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                            "Unable to probe '%s' for existing data, forced overwrite is necessary",
                            device);
        if (verdict != VSTOR_PROBE_OK)
            return -1;
    }
    return vstor_runner_run(env->runner, mkfs, NULL, NULL, NULL, err);
}

static int
fs_build(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, VstorJob *job, GError **err)
{
    if (vstor_mount_pool_build_local(def, flags, err) < 0)
        return -1;
    /* Without either flag libvirt only makes the mount point: a device on which blkid sees
     * nothing may still hold data (an encrypted or raw image), so it is never formatted
     * unasked. */
    if (!(flags & (VSTOR_POOL_BUILD_OVERWRITE | VSTOR_POOL_BUILD_NO_OVERWRITE)))
        return 0;
    return make_filesystem(env, def, flags, err);
}

/* mount's own "wrong fs type, bad option, bad superblock" seldom tells a person what to do;
 * what blkid finds on the device does, so it is added to the error. */
static void
explain_mount_failure(const VstorPoolDef *def, GError *mount_err)
{
    g_autoptr(VstorDeviceContent) found = NULL;
    g_autoptr(GError) why = NULL;
    const char *device, *format = fs_format_name(def);
    char *message;

    if (def->source.n_devices != 1)
        return;
    device = def->source.devices[0].path;
    if (!(found = vstor_device_probe(device, NULL)) || g_strv_length(found->fs_types) > 1)
        return;
    if (g_str_equal(format, "auto")) {
        if (found->fs_types[0])
            return;
        vstor_error_set(&why, VSTOR_ERR_STORAGE_PROBE_FAILED,
                        "device '%s' carries no filesystem blkid recognizes: give the pool a "
                        "format and build it with --overwrite or --no-overwrite",
                        device);
    } else if (vstor_device_content_check(found, device, format, FALSE, &why) == VSTOR_PROBE_OK) {
        return;
    }
    if (!why)
        return;
    message = g_strdup_printf("%s; %s", mount_err->message, why->message);
    g_free(mount_err->message);
    mount_err->message = message;
}

static int
fs_start(VstorBackendEnv *env, VstorPoolDef *def, GError **err)
{
    g_autoptr(GError) mount_err = NULL;

    if (vstor_mount_pool_start(env, def, &mount_err) == 0)
        return 0;
    explain_mount_failure(def, mount_err);
    g_propagate_error(err, g_steal_pointer(&mount_err));
    return -1;
}

/* ---- find-storage-pool-sources ---- */

/* The fs pool format of blkid's TYPE @fstype, or NULL when an fs pool cannot mount it. */
static const char *
pool_format_of(const char *fstype)
{
    const char *const *formats = vstor_pool_caps(VSTOR_POOL_FS)->source_formats;

    if (g_str_equal(fstype, "hfsplus"))
        return "hfs+";
    if (g_str_equal(fstype, "VMFS"))
        return "vmfs";
    if (g_str_equal(fstype, "auto") || vstor_enum_from_string(formats, fstype) < 0)
        return NULL;
    return fstype;
}

/* A device is an fs pool source when it carries exactly one filesystem the pool can mount. */
static gboolean
fs_source_match(const VstorDeviceContent *found, int *ret_format)
{
    const char *format;

    if (g_strv_length(found->fs_types) != 1 || !(format = pool_format_of(found->fs_types[0])))
        return FALSE;
    *ret_format = vstor_enum_from_string(vstor_pool_caps(VSTOR_POOL_FS)->source_formats, format);
    return TRUE;
}

int
vstor_backend_fs_find_sources(VstorBackendEnv *env, const char *source_xml, unsigned int flags,
                              char **ret_xml, GError **err)
{
    char *xml = vstor_block_find_sources(VSTOR_POOL_FS, source_xml, flags, fs_source_match, err);

    if (!xml)
        return -1;
    *ret_xml = xml;
    return 0;
}

static char *
fs_find_sources(VstorBackendEnv *env, const char *spec, unsigned int flags, GError **err)
{
    char *xml;

    return vstor_backend_fs_find_sources(env, spec, flags, &xml, err) < 0 ? NULL : xml;
}

const VstorBackend vstor_backend_fs = {
    .type = VSTOR_POOL_FS,
    .check = vstor_mount_pool_check,
    .check_access = vstor_mount_pool_check_access,
    .build = fs_build,
    .start = fs_start,
    .refresh = vstor_mounted_pool_refresh,
    .refresh_sizes = vstor_mounted_pool_refresh_sizes,
    .stop = vstor_mount_pool_stop,
    .delete_pool = vstor_mount_pool_delete,
    .find_sources = fs_find_sources,
    .create_vol = vstor_mounted_vol_create,
    .build_vol = vstor_mounted_vol_build,
    .build_vol_from = vstor_mounted_vol_build_from,
    .refresh_vol = vstor_mounted_vol_refresh,
    .commit_vol = vstor_file_vol_commit,
    .begin_temp = vstor_file_vol_begin_temp,
    .remove_stale = vstor_file_pool_remove_stale,
    .watch = VSTOR_WATCH_LOCAL,
    .delete_vol = vstor_mounted_vol_delete,
    .resize_vol = vstor_mounted_vol_resize,
    .wipe_vol = vstor_mounted_vol_wipe,
    .open_vol = vstor_mounted_vol_open,
};
