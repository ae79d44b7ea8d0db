/* blk_sources.c: source discovery by probing block devices with blkid, shared by the fs
 * backend (devices holding one mountable filesystem) and the disk backend (partition tables). */
#include "backends/blk_sources.h"

#include <string.h>

#include "util/error.h"

static int
add_device(VstorPoolSourceList *list, const char *device, VstorBlockSourceMatch match, GError **err)
{
    g_autoptr(VstorDeviceContent) found = vstor_device_probe(device, err);
    VstorPoolSource *src;
    int format = 0;

    if (!found)
        return -1;
    if (!match(found, &format))
        return 0;
    src = vstor_pool_source_list_add(list);
    vstor_pool_source_add_device(src, device);
    src->format = format;
    return 0;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every block device the kernel lists, in name order; those that cannot be opened (no medium,
 * no permission) are left out, as blkid does. */
static void
add_all_devices(VstorPoolSourceList *list, VstorBlockSourceMatch match)
{
    g_autoptr(GDir) dir = g_dir_open("/sys/class/block", 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *device = g_build_filename("/dev", (char *)names->pdata[i], NULL);

        if (g_file_test(device, G_FILE_TEST_EXISTS) && add_device(list, device, match, NULL) < 0)
            g_debug("find sources: cannot probe %s", device);
    }
}

char *
vstor_block_find_sources(VstorPoolType type, const char *spec, unsigned int flags,
                         VstorBlockSourceMatch match, GError **err)
{
    g_autoptr(VstorPoolSource) source = NULL;
    g_autoptr(VstorPoolSourceList) list = vstor_pool_source_list_new(type);

    if (flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, __func__);
        return NULL;
    }
    if (spec && !(source = vstor_pool_source_parse_string(spec, type, err)))
        return NULL;
    if (!source || source->n_devices == 0)
        add_all_devices(list, match);
    for (guint i = 0; source && i < source->n_devices; i++)
        if (add_device(list, source->devices[i].path, match, err) < 0)
            return NULL;
    return vstor_pool_source_list_format(list);
}
