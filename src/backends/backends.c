/* backends.c: which backend serves which pool type. Types without an entry have none in
 * vstor yet; the driver reports that as VSTOR_ERR_NO_SUPPORT. */
#include "backends/backend.h"

const VstorBackend *
vstor_backend_for_type(VstorPoolType type)
{
    switch (type) {
    case VSTOR_POOL_DIR: return &vstor_backend_dir;
    case VSTOR_POOL_DISK: return &vstor_backend_disk;
    case VSTOR_POOL_FS: return &vstor_backend_fs;
    case VSTOR_POOL_NETFS: return &vstor_backend_netfs;
    default: return NULL;
    }
}
