/* disk_cmd.c: partition naming, parted argv builders, parsers of parted's read-outs (recorded
 * samples in tests/data/disk) and libvirt 9.0.0's partition placement rules, all pure. */
#include "backends/disk_cmd.h"

#include <string.h>

#include "util/error.h"
#include "util/units.h"

const char *const vstor_disk_part_kind_names[] = {"primary", "extended", "logical", NULL};

static gboolean
ends_in_digit(const char *str)
{
    size_t len = strlen(str);

    return len > 0 && g_ascii_isdigit(str[len - 1]);
}

char *
vstor_disk_part_path(const char *device, gboolean is_devmapper, VstorPoolTristate part_separator,
                     int number)
{
    gboolean sep;

    g_return_val_if_fail(device && number > 0, NULL);
    /* Only device-mapper can be told to add a "p" after a name ending in a letter: that is how
     * multipath names partitions when user_friendly_names is off. */
    sep = ends_in_digit(device) || (is_devmapper && part_separator == VSTOR_POOL_TRISTATE_YES);
    return g_strdup_printf("%s%s%d", device, sep ? "p" : "", number);
}

int
vstor_disk_part_number(const char *device, gboolean is_devmapper, const char *vol_path,
                       int *ret_number, GError **err)
{
    g_autofree char *src = g_path_get_basename(device);
    g_autofree char *vol = g_path_get_basename(vol_path);
    const char *rest;
    unsigned long long num;

    if (!g_str_has_prefix(vol, src)) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "Volume path '%s' did not start with parent pool source device name.", vol);
        return -1;
    }
    rest = vol + strlen(src);
    if (*rest == 'p' && (is_devmapper || ends_in_digit(src)))
        rest++;
    if (!g_ascii_isdigit(*rest) || !vstor_parse_ull(rest, &num) || num == 0 || num > G_MAXINT) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "cannot parse partition number from target '%s'", vol);
        return -1;
    }
    *ret_number = (int)num;
    return 0;
}

/* ---- parted command lines ---- */

static VstorCommand *
parted_read_cmd(const char *device, gboolean machine, const char *unit, gboolean free)
{
    VstorCommand *cmd = vstor_command_new("parted");

    /* parted translates its output; the parsers read the C locale's. */
    vstor_command_add_env(cmd, "LC_ALL", "C");
    vstor_command_add_arg(cmd, "-s");
    if (machine)
        vstor_command_add_arg(cmd, "-m");
    vstor_command_add_args(cmd, device, "unit", unit, "print", NULL);
    if (free)
        vstor_command_add_arg(cmd, "free");
    return cmd;
}

VstorCommand *
vstor_disk_print_cmd(const char *device)
{
    g_return_val_if_fail(device, NULL);
    return parted_read_cmd(device, FALSE, "B", TRUE);
}

VstorCommand *
vstor_disk_geometry_cmd(const char *device)
{
    g_return_val_if_fail(device, NULL);
    return parted_read_cmd(device, TRUE, "chs", FALSE);
}

static int
check_device(const char *device, GError **err)
{
    if (!device || !*device || device[0] == '-') {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "invalid disk device path '%s'",
                        device ? device : "");
        return -1;
    }
    return 0;
}

/* The labels parted can write, under the pool format names; dos is parted's msdos. */
static const char *const mklabel_names[][2] = {
    {"unknown", "msdos"}, {"dos", "msdos"}, {"dvh", "dvh"},   {"gpt", "gpt"},
    {"mac", "mac"},       {"bsd", "bsd"},   {"pc98", "pc98"}, {"sun", "sun"},
};

VstorCommand *
vstor_disk_mklabel_cmd(const char *device, const char *format, GError **err)
{
    VstorCommand *cmd;

    if (check_device(device, err) < 0)
        return NULL;
    if (g_strcmp0(format, "lvm2") == 0) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_UNSUPPORTED,
                        "cannot write a partition table of format 'lvm2' on '%s': lvm2 is not a "
                        "partition table, use a logical pool",
                        device);
        return NULL;
    }
    for (guint i = 0; format && i < G_N_ELEMENTS(mklabel_names); i++) {
        if (!g_str_equal(mklabel_names[i][0], format))
            continue;
        cmd = vstor_command_new("parted");
        vstor_command_add_args(cmd, device, "mklabel", "--script", mklabel_names[i][1], NULL);
        return cmd;
    }
    vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unknown disk pool format '%s'",
                    format ? format : "");
    return NULL;
}

VstorCommand *
vstor_disk_rm_cmd(const char *device, int number)
{
    VstorCommand *cmd;

    g_return_val_if_fail(device && number > 0, NULL);
    cmd = vstor_command_new("parted");
    vstor_command_add_args(cmd, device, "rm", "--script", NULL);
    vstor_command_add_argf(cmd, "%d", number);
    return cmd;
}

/* libvirt's parted file-system type per volume partition type (VstorPartFormat order): parted
 * sets no lvm or raid flag, it only picks the dos partition id from this. */
static const char *const parted_fs_names[VSTOR_PART_LAST] = {
    "ext2", "ext2", "fat16", "fat32", "linux-swap", "ext2", "ext2", "extended",
};

static gboolean
is_dos(const char *format)
{
    /* A pool whose label was never named is treated as dos, as libvirt does on start. */
    return !format || g_str_equal(format, "dos") || g_str_equal(format, "unknown");
}

VstorCommand *
vstor_disk_mkpart_cmd(const char *device, const char *format, VstorDiskPartKind kind,
                      VstorPartFormat vol_format, unsigned long long start, unsigned long long end,
                      GError **err)
{
    VstorCommand *cmd;

    if (check_device(device, err) < 0)
        return NULL;
    if ((int)vol_format < 0 || vol_format >= VSTOR_PART_LAST || kind > VSTOR_DISK_PART_LOGICAL) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s", "Invalid partition type");
        return NULL;
    }
    cmd = vstor_command_new("parted");
    vstor_command_add_args(cmd, device, "mkpart", "--script", NULL);
    if (!is_dos(format)) {
        vstor_command_add_arg(cmd, "primary");
    } else if (kind == VSTOR_DISK_PART_EXTENDED) {
        vstor_command_add_arg(cmd, "extended");
    } else {
        vstor_command_add_arg(cmd, vstor_disk_part_kind_names[kind]);
        vstor_command_add_arg(cmd, parted_fs_names[vol_format]);
    }
    vstor_command_add_argf(cmd, "%lluB", start);
    vstor_command_add_argf(cmd, "%lluB", end);
    return cmd;
}

/* ---- what parted reports ---- */

void
vstor_disk_layout_free(VstorDiskLayout *layout)
{
    if (!layout)
        return;
    g_free(layout->disk_path);
    g_free(layout->label);
    g_free(layout->parts);
    g_free(layout->free_extents);
    g_free(layout);
}

/* "1048576B" -> 1048576: with "unit B" parted prints every position in bytes. */
static gboolean
parse_bytes(const char *token, unsigned long long *ret_value)
{
    g_autofree char *digits = NULL;
    size_t len = strlen(token);

    if (len < 2 || token[len - 1] != 'B')
        return FALSE;
    digits = g_strndup(token, len - 1);
    return g_ascii_isdigit(digits[0]) && vstor_parse_ull(digits, ret_value);
}

static int
parse_error(const char *line, GError **err)
{
    vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "cannot parse parted output line '%s'", line);
    return -1;
}

/* "Disk /dev/sda: 1000204886016B", "Sector size (logical/physical): 512B/512B". */
static int
parse_header_line(VstorDiskLayout *layout, const char *line, GError **err)
{
    const char *value;
    unsigned long long n1, n2;

    if (g_str_has_prefix(line, "Disk Flags:") || g_str_has_prefix(line, "Model:"))
        return 0;
    if (g_str_has_prefix(line, "Partition Table: ")) {
        layout->label = g_strstrip(g_strdup(line + strlen("Partition Table: ")));
        return 0;
    }
    if (g_str_has_prefix(line, "Disk ") && (value = strrchr(line, ':'))) {
        g_autofree char *size = g_strstrip(g_strdup(value + 1));

        if (!parse_bytes(size, &layout->size))
            return parse_error(line, err);
        layout->disk_path = g_strndup(line + strlen("Disk "), value - line - strlen("Disk "));
        return 0;
    }
    if (g_str_has_prefix(line, "Sector size (logical/physical): ")) {
        g_auto(GStrv) sizes = g_strsplit(line + strlen("Sector size (logical/physical): "), "/", 2);

        if (g_strv_length(sizes) != 2 || !parse_bytes(sizes[0], &n1) ||
            !parse_bytes(sizes[1], &n2) || n1 == 0 || n1 > G_MAXUINT || n2 > G_MAXUINT)
            return parse_error(line, err);
        layout->logical_sector_size = (unsigned int)n1;
        layout->physical_sector_size = (unsigned int)n2;
        return 0;
    }
    return parse_error(line, err);
}

/* One row of the table: " 5      18874368B  27262975B  8388608B   logical ..." or a free
 * region "        1024B  16777215B  16776192B        Free Space". */
static int
parse_table_row(const char *line, gboolean has_type, GArray *parts, GArray *free_extents,
                GError **err)
{
    g_auto(GStrv) tokens = g_strsplit_set(line, " ", -1);
    const char *tok[5] = {NULL};
    guint n = 0;
    unsigned long long start, end, number;

    for (guint i = 0; tokens[i] && n < G_N_ELEMENTS(tok); i++)
        if (*tokens[i])
            tok[n++] = tokens[i];

    if (n >= 3 && parse_bytes(tok[0], &start)) {
        VstorDiskFreeExtent ext = {0};

        if (!strstr(line, "Free Space") || !parse_bytes(tok[1], &end) || end < start)
            return parse_error(line, err);
        /* libvirt's convention: the first sector is never offered, even when parted does. */
        ext.start = start == 0 ? VSTOR_DISK_SECTOR_SIZE : start;
        ext.end = end + 1;
        g_array_append_val(free_extents, ext);
        return 0;
    }
    if (n >= 4 && vstor_parse_ull(tok[0], &number) && number > 0 && number <= G_MAXINT &&
        parse_bytes(tok[1], &start) && parse_bytes(tok[2], &end) && end >= start) {
        VstorDiskPart part = {.number = (int)number, .start = start, .end = end + 1};
        int kind = has_type && n >= 5 ? vstor_enum_from_string(vstor_disk_part_kind_names, tok[4])
                                      : VSTOR_DISK_PART_PRIMARY;

        if (kind < 0)
            return parse_error(line, err);
        part.kind = kind;
        g_array_append_val(parts, part);
        return 0;
    }
    return parse_error(line, err);
}

VstorDiskLayout *
vstor_disk_layout_parse(const char *text, GError **err)
{
    g_autoptr(VstorDiskLayout) layout = g_new0(VstorDiskLayout, 1);
    g_autoptr(GArray) parts = g_array_new(FALSE, TRUE, sizeof(VstorDiskPart));
    g_autoptr(GArray) free_extents = g_array_new(FALSE, TRUE, sizeof(VstorDiskFreeExtent));
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    gboolean in_table = FALSE;
    gboolean has_type = FALSE;
    const VstorDiskPart *extended = NULL;

    for (guint i = 0; lines[i]; i++) {
        const char *line = g_strchomp(lines[i]);

        if (!*line)
            continue;
        if (g_str_has_prefix(line, "Number ")) {
            in_table = TRUE;
            has_type = strstr(line, " Type ") != NULL;
        } else if (in_table ? parse_table_row(line, has_type, parts, free_extents, err) < 0
                            : parse_header_line(layout, line, err) < 0) {
            return NULL;
        }
    }
    if (!layout->disk_path || !layout->label || !layout->logical_sector_size) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s",
                        "parted output lacks the disk, sector size or partition table line");
        return NULL;
    }

    for (guint i = 0; i < parts->len; i++)
        if (g_array_index(parts, VstorDiskPart, i).kind == VSTOR_DISK_PART_EXTENDED)
            extended = &g_array_index(parts, VstorDiskPart, i);
    for (guint i = 0; extended && i < free_extents->len; i++) {
        VstorDiskFreeExtent *ext = &g_array_index(free_extents, VstorDiskFreeExtent, i);

        ext->logical = ext->start >= extended->start && ext->end <= extended->end;
    }

    layout->n_parts = parts->len;
    layout->parts = (VstorDiskPart *)g_array_free(g_steal_pointer(&parts), FALSE);
    layout->n_free_extents = free_extents->len;
    layout->free_extents =
        (VstorDiskFreeExtent *)g_array_free(g_steal_pointer(&free_extents), FALSE);
    return g_steal_pointer(&layout);
}

const char *
vstor_disk_label_to_format(const char *label)
{
    static const char *const formats[] = {"dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", NULL};

    if (!label)
        return NULL;
    if (g_str_equal(label, "msdos"))
        return "dos";
    for (guint i = 0; formats[i]; i++)
        if (g_str_equal(formats[i], label))
            return formats[i];
    return NULL;
}

void
vstor_disk_layout_totals(const VstorDiskLayout *layout, unsigned long long *ret_capacity,
                         unsigned long long *ret_available)
{
    unsigned long long capacity = 0, available = 0;

    g_return_if_fail(layout);
    for (guint i = 0; i < layout->n_parts; i++)
        capacity = MAX(capacity, layout->parts[i].end);
    for (guint i = 0; i < layout->n_free_extents; i++) {
        available += layout->free_extents[i].end - layout->free_extents[i].start;
        capacity = MAX(capacity, layout->free_extents[i].end);
    }
    if (ret_capacity)
        *ret_capacity = capacity;
    if (ret_available)
        *ret_available = available;
}

int
vstor_disk_label_check(int exit_status, const char *out, const char *errtext, const char *format,
                       gboolean for_build, GError **err)
{
    g_autofree char *label = NULL;
    const char *found;
    const char *start;

    if (exit_status != 0) {
        if ((out && strstr(out, "unrecognised disk label")) ||
            (errtext && strstr(errtext, "unrecognised disk label"))) {
            if (for_build)
                return 0;
            vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED, "%s",
                            "Unrecognized disk label found, requires build");
            return -1;
        }
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED, "%s",
                        "Error checking for disk label, failed to get disk partition information");
        return -1;
    }
    if (!out || !(start = strstr(out, "Partition Table: ")) || !strchr(start, '\n')) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED, "%s",
                        "Unable to determine Partition Type, requires build --overwrite");
        return -1;
    }
    start += strlen("Partition Table: ");
    label = g_strndup(start, strchr(start, '\n') - start);
    if (!(found = vstor_disk_label_to_format(label))) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED,
                        "Unknown Partition Type, requires build --overwrite (found '%s')", label);
        return -1;
    }
    if (!g_str_equal(found, is_dos(format) ? "dos" : format)) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED,
                        "Known, but different label format present, requires build --overwrite "
                        "(found '%s')",
                        found);
        return -1;
    }
    if (for_build) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "Disk label already formatted using '%s'",
                        format);
        return -1;
    }
    return 0;
}

int
vstor_disk_geometry_parse(const char *text, VstorDiskGeometry *ret_geometry, GError **err)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    /* Line 1 is "CHS;", line 2 the device, line 3 "cylinders:heads:sectors:cylinder size;". */
    if (g_strv_length(lines) >= 3 && g_str_equal(g_strchomp(lines[0]), "CHS;")) {
        g_auto(GStrv) fields = g_strsplit(lines[2], ":", -1);
        unsigned long long c, h, s;

        if (g_strv_length(fields) == 4 && vstor_parse_ull(fields[0], &c) &&
            vstor_parse_ull(fields[1], &h) && vstor_parse_ull(fields[2], &s) && c <= G_MAXUINT &&
            h > 0 && h <= G_MAXUINT && s > 0 && s <= G_MAXUINT) {
            ret_geometry->cylinders = (unsigned int)c;
            ret_geometry->heads = (unsigned int)h;
            ret_geometry->sectors = (unsigned int)s;
            return 0;
        }
    }
    vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s", "Failed to create disk pool geometry");
    return -1;
}

/* ---- placing a new partition ---- */

static const VstorDiskPart *
find_extended(const VstorDiskLayout *layout)
{
    for (guint i = 0; i < layout->n_parts; i++)
        if (layout->parts[i].kind == VSTOR_DISK_PART_EXTENDED)
            return &layout->parts[i];
    return NULL;
}

/* Primary and extended partitions share the four slots of a dos label. */
static guint
count_slots(const VstorDiskLayout *layout)
{
    guint n = 0;

    for (guint i = 0; i < layout->n_parts; i++)
        if (layout->parts[i].kind != VSTOR_DISK_PART_LOGICAL)
            n++;
    return n;
}

int
vstor_disk_part_kind_to_create(const VstorDiskLayout *layout, const char *format,
                               VstorPartFormat vol_format, VstorDiskPartKind *ret_kind,
                               GError **err)
{
    g_return_val_if_fail(layout, -1);
    if (!is_dos(format)) {
        *ret_kind = VSTOR_DISK_PART_PRIMARY;
        return 0;
    }
    if (vol_format == VSTOR_PART_EXTENDED) {
        if (find_extended(layout)) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s",
                            "extended partition already exists");
            return -1;
        }
        if (count_slots(layout) >= 4) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s",
                            "no primary partition slot left for an extended partition");
            return -1;
        }
        *ret_kind = VSTOR_DISK_PART_EXTENDED;
        return 0;
    }
    if (count_slots(layout) < 4) {
        *ret_kind = VSTOR_DISK_PART_PRIMARY;
        return 0;
    }
    if (!find_extended(layout)) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s",
                        "no extended partition found and no primary partition available");
        return -1;
    }
    *ret_kind = VSTOR_DISK_PART_LOGICAL;
    return 0;
}

int
vstor_disk_part_boundaries(const VstorDiskLayout *layout, const VstorDiskGeometry *geometry,
                           const char *format, VstorDiskPartKind kind,
                           unsigned long long allocation, unsigned long long *ret_start,
                           unsigned long long *ret_end, GError **err)
{
    gboolean dos = is_dos(format);
    gboolean logical = kind == VSTOR_DISK_PART_LOGICAL;
    unsigned long long cylinder, extra, best_size = 0, aligned = allocation, start, end;
    int best = -1;

    g_return_val_if_fail(layout && geometry, -1);
    cylinder = (unsigned long long)geometry->heads * geometry->sectors * VSTOR_DISK_SECTOR_SIZE;
    if (cylinder == 0) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s",
                        "disk geometry has no heads or sectors");
        return -1;
    }
    /* Rounding the end up to a cylinder boundary costs this much beyond the allocation. */
    extra = cylinder - (allocation % cylinder);

    for (guint i = 0; i < layout->n_free_extents; i++) {
        const VstorDiskFreeExtent *ext = &layout->free_extents[i];
        unsigned long long size = ext->end - ext->start;
        unsigned long long needed = allocation;

        if (dos) {
            needed += extra;
            /* A start that is too far into a cylinder costs one more. */
            if (ext->start % cylinder > extra)
                needed += cylinder;
            /* A logical partition's EBR takes the first sector of its region. */
            if (logical) {
                if (size < VSTOR_DISK_SECTOR_SIZE)
                    continue;
                size -= VSTOR_DISK_SECTOR_SIZE;
            }
        }
        if (size <= needed || (best_size != 0 && size >= best_size))
            continue;
        if (logical != ext->logical)
            continue;
        best_size = size;
        best = (int)i;
        aligned = needed;
    }
    if (best < 0) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s", "no large enough free extent");
        return -1;
    }

    start = layout->free_extents[best].start;
    if (logical)
        start += VSTOR_DISK_SECTOR_SIZE;
    end = start + aligned;
    if (dos)
        end -= start % cylinder;
    *ret_start = start;
    *ret_end = end - 1; /* parted takes the last byte, not one past it */
    return 0;
}
