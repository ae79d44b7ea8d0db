/* disk_cmd.h: the pure pieces of the disk backend — partition device names, parted command
 * lines, parted's layout and geometry read-outs, and libvirt's rules for placing partitions. */
#pragma once

#include <glib.h>

#include "conf/pool_attr.h"
#include "conf/pool_caps.h"
#include "util/command.h"

/* libvirt computes partition boundaries in units of this, whatever the device's sector size. */
#define VSTOR_DISK_SECTOR_SIZE 512ULL

/* The device node of partition @number of @device, as libvirt's parthelper names it. For a
 * device-mapper device (@is_devmapper) @device is used as given and a "p" goes between when it
 * ends in a digit or @part_separator is YES (user_friendly_names off); otherwise @device must be
 * the resolved path (symlinks followed) and gets a "p" when it ends in a digit (nvme0n1p1,
 * loop0p1, sda1). */
char *vstor_disk_part_path(const char *device, gboolean is_devmapper,
                           VstorPoolTristate part_separator, int number);

/* The partition number of the volume device @vol_path (resolved, or as given for
 * device-mapper) on the pool device @device, what "parted rm" takes: @vol_path's base name is
 * @device's base name, a "p" separator where vstor_disk_part_path puts one (always allowed for
 * device-mapper), then digits. Fails with VSTOR_ERR_INTERNAL_ERROR otherwise. */
int vstor_disk_part_number(const char *device, gboolean is_devmapper, const char *vol_path,
                           int *ret_number, GError **err);

/* ---- parted command lines ---- */

/* "LC_ALL=C parted -s DEVICE unit B print free": the layout that vstor_disk_layout_parse reads,
 * also what tells which label a device carries (vstor_disk_label_check). */
VstorCommand *vstor_disk_print_cmd(const char *device);
/* "LC_ALL=C parted -s -m DEVICE unit chs print": the geometry for vstor_disk_geometry_parse. */
VstorCommand *vstor_disk_geometry_cmd(const char *device);

/* "parted DEVICE mklabel --script LABEL" for the pool format @format ("dos" and "unknown" are
 * written as parted's "msdos"). Fails with VSTOR_ERR_OPERATION_UNSUPPORTED for lvm2 (not a
 * partition table) and VSTOR_ERR_INVALID_ARG for an unknown format or a device path starting
 * with '-'. */
VstorCommand *vstor_disk_mklabel_cmd(const char *device, const char *format, GError **err);

/* "parted DEVICE rm --script NUMBER". */
VstorCommand *vstor_disk_rm_cmd(const char *device, int number);

typedef enum {
    VSTOR_DISK_PART_PRIMARY, /* also any partition of a label other than dos */
    VSTOR_DISK_PART_EXTENDED,
    VSTOR_DISK_PART_LOGICAL,
} VstorDiskPartKind;

/* "primary", "extended", "logical", NULL. */
extern const char *const vstor_disk_part_kind_names[];

/* "parted DEVICE mkpart --script KIND [FSTYPE] STARTB ENDB" (both bytes inclusive) for a volume
 * of partition type @vol_format on a pool labelled @format. On dos labels the parted fs type is
 * libvirt's: ext2 for none/linux/linux-lvm/linux-raid, fat16, fat32, linux-swap, and an extended
 * partition gets none; other labels take "primary" alone (the GPT partition name). Fails with
 * VSTOR_ERR_INVALID_ARG for an out-of-range format or a device path starting with '-'. */
VstorCommand *vstor_disk_mkpart_cmd(const char *device, const char *format, VstorDiskPartKind kind,
                                    VstorPartFormat vol_format, unsigned long long start,
                                    unsigned long long end, GError **err);

/* ---- what parted reports ---- */

typedef struct {
    int number;
    VstorDiskPartKind kind;
    unsigned long long start; /* first byte */
    unsigned long long end; /* one past the last byte, as libvirt's parthelper reports it */
} VstorDiskPart;

typedef struct {
    unsigned long long start; /* libvirt's convention: a region starting at 0 starts at 512 */
    unsigned long long end; /* one past the last byte */
    gboolean logical; /* inside the extended partition: only logical partitions fit there */
} VstorDiskFreeExtent;

typedef struct {
    char *disk_path; /* as parted names the device */
    unsigned long long size; /* bytes */
    unsigned int logical_sector_size;
    unsigned int physical_sector_size;
    char *label; /* parted's name: "msdos", "gpt", "loop", "unknown", ... */
    VstorDiskPart *parts;
    guint n_parts;
    VstorDiskFreeExtent *free_extents;
    guint n_free_extents;
} VstorDiskLayout;

void vstor_disk_layout_free(VstorDiskLayout *layout); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorDiskLayout, vstor_disk_layout_free)

/* Parses the stdout of vstor_disk_print_cmd (parted 3.x, LC_ALL=C). A device without a label
 * ("Partition Table: unknown", parted exits 1) parses to a layout without partitions. Fails with
 * VSTOR_ERR_INTERNAL_ERROR naming the line that does not read as parted's output. */
VstorDiskLayout *vstor_disk_layout_parse(const char *text, GError **err);

/* The pool source format parted's @label stands for ("msdos" -> "dos", "gpt" -> "gpt"), or
 * NULL when it is none of the disk pool formats ("loop", "unknown", "atari" ...). */
const char *vstor_disk_label_to_format(const char *label);

/* A disk pool's size figures from @layout, as libvirt's refresh computes them: capacity is the
 * furthest end of any partition or free extent, available the sum of the free extents. */
void vstor_disk_layout_totals(const VstorDiskLayout *layout, unsigned long long *ret_capacity,
                              unsigned long long *ret_available);

/* libvirt's verdict on the label of a disk pool device from a run of vstor_disk_print_cmd
 * (@exit_status, @out, @errtext) for a pool wanting label @format, when blkid could not decide.
 * With @for_build: no label is OK, the same label fails with VSTOR_ERR_OPERATION_INVALID "Disk
 * label already formatted using '%s'"; without: only the same label is OK. Other cases fail with
 * VSTOR_ERR_OPERATION_FAILED and libvirt's wording ("Known, but different label format present,
 * requires build --overwrite", "Unrecognized disk label found, requires build" ...). */
int vstor_disk_label_check(int exit_status, const char *out, const char *errtext,
                           const char *format, gboolean for_build, GError **err);

typedef struct {
    unsigned int cylinders;
    unsigned int heads;
    unsigned int sectors;
} VstorDiskGeometry;

/* Parses the stdout of vstor_disk_geometry_cmd: parted's BIOS geometry line "C:H:S:SIZE;".
 * Fails with VSTOR_ERR_INTERNAL_ERROR "Failed to create disk pool geometry" when absent. */
int vstor_disk_geometry_parse(const char *text, VstorDiskGeometry *ret_geometry, GError **err);

/* ---- placing a new partition (libvirt's rules) ---- */

/* Which kind of partition a new volume of @vol_format becomes on a pool labelled @format: on dos
 * labels an extended one when asked (only one may exist), else primary while fewer than four
 * primary+extended exist, else logical (which needs the extended one); on other labels always
 * primary. Fails with VSTOR_ERR_INTERNAL_ERROR and libvirt's messages ("extended partition
 * already exists", "no extended partition found and no primary partition available"). */
int vstor_disk_part_kind_to_create(const VstorDiskLayout *layout, const char *format,
                                   VstorPartFormat vol_format, VstorDiskPartKind *ret_kind,
                                   GError **err);

/* Where a partition of @allocation bytes and @kind goes: the smallest free extent of the right
 * sort (logical ones inside the extended partition) that is large enough, with dos labels
 * rounding to whole cylinders of @geometry and logical partitions starting one sector in, as
 * libvirt does. *ret_start is the first byte, *ret_end the last one (inclusive, for parted).
 * Fails with VSTOR_ERR_INTERNAL_ERROR "no large enough free extent", or for a geometry
 * without heads or sectors. */
int vstor_disk_part_boundaries(const VstorDiskLayout *layout, const VstorDiskGeometry *geometry,
                               const char *format, VstorDiskPartKind kind,
                               unsigned long long allocation, unsigned long long *ret_start,
                               unsigned long long *ret_end, GError **err);
