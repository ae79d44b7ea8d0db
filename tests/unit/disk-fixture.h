/* disk-fixture.h: what the disk backend tests share — the fixture (a driver on a scratch root
 * over an image or a loop device), helpers for pools and volumes, and error assertions. */
#pragma once

#include <string.h>

#include "storage/driver.h"
#include "testutil.h"
#include "util/command.h"
#include "util/error.h"

#define MIB (1024ULL * 1024)
#define POOL_UUID "6f1c52b6-3f0e-4d1a-9a5e-0c2d7f9e4b11"

typedef struct {
    char *tmp; /* scratch directory, symlinks resolved */
    char *root; /* driver state root */
    char *image; /* the backing file; in recorded tests also the pool's "device" */
    char *dev; /* the pool's device: the loop device, or the image */
    int loop_fd; /* keeps the loop device, which detaches itself when this closes */
    VstorCommandRunner *runner; /* recording runner, or NULL when commands run for real */
    VstorDriver *drv;
} Fixture;

/* Asserts that @call (which may use err_ as its GError **) fails with @code and a message
 * containing @fragment. */
#define ASSERT_FAILS(call, code, fragment)                                                         \
    do {                                                                                           \
        g_autoptr(GError) e_ = NULL;                                                               \
        GError **err_ = &e_;                                                                       \
        (void)err_;                                                                                \
        g_assert_cmpint((call), <, 0);                                                             \
        g_assert_error(e_, VSTOR_ERROR, (code));                                                   \
        if (!strstr(e_->message, (fragment)))                                                      \
            g_error("message '%s' lacks '%s'", e_->message, (fragment));                           \
    } while (0)

#define ASSERT_OK(call)                                                                            \
    do {                                                                                           \
        g_autoptr(GError) e_ = NULL;                                                               \
        GError **err_ = &e_;                                                                       \
        (void)err_;                                                                                \
        int rc_ = (call);                                                                          \
        g_assert_no_error(e_);                                                                     \
        g_assert_cmpint(rc_, ==, 0);                                                               \
    } while (0)

/* Runs a helper program of the test itself (losetup, parted on a scratch image); 0 when it
 * exits 0, with its stdout in @ret_out when given. */
int run(const char *const *argv, char **ret_out);
/* The disk pool "d1" (fixed uuid, so it can be redefined) on @dev with label @format. */
char *pool_xml(const char *dev, const char *format);
char *vol_xml(const char *name, unsigned long long bytes, const char *format);
/* (Re)defines "d1" on the fixture's device with label @format. */
void define_pool(Fixture *f, const char *format, VstorPoolId *ret_id);
/* Creates a volume and asserts it worked; try_create returns what the driver said. */
void create_vol(Fixture *f, const VstorPoolId *pool, const char *name, unsigned long long bytes,
                const char *format);
int try_create(Fixture *f, const VstorPoolId *pool, const char *name, unsigned long long bytes,
               const char *format, GError **err);
void lookup_vol(Fixture *f, const VstorPoolId *pool, const char *name, VstorVolId *ret_vol);
/* The volume names of @pool, sorted, joined with spaces. */
char *vol_names(Fixture *f, const VstorPoolId *pool);
/* Closes and reopens the driver on the same root, as a restart would. */
void reopen(Fixture *f);
void make_image(const char *path, unsigned long long size);

/* A 16 MiB image as the pool's device, a recording runner, and stand-in partition nodes. */
void recorded_setup(Fixture *f, gconstpointer data);
/* A 64 MiB image on a loop device (losetup -fP) that detaches itself when the fixture's
 * descriptor closes; skips the test unless root with losetup. With @data non-NULL the image
 * gets a gpt table with one partition first and is attached without partition scanning. */
void real_setup(Fixture *f, gconstpointer data);
/* Detaches the loop device (checking it is gone), checks the runner's queue is used up, and
 * removes the scratch directory. */
void teardown(Fixture *f, gconstpointer data);
