/* qemu_img.c: builds qemu-img create/convert argv from volume definitions with libvirt
 * 9.0.0's checks, option order and secret handling, and renders argv as libvirt's tests do. */
#include "volfmt/qemu_img.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

#define KNOWN_FLAGS (VSTOR_QEMU_IMG_PREALLOC_METADATA | VSTOR_QEMU_IMG_REFLINK)

/* What libvirt's _virStorageBackendQemuImgInfo holds: the facts the command is made of. */
typedef struct {
    VstorVolFormat format; /* after block/none/iso became raw */
    const char *type; /* -f / -O / driver= name: the format, or "luks" for encrypted raw */
    VstorVolFormat input_format;
    const char *input_type;
    const char *path;
    const char *input_path;
    unsigned long long size_kib;
    unsigned long long allocation_kib;
    gboolean preallocate;
    const char *backing_path;
    int backing_format;
    char *secret_alias;
    char *input_secret_alias;
} Plan;

static void
plan_clear(Plan *plan)
{
    g_free(plan->secret_alias);
    g_free(plan->input_secret_alias);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Plan, plan_clear)

static const char *
format_name(int format)
{
    return vstor_enum_to_string(vstor_vol_format_names, format);
}

/* The format qemu-img reads or writes: block devices, ISO images and "no format" hold raw
 * bytes (libvirt's storage_util rules and its NONE-to-raw shim). */
static VstorVolFormat
effective_format(const VstorVolDef *def)
{
    if (def->type == VSTOR_VOL_BLOCK)
        return VSTOR_VOL_FORMAT_RAW;
    if (def->target.format == VSTOR_VOL_FORMAT_NONE || def->target.format == VSTOR_VOL_FORMAT_ISO)
        return VSTOR_VOL_FORMAT_RAW;
    return (VstorVolFormat)def->target.format;
}

static unsigned long long
kib_up(unsigned long long bytes)
{
    return bytes / 1024 + (bytes % 1024 != 0);
}

void
vstor_qemu_img_append_opt(GString *buf, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == ',')
            g_string_append_c(buf, ',');
        g_string_append_c(buf, *p);
    }
}

gboolean
vstor_qemu_img_needed(const VstorVolDef *vol, const VstorVolDef *input)
{
    g_return_val_if_fail(vol != NULL, FALSE);

    if (!input)
        return !((vol->target.format == VSTOR_VOL_FORMAT_RAW && !vol->target.encryption) ||
                 vol->target.format == VSTOR_VOL_FORMAT_DIR ||
                 vol->target.format == VSTOR_VOL_FORMAT_PLOOP);
    return (vol->type == VSTOR_VOL_FILE &&
            (vol->target.format != VSTOR_VOL_FORMAT_RAW || vol->target.encryption)) ||
           (input->type == VSTOR_VOL_FILE &&
            (input->target.format != VSTOR_VOL_FORMAT_RAW || input->target.encryption));
}

gboolean
vstor_qemu_img_two_steps(const VstorQemuImgRequest *req)
{
    g_return_val_if_fail(req != NULL && req->vol != NULL, FALSE);

    return req->input && (req->vol->target.encryption || req->input->target.encryption);
}

static int
check_flags(unsigned int flags, GError **err)
{
    if (flags & ~(unsigned int)KNOWN_FLAGS) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags & ~(unsigned int)KNOWN_FLAGS, "vstor_qemu_img_argv");
        return -1;
    }
    if (flags & VSTOR_QEMU_IMG_REFLINK) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "unsupported flags (0x%x) in function %s: a reflink copy needs raw "
                        "volumes on both sides, qemu-img cannot make one",
                        (unsigned int)VSTOR_QEMU_IMG_REFLINK, "vstor_qemu_img_argv");
        return -1;
    }
    return 0;
}

/* libvirt's storageBackendCreateQemuImgCheckEncryption. */
static int
check_encryption(const Plan *plan, const VstorEncryption *enc, GError **err)
{
    if (plan->format != VSTOR_VOL_FORMAT_RAW && plan->format != VSTOR_VOL_FORMAT_QCOW2) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "volume encryption unsupported with format %s", plan->type);
        return -1;
    }
    if (enc->format != VSTOR_ENCRYPTION_FORMAT_LUKS) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "unsupported volume encryption format %d", (int)enc->format);
        return -1;
    }
    if (enc->secrets->len > 1) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "too many secrets for luks encryption");
        return -1;
    }
    if (enc->secrets->len == 0) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "no secret provided for luks encryption");
        return -1;
    }
    return 0;
}

static int
plan_backing(const VstorQemuImgRequest *req, Plan *plan, GError **err)
{
    const VstorVolTarget *backing = req->vol->backing_store;
    const VstorVolTarget *input_backing = req->input ? req->input->backing_store : NULL;

    if (plan->format == VSTOR_VOL_FORMAT_RAW) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "cannot set backing store for raw volume");
        return -1;
    }
    plan->backing_path = backing->path;
    plan->backing_format = backing->format;
    if (plan->preallocate) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "metadata preallocation conflicts with backing store");
        return -1;
    }
    if (input_backing && input_backing->path && g_strcmp0(input_backing->path, backing->path)) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "a different backing store cannot be specified.");
        return -1;
    }
    if (!format_name(plan->backing_format) || plan->backing_format == VSTOR_VOL_FORMAT_NONE) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "unknown storage vol backing store type %d",
                        plan->backing_format);
        return -1;
    }
    return 0;
}

/* Everything libvirt's virStorageBackendCreateQemuImgSetInfo decides and checks. */
static int
plan_init(const VstorQemuImgRequest *req, VstorQemuImgStep step, Plan *plan, GError **err)
{
    const VstorVolDef *vol = req->vol;
    const VstorVolDef *input = req->input;
    const VstorVolTarget *target = &vol->target;

    plan->format = effective_format(vol);
    if (!(plan->type = format_name(plan->format))) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "unknown storage vol type %d",
                        (int)plan->format);
        return -1;
    }
    if (input) {
        plan->input_format = effective_format(input);
        if (!(plan->input_type = format_name(plan->input_format))) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "unknown inputvol storage vol type %d",
                            (int)plan->input_format);
            return -1;
        }
    }
    plan->path = target->path;
    plan->preallocate = (req->flags & VSTOR_QEMU_IMG_PREALLOC_METADATA) != 0;
    plan->backing_format = VSTOR_VOL_FORMAT_NONE;

    if (plan->preallocate && plan->format != VSTOR_VOL_FORMAT_QCOW2) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "metadata preallocation only available with qcow2");
        return -1;
    }
    if (target->compat && plan->format != VSTOR_VOL_FORMAT_QCOW2) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "compatibility option only available with qcow2");
        return -1;
    }
    if (target->has_features && plan->format != VSTOR_VOL_FORMAT_QCOW2) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "format features only available with qcow2");
        return -1;
    }
    /* Encrypted raw is qemu's "luks" format, on either side. */
    if (plan->format == VSTOR_VOL_FORMAT_RAW && target->encryption) {
        if (target->encryption->format != VSTOR_ENCRYPTION_FORMAT_LUKS) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                            "Only luks encryption is supported for raw files");
            return -1;
        }
        plan->type = "luks";
    }
    if (input && plan->input_format == VSTOR_VOL_FORMAT_RAW && input->target.encryption) {
        if (input->target.encryption->format != VSTOR_ENCRYPTION_FORMAT_LUKS) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                            "Only luks encryption is supported for raw files");
            return -1;
        }
        plan->input_type = "luks";
    }
    /* In the first of two steps the input is not read yet: only the target is made. */
    if (input && step != VSTOR_QEMU_IMG_STEP_CREATE && !(plan->input_path = input->target.path)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "missing input volume target path");
        return -1;
    }
    if (vol->backing_store && vol->backing_store->path && plan_backing(req, plan, err) < 0)
        return -1;
    if (target->encryption && check_encryption(plan, target->encryption, err) < 0)
        return -1;
    plan->size_kib = kib_up(vol->capacity);
    plan->allocation_kib = kib_up(vol->allocation);
    return 0;
}

/* The LUKS options of -o, each followed by ','. qcow2 nests them under "encrypt.". */
static void
append_encryption_opts(GString *buf, const Plan *plan, const VstorEncryption *enc)
{
    const char *prefix = "";

    if (plan->format == VSTOR_VOL_FORMAT_QCOW2) {
        g_string_append(buf, "encrypt.format=luks,");
        prefix = "encrypt.";
    }
    g_string_append_printf(buf, "%skey-secret=%s,", prefix, plan->secret_alias);
    if (!enc->cipher_name)
        return;
    g_string_append_printf(buf, "%scipher-alg=", prefix);
    vstor_qemu_img_append_opt(buf, enc->cipher_name);
    g_string_append_printf(buf, "-%u,", enc->cipher_size);
    if (enc->cipher_mode) {
        g_string_append_printf(buf, "%scipher-mode=", prefix);
        vstor_qemu_img_append_opt(buf, enc->cipher_mode);
        g_string_append_c(buf, ',');
    }
    if (enc->cipher_hash) {
        g_string_append_printf(buf, "%shash-alg=", prefix);
        vstor_qemu_img_append_opt(buf, enc->cipher_hash);
        g_string_append_c(buf, ',');
    }
    if (!enc->ivgen_name)
        return;
    g_string_append_printf(buf, "%sivgen-alg=", prefix);
    vstor_qemu_img_append_opt(buf, enc->ivgen_name);
    g_string_append_c(buf, ',');
    if (enc->ivgen_hash) {
        g_string_append_printf(buf, "%sivgen-hash-alg=", prefix);
        vstor_qemu_img_append_opt(buf, enc->ivgen_hash);
        g_string_append_c(buf, ',');
    }
}

/* The -o value in libvirt's order; NULL (no error) when there is nothing to say. */
static int
build_opts(const Plan *plan, const VstorVolTarget *target, char **ret_opts, GError **err)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    gboolean qcow2 = plan->format == VSTOR_VOL_FORMAT_QCOW2;
    gboolean compat_010 = g_strcmp0(target->compat, "0.10") == 0;

    if (plan->backing_path)
        g_string_append_printf(buf, "backing_fmt=%s,", format_name(plan->backing_format));
    if (target->encryption)
        append_encryption_opts(buf, plan, target->encryption);
    if (plan->preallocate)
        g_string_append(buf, plan->size_kib > plan->allocation_kib ? "preallocation=metadata,"
                                                                   : "preallocation=falloc,");
    if (target->nocow)
        g_string_append(buf, "nocow=on,");
    if (target->compat)
        g_string_append_printf(buf, "compat=%s,", target->compat);
    else if (qcow2)
        g_string_append(buf, "compat=0.10,"); /* what libvirt asks for when not told */
    if (target->cluster_size > 0)
        g_string_append_printf(buf, "cluster_size=%llu,", target->cluster_size);
    if (target->has_features && qcow2) {
        if (target->features & (1u << VSTOR_VOL_FEATURE_LAZY_REFCOUNTS)) {
            if (compat_010) {
                vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                                "lazy_refcounts not supported with compat level %s",
                                target->compat);
                return -1;
            }
            g_string_append(buf, "lazy_refcounts,");
        }
        if (target->features & (1u << VSTOR_VOL_FEATURE_EXTENDED_L2)) {
            if (compat_010) {
                vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                                "'extended_l2' not supported with compat level %s", target->compat);
                return -1;
            }
            g_string_append(buf, "extended_l2=on,");
        }
    }
    if (buf->len && buf->str[buf->len - 1] == ',')
        g_string_truncate(buf, buf->len - 1);
    *ret_opts = buf->len ? g_string_free(g_steal_pointer(&buf), FALSE) : NULL;
    return 0;
}

static void
add_secret_object(GPtrArray *args, const char *alias, const char *file)
{
    GString *obj = g_string_new(NULL);

    g_string_append_printf(obj, "secret,id=%s,file=", alias);
    vstor_qemu_img_append_opt(obj, file);
    g_ptr_array_add(args, g_strdup("--object"));
    g_ptr_array_add(args, g_string_free(obj, FALSE));
}

/* driver=FMT,file.filename=PATH[,[encrypt.]key-secret=ALIAS] for --image-opts. */
static char *
image_opts(VstorVolFormat format, const char *type, const char *path, const char *alias)
{
    GString *buf = g_string_new(NULL);

    g_string_append_printf(buf, "driver=%s,file.filename=", type);
    /* libvirt leaves a ',' in the path unescaped, which would end the file name early. */
    vstor_qemu_img_append_opt(buf, path);
    if (alias)
        g_string_append_printf(buf, ",%skey-secret=%s",
                               format == VSTOR_VOL_FORMAT_QCOW2 ? "encrypt." : "", alias);
    return g_string_free(buf, FALSE);
}

static gboolean
qemu_identifier(const char *name)
{
    if (!g_ascii_isalpha(name[0]))
        return FALSE;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p))
            return FALSE;
    return TRUE;
}

static int
make_alias(const VstorVolDef *def, char **ret_alias, GError **err)
{
    /* The id goes into qemu's "key=value,..." syntax, where ',' or '=' would end it. */
    if (!def->name || strpbrk(def->name, ",=")) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "volume name '%s' cannot name a qemu secret object",
                        def->name ? def->name : "");
        return -1;
    }
    if (qemu_identifier(def->name)) {
        *ret_alias = g_strdup_printf("%s_encrypt0", def->name);
    } else {
        /* qemu wants an identifier (a letter, then letters, digits, '-', '.', '_'); a name
         * that is not one (a volume being built under its hidden temporary name, "1disk")
         * gets one made from its digest, distinct per name. */
        g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, def->name, -1);

        *ret_alias = g_strdup_printf("vol%.16s_encrypt0", sum);
    }
    return 0;
}

/* A positional file name qemu-img would take for an option. */
static int
check_positional(const char *path, GError **err)
{
    if (path && path[0] == '-') {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "path '%s' would be read by qemu-img as an option", path);
        return -1;
    }
    return 0;
}

static int
add_secrets(const VstorQemuImgRequest *req, VstorQemuImgStep step, Plan *plan, GPtrArray *args,
            GError **err)
{
    const VstorEncryption *input_enc = req->input ? req->input->target.encryption : NULL;

    if (req->vol->target.encryption) {
        if (!req->secret_path) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "path to secret data file is required");
            return -1;
        }
        if (make_alias(req->vol, &plan->secret_alias, err) < 0)
            return -1;
        add_secret_object(args, plan->secret_alias, req->secret_path);
    }
    if (input_enc && step == VSTOR_QEMU_IMG_STEP_CONVERT) {
        if (!req->input_secret_path) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                            "path to inputvol secret data file is required");
            return -1;
        }
        if (make_alias(req->input, &plan->input_secret_alias, err) < 0)
            return -1;
        add_secret_object(args, plan->input_secret_alias, req->input_secret_path);
    }
    return 0;
}

GStrv
vstor_qemu_img_argv(const VstorQemuImgRequest *req, VstorQemuImgStep step, GError **err)
{
    g_auto(Plan) plan = {0};
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    const VstorVolDef *vol;
    const VstorEncryption *enc, *input_enc;

    g_return_val_if_fail(req != NULL && req->vol != NULL, NULL);
    vol = req->vol;
    enc = vol->target.encryption;
    input_enc = req->input ? req->input->target.encryption : NULL;

    if (check_flags(req->flags, err) < 0)
        return NULL;
    if (step != VSTOR_QEMU_IMG_STEP_SINGLE && !req->input) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "a two-step build needs an input volume");
        return NULL;
    }
    if (!vol->target.path) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "missing volume target path");
        return NULL;
    }
    if (enc &&
        (enc->format == VSTOR_ENCRYPTION_FORMAT_QCOW ||
         enc->format == VSTOR_ENCRYPTION_FORMAT_DEFAULT) &&
        (vol->target.format == VSTOR_VOL_FORMAT_QCOW ||
         vol->target.format == VSTOR_VOL_FORMAT_QCOW2)) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "creation of qcow2 encrypted image is not supported");
        return NULL;
    }
    if (input_enc && input_enc->format != VSTOR_ENCRYPTION_FORMAT_LUKS) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "encryption format of inputvol must be LUKS");
        return NULL;
    }
    if (plan_init(req, step, &plan, err) < 0)
        return NULL;
    if (check_positional(plan.path, err) < 0 || check_positional(plan.input_path, err) < 0)
        return NULL;

    /* A copy takes its backing store from the input, and so does the first of two steps. */
    if (plan.input_path || step == VSTOR_QEMU_IMG_STEP_CREATE)
        plan.backing_path = NULL;

    g_ptr_array_add(args, g_strdup(req->tool ? req->tool : "qemu-img"));
    if (plan.input_path && step == VSTOR_QEMU_IMG_STEP_SINGLE) {
        const char *head[] = {"convert", "-f", format_name(plan.input_format), "-O", plan.type};

        for (gsize i = 0; i < G_N_ELEMENTS(head); i++)
            g_ptr_array_add(args, g_strdup(head[i]));
    } else if (plan.input_path && step == VSTOR_QEMU_IMG_STEP_CONVERT) {
        const char *head[] = {"convert", "--image-opts", "-n", "--target-image-opts"};

        for (gsize i = 0; i < G_N_ELEMENTS(head); i++)
            g_ptr_array_add(args, g_strdup(head[i]));
    } else {
        g_ptr_array_add(args, g_strdup("create"));
        g_ptr_array_add(args, g_strdup("-f"));
        g_ptr_array_add(args, g_strdup(plan.type));
    }
    if (plan.backing_path) {
        g_ptr_array_add(args, g_strdup("-b"));
        g_ptr_array_add(args, g_strdup(plan.backing_path));
    }
    if (add_secrets(req, step, &plan, args, err) < 0)
        return NULL;

    if (step != VSTOR_QEMU_IMG_STEP_CONVERT) {
        g_autofree char *opts = NULL;

        if (build_opts(&plan, &vol->target, &opts, err) < 0)
            return NULL;
        if (opts) {
            g_ptr_array_add(args, g_strdup("-o"));
            g_ptr_array_add(args, g_steal_pointer(&opts));
        }
        if (plan.input_path)
            g_ptr_array_add(args, g_strdup(plan.input_path));
        g_ptr_array_add(args, g_strdup(plan.path));
        /* A size may be left out only when the backing store gives it. */
        if (!plan.input_path && (plan.size_kib || !plan.backing_path))
            g_ptr_array_add(args, g_strdup_printf("%lluK", plan.size_kib));
    } else {
        g_ptr_array_add(args, image_opts(plan.input_format, plan.input_type, plan.input_path,
                                         plan.input_secret_alias));
        g_ptr_array_add(args, image_opts(plan.format, plan.type, plan.path, plan.secret_alias));
    }
    g_ptr_array_add(args, NULL);
    return (GStrv)g_ptr_array_free(g_steal_pointer(&args), FALSE);
}

GPtrArray *
vstor_qemu_img_commands(const VstorQemuImgRequest *req, GError **err)
{
    g_autoptr(GPtrArray) cmds = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    VstorQemuImgStep single[] = {VSTOR_QEMU_IMG_STEP_SINGLE};
    VstorQemuImgStep two[] = {VSTOR_QEMU_IMG_STEP_CREATE, VSTOR_QEMU_IMG_STEP_CONVERT};
    gboolean both = vstor_qemu_img_two_steps(req);
    const VstorQemuImgStep *steps = both ? two : single;
    gsize n = both ? G_N_ELEMENTS(two) : G_N_ELEMENTS(single);

    for (gsize i = 0; i < n; i++) {
        GStrv argv = vstor_qemu_img_argv(req, steps[i], err);

        if (!argv)
            return NULL;
        g_ptr_array_add(cmds, argv);
    }
    return g_steal_pointer(&cmds);
}

/* Shell quoting as libvirt's tests print it: plain when no metacharacter is present,
 * otherwise single quotes with ' written as '\''. */
static void
append_shell_quoted(GString *out, const char *arg)
{
    if (!*arg) {
        g_string_append(out, "''");
        return;
    }
    if (!strpbrk(arg, "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")) {
        g_string_append(out, arg);
        return;
    }
    g_string_append_c(out, '\'');
    for (const char *p = arg; *p; p++) {
        if (*p == '\'')
            g_string_append(out, "'\\'");
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '\'');
}

char *
vstor_qemu_img_render(const char *const *argv)
{
    GString *out = g_string_new(NULL);
    gboolean had_option = FALSE;

    g_return_val_if_fail(argv != NULL && argv[0] != NULL, NULL);

    append_shell_quoted(out, argv[0]);
    for (gsize i = 1; argv[i]; i++) {
        gboolean brk = TRUE;

        g_string_append_c(out, ' ');
        /* An option's value stays on its line: no break before a non-option once options
         * have started, as long as another option is still to come (from the previous
         * argument on). */
        if (argv[i][0] != '-') {
            if (had_option)
                for (gsize j = i - 1; argv[j]; j++)
                    if (argv[j][0] == '-') {
                        brk = FALSE;
                        break;
                    }
        } else {
            had_option = TRUE;
        }
        if (brk)
            g_string_append(out, "\\\n");
        append_shell_quoted(out, argv[i]);
    }
    return g_string_free(out, FALSE);
}

GStrv
vstor_qemu_img_resize_argv(const char *tool, const VstorVolDef *vol, unsigned long long capacity,
                           const char *secret_path, GError **err)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    const VstorEncryption *enc;
    unsigned long long rounded;

    g_return_val_if_fail(vol != NULL, NULL);
    enc = vol->target.encryption;

    if (enc &&
        (enc->format == VSTOR_ENCRYPTION_FORMAT_QCOW ||
         enc->format == VSTOR_ENCRYPTION_FORMAT_DEFAULT) &&
        (vol->target.format == VSTOR_VOL_FORMAT_QCOW ||
         vol->target.format == VSTOR_VOL_FORMAT_QCOW2)) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "resize of qcow2 encrypted image is not supported");
        return NULL;
    }
    if (capacity > (unsigned long long)G_MAXINT64 - 511) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "capacity %llu is too large", capacity);
        return NULL;
    }
    if (!vol->target.path) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "missing volume target path");
        return NULL;
    }
    if (check_positional(vol->target.path, err) < 0)
        return NULL;
    /* qemu-img resize refuses sizes that are not a multiple of 512. */
    rounded = (capacity + 511) / 512 * 512;
    g_ptr_array_add(args, g_strdup(tool ? tool : "qemu-img"));
    g_ptr_array_add(args, g_strdup("resize"));
    if (rounded < vol->capacity)
        g_ptr_array_add(args, g_strdup("--shrink"));
    if (!enc) {
        g_ptr_array_add(args, g_strdup(vol->target.path));
    } else {
        gboolean qcow2 = vol->target.format == VSTOR_VOL_FORMAT_QCOW2;
        g_auto(Plan) plan = {0};
        GString *opts;

        plan.format = (VstorVolFormat)vol->target.format;
        plan.type = plan.format == VSTOR_VOL_FORMAT_RAW ? "luks" : format_name(plan.format);
        if (!plan.type) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "unknown storage vol type %d",
                            (int)plan.format);
            return NULL;
        }
        if (check_encryption(&plan, enc, err) < 0)
            return NULL;
        if (!secret_path) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "path to secret data file is required");
            return NULL;
        }
        if (make_alias(vol, &plan.secret_alias, err) < 0)
            return NULL;
        add_secret_object(args, plan.secret_alias, secret_path);
        /* libvirt's resize puts the secret before the file name, unlike convert's. */
        opts = g_string_new(NULL);
        g_string_append_printf(opts,
                               "driver=%s,%skey-secret=%s,file.filename=", qcow2 ? "qcow2" : "luks",
                               qcow2 ? "encrypt." : "", plan.secret_alias);
        vstor_qemu_img_append_opt(opts, vol->target.path);
        g_ptr_array_add(args, g_strdup("--image-opts"));
        g_ptr_array_add(args, g_string_free(opts, FALSE));
    }
    g_ptr_array_add(args, g_strdup_printf("%llu", rounded));
    g_ptr_array_add(args, NULL);
    return (GStrv)g_ptr_array_free(g_steal_pointer(&args), FALSE);
}

int
vstor_qemu_img_check_backing(const VstorVolDef *vol, const char *pool_dir, GError **err)
{
    g_autofree char *absolute = NULL;
    const char *path;

    g_return_val_if_fail(vol != NULL, -1);

    if (!vol->backing_store || !vol->backing_store->path)
        return 0;
    path = vol->backing_store->path;
    if (!g_path_is_absolute(path) && pool_dir)
        path = absolute = g_build_filename(pool_dir, path, NULL);
    if (access(path, R_OK) != 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "inaccessible backing store volume %s", vol->backing_store->path);
        return -1;
    }
    return 0;
}

double
vstor_qemu_img_progress_parse(const char *record)
{
    const char *p = record + strspn(record, " ");
    char *end = NULL;
    double percent;

    if (*p++ != '(')
        return -1;
    percent = g_ascii_strtod(p, &end);
    if (end == p || strncmp(end, "/100%)", 6) != 0 || end[6 + strspn(end + 6, " ")] != '\0' ||
        !(percent >= 0 && percent <= 100))
        return -1;
    return percent;
}

static void
progress_record(VstorQemuImgProgress *progress)
{
    double percent;

    progress->record[progress->record_len] = '\0';
    if ((percent = vstor_qemu_img_progress_parse(progress->record)) >= 0)
        vstor_job_advance_to(progress->job, &progress->reported, percent / 100.0);
}

void
vstor_qemu_img_progress_feed(const char *data, gsize len, gpointer user_data)
{
    VstorQemuImgProgress *progress = user_data;

    for (gsize i = 0; i < len; i++) {
        if (data[i] == '\r' || data[i] == '\n') {
            if (!progress->overlong)
                progress_record(progress);
            progress->record_len = 0;
            progress->overlong = FALSE;
        } else if (progress->record_len < sizeof(progress->record) - 1)
            progress->record[progress->record_len++] = data[i];
        else
            progress->overlong = TRUE; /* no record qemu-img prints: dropped whole */
    }
}

GStrv
vstor_qemu_img_convert_run_argv(const char *const *argv, gboolean direct, gboolean share)
{
    g_autoptr(GStrvBuilder) out = NULL;

    if (!argv[0] || !argv[1] || strcmp(argv[1], "convert") != 0)
        return NULL;
    out = g_strv_builder_new();
    g_strv_builder_add_many(out, argv[0], argv[1], "-p", "-t", direct ? "none" : "writeback", NULL);
    if (share)
        g_strv_builder_add(out, "-C");
    g_strv_builder_addv(out, (const char **)argv + 2);
    return g_strv_builder_end(out);
}
