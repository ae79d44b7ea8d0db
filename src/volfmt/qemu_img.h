/* qemu_img.h: the qemu-img command lines that create a volume or build it from another
 * (convert), with libvirt 9.0.0's options, checks and order; argv only, nothing is run. */
#pragma once

#include <glib.h>

#include "conf/vol_conf.h"
#include "util/job.h"

/* Flags, numbered as libvirt's virStorageVolCreateFlags so the driver passes them through. */
typedef enum {
    /* Preallocate metadata (qcow2 only): preallocation=metadata, or =falloc when the
     * requested allocation reaches the capacity. */
    VSTOR_QEMU_IMG_PREALLOC_METADATA = 1 << 0,
    /* A reflink copy: only a byte copy between raw files can do that (see
     * vstor_qemu_img_needed); qemu-img refuses it, as libvirt does. */
    VSTOR_QEMU_IMG_REFLINK = 1 << 1,
} VstorQemuImgFlags;

/* Building a volume from another when either is encrypted takes two commands: create the
 * target, then copy into it with --image-opts. Everything else takes one. */
typedef enum {
    VSTOR_QEMU_IMG_STEP_SINGLE, /* create, or convert -f IN -O OUT */
    VSTOR_QEMU_IMG_STEP_CREATE, /* first of two: create the target at its full size */
    VSTOR_QEMU_IMG_STEP_CONVERT, /* second of two: convert --image-opts -n into it */
} VstorQemuImgStep;

typedef struct {
    const char *tool; /* argv[0]; NULL: "qemu-img" */
    /* The volume to build. A BLOCK volume is written raw whatever its format; otherwise
     * target.format is a VstorVolFormat (NONE and ISO are written raw, as libvirt does).
     * Its name makes the secret's id ("NAME_encrypt0"). */
    const VstorVolDef *vol;
    const VstorVolDef *input; /* the volume to copy from, or NULL to create an empty one */
    /* Files holding the passphrases (raw bytes) of vol and input; each is needed when that
     * volume has <encryption>. The caller writes and removes them. */
    const char *secret_path;
    const char *input_secret_path;
    unsigned int flags; /* VstorQemuImgFlags */
} VstorQemuImgRequest;

/* TRUE when building needs qemu-img at all (libvirt's rule): a file volume on either side
 * that is not raw, or is encrypted. Otherwise a byte copy does, where reflink applies. */
gboolean vstor_qemu_img_needed(const VstorVolDef *vol, const VstorVolDef *input);

/* TRUE when @req takes the two steps CREATE and CONVERT (an input, and encryption on either
 * side); FALSE when STEP_SINGLE does it. */
gboolean vstor_qemu_img_two_steps(const VstorQemuImgRequest *req);

/* The argv (NULL-terminated, argv[0] the tool) of one step of @req. Fails, with libvirt's
 * code and words, with VSTOR_ERR_INVALID_ARG for unknown or inapplicable flags (reflink), a
 * missing input path, or a path qemu-img would take for an option; VSTOR_ERR_CONFIG_UNSUPPORTED
 * for qcow-encrypted creation, non-LUKS input encryption, preallocation / compat / features
 * on anything but qcow2, lazy_refcounts or extended_l2 with compat 0.10, a backing store on
 * a raw volume or with preallocation, encryption on a format other than raw or qcow2, or a
 * non-LUKS encryption; VSTOR_ERR_XML_ERROR for a LUKS volume with no or several secrets;
 * VSTOR_ERR_INTERNAL_ERROR for a format outside the table, non-LUKS encryption on raw, a
 * backing store different from the input's, or a missing secret file. */
GStrv vstor_qemu_img_argv(const VstorQemuImgRequest *req, VstorQemuImgStep step, GError **err);

/* All the commands that build @req's volume, in the order they must run: a GPtrArray of
 * GStrv (freed with it). When the second of two fails, the caller removes the target. Fails
 * as vstor_qemu_img_argv does. */
GPtrArray *vstor_qemu_img_commands(const VstorQemuImgRequest *req, GError **err);

/* The command as libvirt's tests print it (virCommandToString with line breaks): arguments
 * shell-quoted when needed, " \\\n" between them except between an option and its value.
 * This is the format of libvirt's storagevolxml2argvdata/ files, without the final newline. */
char *vstor_qemu_img_render(const char *const *argv);

/* libvirt's resize: "qemu-img resize [--shrink] PATH SIZE", SIZE being @capacity rounded up
 * to 512 bytes and --shrink added when that is below vol->capacity. An encrypted volume is
 * named by --object secret (from @secret_path) and --image-opts. Fails with
 * VSTOR_ERR_CONFIG_UNSUPPORTED for qcow-encrypted qcow/qcow2 and the encryption refusals of
 * vstor_qemu_img_argv, VSTOR_ERR_INTERNAL_ERROR without a secret file for an encrypted
 * volume, VSTOR_ERR_INVALID_ARG for a path qemu-img would take for an option or a capacity
 * of 2^63 bytes or more. */
GStrv vstor_qemu_img_resize_argv(const char *tool, const VstorVolDef *vol,
                                 unsigned long long capacity, const char *secret_path,
                                 GError **err);

/* libvirt's check before creating over a backing store: the backing file (a relative path
 * taken from @pool_dir) must be readable. No-op without one. Fails with
 * VSTOR_ERR_SYSTEM_ERROR ("inaccessible backing store volume ..."). */
int vstor_qemu_img_check_backing(const VstorVolDef *vol, const char *pool_dir, GError **err);

/* Appends @value to @buf in qemu's option syntax: a ',' inside a value is written ",,". */
void vstor_qemu_img_append_opt(GString *buf, const char *value);

/* @argv (a command built here) rewritten to work on the file a caller has open as descriptor
 * @fdnum of the child instead of @path, so that a link swapped in for @path after the caller
 * checked what it opened is not followed: the argument @path becomes a json: file name
 * (/proc/self/fd/@fdnum, format @driver unless NULL when -f gives it), and an --image-opts
 * argument's file.filename=@path becomes /proc/self/fd/@fdnum. The image's backing store
 * @backing (NULL: none) is named by the path the probe resolved (relative names would be
 * looked for beside /proc/self/fd), or left out with @drop_backing (a resize needs none;
 * --image-opts has no way to say so but a deprecated one, so it names it there too). NULL
 * when the command cannot be so written (no @path in it, a backing store whose format or
 * file name cannot be given): run it as it is. */
char **vstor_qemu_img_pin(const char *const *argv, const char *path, int fdnum, const char *driver,
                          const VstorVolTarget *backing, gboolean drop_backing);

/* The progress `qemu-img convert -p` prints ("    (12.34/100%)" records ended by '\r'),
 * turned into bytes done of @job's total as it comes; fed by vstor_qemu_img_progress_feed
 * (a VstorCommandOutputFunc) in pieces as read. Only forward steps are added to the job. */
typedef struct {
    VstorJob *job;
    guint64 reported; /* bytes added to the job so far */
    char record[32];
    gsize record_len; /* of a record not ended yet */
    gboolean overlong; /* the record not ended yet is longer than any qemu-img prints */
} VstorQemuImgProgress;

void vstor_qemu_img_progress_feed(const char *data, gsize len, gpointer progress);
/* The percentage in one record ("(12.34/100%)", spaces around allowed), or -1 when @record
 * is not one. */
double vstor_qemu_img_progress_parse(const char *record);

/* A conversion's @argv as it runs (the commands libvirt's fixtures show stay without these),
 * or NULL when @argv is no conversion: "-p" after "convert", for its progress; "-t none"
 * when @direct (the output's file system takes direct I/O), "-t writeback" otherwise — in
 * both qemu-img flushes the image before it exits, where its default for conversions
 * (cache=unsafe) leaves it dirty in the page cache; and "-C" when @share (copy offloading:
 * on a file system that shares extents, the image's data shares the input's blocks). */
GStrv vstor_qemu_img_convert_run_argv(const char *const *argv, gboolean direct, gboolean share);
