/* cmd-vol-life.c: changing volumes — vol-delete, vol-wipe, vol-resize, and vol-upload /
 * vol-download between a volume and a local file — with virsh's options and messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "conf/define_args.h"
#include "util/error.h"

#define VOL_OPT                                                                                    \
    {                                                                                              \
        "vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path"                             \
    }
#define POOL_OPT                                                                                   \
    {                                                                                              \
        "pool", CLI_OPT_STRING, 0, "pool name or uuid"                                             \
    }

static const CliOptDef vol_delete_opts[] = {
    VOL_OPT,
    POOL_OPT,
    {"delete-snapshots", CLI_OPT_BOOL, 0,
     "delete snapshots associated with volume (must be supported by storage driver)"},
    {NULL},
};

static const CliOptDef vol_wipe_opts[] = {
    VOL_OPT,
    POOL_OPT,
    {"algorithm", CLI_OPT_STRING, 0, "perform selected wiping algorithm"},
    {NULL},
};

static const CliOptDef vol_resize_opts[] = {
    VOL_OPT,
    {"capacity", CLI_OPT_DATA, CLI_OPT_REQUIRED,
     "new capacity for the vol, as scaled integer (default bytes; 10G, 512MiB, 1.5T)"},
    POOL_OPT,
    {"allocate", CLI_OPT_BOOL, 0, "allocate the new capacity, rather than leaving it sparse"},
    {"delta", CLI_OPT_BOOL, 0, "use capacity as a delta to current size, rather than the new size"},
    {"shrink", CLI_OPT_BOOL, 0, "allow the resize to shrink the volume"},
    {NULL},
};

static const CliOptDef vol_upload_opts[] = {
    VOL_OPT,
    {"file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file"},
    POOL_OPT,
    {"offset", CLI_OPT_INT, 0, "volume offset to upload to (bytes, or a size: 1M, 1.5G)"},
    {"length", CLI_OPT_INT, 0, "amount of data to upload (bytes, or a size: 1M, 1.5G)"},
    {"sparse", CLI_OPT_BOOL, 0, "preserve sparseness of volume"},
    {NULL},
};

static const CliOptDef vol_download_opts[] = {
    VOL_OPT,
    {"file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file"},
    POOL_OPT,
    {"offset", CLI_OPT_INT, 0, "volume offset to download from (bytes, or a size: 1M, 1.5G)"},
    {"length", CLI_OPT_INT, 0, "amount of data to download (bytes, or a size: 1M, 1.5G)"},
    {"sparse", CLI_OPT_BOOL, 0, "preserve sparseness of volume"},
    {NULL},
};

/* virsh's names of the wipe algorithms, in VstorStorageVolWipeAlgorithm order. */
static const char *const wipe_algorithms[] = {
    "zero",     "nnsa",      "dod",        "bsi",    "gutmann",
    "schneier", "pfitzner7", "pfitzner33", "random", "trim",
};

static gboolean
cmd_vol_delete(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    unsigned int flags = 0;
    const char *name;

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)))
        return FALSE;
    if (cli_opt_given(cmd, "delete-snapshots"))
        flags |= VSTOR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS;
    if (vstor_storage_vol_delete(vol, flags, &lib) < 0) {
        cli_set_lib_error(err, lib, "Failed to delete vol %s", name);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Vol %s deleted\n", name);
    return TRUE;
}

/* What the worker threads of wipe, upload and download need. */
typedef struct {
    VstorStorageVol *vol;
    unsigned int algorithm;
    int fd;
    guint64 offset, length;
    unsigned int flags;
} VolJob;

static int
wipe_job(gpointer data, GError **error)
{
    VolJob *job = data;
    g_autoptr(GError) lib = NULL;
    int rc = vstor_storage_vol_wipe_pattern(job->vol, job->algorithm, 0, &lib);

    if (rc < 0 && lib->code == VSTOR_ERR_NO_SUPPORT &&
        job->algorithm == VSTOR_STORAGE_VOL_WIPE_ALG_ZERO) {
        g_clear_error(&lib);
        rc = vstor_storage_vol_wipe(job->vol, 0, &lib);
    }
    if (rc < 0)
        g_propagate_error(error, g_steal_pointer(&lib));
    return rc;
}

static int
upload_job(gpointer data, GError **error)
{
    VolJob *job = data;

    return vstor_storage_vol_upload_from_fd(job->vol, job->fd, job->offset, job->length, job->flags,
                                            error);
}

static int
download_job(gpointer data, GError **error)
{
    VolJob *job = data;

    return vstor_storage_vol_download_to_fd(job->vol, job->fd, job->offset, job->length, job->flags,
                                            error);
}

static gboolean
cmd_vol_wipe(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    unsigned int algorithm = VSTOR_STORAGE_VOL_WIPE_ALG_ZERO;
    VolJob job = {0};
    const char *name, *alg;
    int rc;

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)) ||
        cli_opt_string(cmd, "algorithm", &alg, err) < 0)
        return FALSE;
    if (alg) {
        while (algorithm < G_N_ELEMENTS(wipe_algorithms) &&
               !g_str_equal(wipe_algorithms[algorithm], alg))
            algorithm++;
        if (algorithm == G_N_ELEMENTS(wipe_algorithms)) {
            cli_set_error(err, "Unsupported algorithm '%s'", alg);
            return FALSE;
        }
    }
    job.vol = vol;
    job.algorithm = algorithm;
    rc = cli_run_job(ctl, "vol-wipe", vstor_storage_vol_get_name(vol), 0, wipe_job, &job, &lib);
    if (rc < 0) {
        cli_set_lib_error(err, lib, "Failed to wipe vol %s", name);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Vol %s wiped\n", name);
    return TRUE;
}

static gboolean
cmd_vol_resize(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    gboolean delta = cli_opt_given(cmd, "delta");
    unsigned int flags = 0;
    guint64 capacity = 0;
    const char *str;

    if (cli_opt_given(cmd, "allocate"))
        flags |= VSTOR_STORAGE_VOL_RESIZE_ALLOCATE;
    if (cli_opt_given(cmd, "shrink"))
        flags |= VSTOR_STORAGE_VOL_RESIZE_SHRINK;
    if (!(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)) ||
        cli_opt_string(cmd, "capacity", &str, err) < 0)
        return FALSE;
    while (g_ascii_isspace(*str))
        str++;
    if (*str == '-') {
        /* A negative size is a shrinking delta, as virsh allows for convenience. */
        if (!cli_opt_given(cmd, "shrink")) {
            cli_set_error(err, "negative size requires --shrink");
            return FALSE;
        }
        str++;
        delta = TRUE;
    }
    if (delta)
        flags |= VSTOR_STORAGE_VOL_RESIZE_DELTA;
    if (cli_parse_size(ctl, "capacity", str, CLI_SIZE_MALFORMED, &capacity, err) < 0)
        return FALSE;
    if (vstor_storage_vol_resize(vol, capacity, flags, &lib) < 0) {
        cli_set_lib_error(err, lib,
                          delta ? "Failed to change size of volume '%s' by %s"
                                : "Failed to change size of volume '%s' to %s",
                          vstor_storage_vol_get_name(vol), str);
        return FALSE;
    }
    if (!ctl->quiet)
        printf(delta ? "Size of volume '%s' successfully changed by %s\n"
                     : "Size of volume '%s' successfully changed to %s\n",
               vstor_storage_vol_get_name(vol), str);
    return TRUE;
}

static gboolean
cmd_vol_upload(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    guint64 offset = 0, length = 0;
    unsigned int flags = 0;
    const char *name, *file;
    guint64 hint = 0;
    struct stat st;
    VolJob job;
    int fd;
    int rc;

    if (cli_opt_size(ctl, cmd, "offset", FALSE, &offset, err) < 0 ||
        cli_opt_size(ctl, cmd, "length", TRUE, &length, err) < 0 ||
        !(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)) ||
        cli_opt_string(cmd, "file", &file, err) < 0)
        return FALSE;
    if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
        cli_set_error(err, "cannot read %s", file);
        return FALSE;
    }
    if (cli_opt_given(cmd, "sparse"))
        flags |= VSTOR_STORAGE_VOL_STREAM_SPARSE;
    job = (VolJob){.vol = vol, .fd = fd, .offset = offset, .length = length, .flags = flags};
    /* The upload's job knows no total unless --length was given: the file's size is it. */
    if (!length && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (guint64)st.st_size > offset)
        hint = (guint64)st.st_size - offset;
    rc = cli_run_job(ctl, "vol-upload", vstor_storage_vol_get_name(vol), hint, upload_job, &job,
                     &lib);
    close(fd);
    if (rc < 0) {
        cli_set_lib_error(err, lib, "cannot upload to volume %s", name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
cmd_vol_download(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    guint64 offset = 0, length = 0;
    unsigned int flags = 0;
    gboolean created = TRUE;
    const char *name, *file;
    VolJob job;
    int fd;
    int rc;

    if (cli_opt_size(ctl, cmd, "offset", FALSE, &offset, err) < 0 ||
        cli_opt_size(ctl, cmd, "length", TRUE, &length, err) < 0 ||
        !(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)) ||
        cli_opt_string(cmd, "file", &file, err) < 0)
        return FALSE;
    if (cli_opt_given(cmd, "sparse"))
        flags |= VSTOR_STORAGE_VOL_STREAM_SPARSE;
    /* A file made here is removed again when the download fails; one that existed is not. */
    if ((fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0) {
        created = FALSE;
        if (errno != EEXIST || (fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0) {
            cli_set_error(err, "cannot create %s", file);
            return FALSE;
        }
    }
    job = (VolJob){.vol = vol, .fd = fd, .offset = offset, .length = length, .flags = flags};
    rc = cli_run_job(ctl, "vol-download", vstor_storage_vol_get_name(vol), 0, download_job, &job,
                     &lib);
    if (close(fd) < 0 && rc == 0) {
        cli_set_error(err, "cannot close file %s", file);
        rc = -1;
    } else if (rc < 0) {
        cli_set_lib_error(err, lib, "cannot download from volume %s", name);
    }
    if (rc < 0 && created)
        unlink(file);
    return rc == 0;
}

const CliCmdDef cli_cmd_vol_delete = {"vol-delete", "delete a vol", "Delete a given vol.",
                                      vol_delete_opts, cmd_vol_delete};
const CliCmdDef cli_cmd_vol_download = {"vol-download", "download volume contents to a file",
                                        "Download volume contents to a file", vol_download_opts,
                                        cmd_vol_download};
const CliCmdDef cli_cmd_vol_resize = {
    "vol-resize", "resize a vol",
    "Resizes a storage volume. This is safe only for storage volumes not in use by an active "
    "guest.\nSee blockresize for live resizing.",
    vol_resize_opts, cmd_vol_resize};
const CliCmdDef cli_cmd_vol_upload = {"vol-upload", "upload file contents to a volume",
                                      "Upload file contents to a volume", vol_upload_opts,
                                      cmd_vol_upload};
const CliCmdDef cli_cmd_vol_wipe = {
    "vol-wipe", "wipe a vol",
    "Ensure data previously on a volume is not accessible to future reads", vol_wipe_opts,
    cmd_vol_wipe};
