/* qcow2_new.h: new, empty qcow2 images written directly — byte for byte what `qemu-img create
 * -f qcow2` writes for the same options — so creating one costs no process start. */
#pragma once

#include <glib.h>

typedef struct {
    const char *path; /* the image to create (from the command line) */
    guint64 size; /* virtual size, bytes */
    int version; /* 2 (compat 0.10) or 3 (compat 1.1) */
    guint cluster_bits; /* 13 … 21 */
    gboolean lazy_refcounts;
    const char *backing_file; /* or NULL */
    char backing_format[32]; /* with a backing file; "" without */
} VstorQcow2New;

/* Recognises a qemu-img command line (as vstor_qemu_img_argv builds it) that creates an empty
 * qcow2 image with only options this writer reproduces exactly: -f qcow2, optional -b FILE,
 * -o with compat, backing_fmt, lazy_refcounts and cluster_size, the path and a size in K.
 * Fills @ret (pointing into @argv) and returns TRUE; FALSE for anything else (preallocation,
 * encryption, extended L2, no size, …), which stays with qemu-img. */
gboolean vstor_qcow2_new_from_argv(const char *const *argv, VstorQcow2New *ret);

/* Writes the image described by @img to @fd, an empty file open for writing. Fails
 * (VSTOR_ERR_SYSTEM_ERROR) when a write fails, (VSTOR_ERR_INTERNAL_ERROR) when the metadata
 * would not fit one refcount block or the header one cluster. */
int vstor_qcow2_new_write(int fd, const VstorQcow2New *img, GError **err);
