/* blk_sources.h: find-storage-pool-sources for pools made of block devices (fs, disk): what
 * blkid sees on the devices named in the hint, or on every block device when none is named. */
#pragma once

#include "backends/fs_cmd.h"
#include "conf/pool_source.h"

/* Decides whether a device with @found content is a source of the pool type, and with which
 * source format (an index into the type's source format table). */
typedef gboolean (*VstorBlockSourceMatch)(const VstorDeviceContent *found, int *ret_format);

/* The <sources> document for pool type @type: each device of the <source> hint @spec (may be
 * NULL: every block device the kernel lists) that @match accepts. Fails with
 * VSTOR_ERR_INVALID_ARG on flags, the hint's parse errors, or VSTOR_ERR_STORAGE_PROBE_FAILED
 * when a named device cannot be probed. */
char *vstor_block_find_sources(VstorPoolType type, const char *spec, unsigned int flags,
                               VstorBlockSourceMatch match, GError **err);
