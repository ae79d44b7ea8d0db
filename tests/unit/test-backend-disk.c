/* test-backend-disk.c: the disk backend through the driver with a recording runner — the exact
 * parted and partx sequences of build, create and delete, on parted output recorded from disks. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk-fixture.h"

/* ---- recorded: the exact command sequences ---- */

static char *
fixture(const char *name)
{
    g_autofree char *path =
        g_build_filename(test_source_root(), "tests", "data", "disk", name, NULL);

    return test_read_file(path);
}

/* Queues "parted print free" on the pool's device answering with @layout. */
static void
expect_print(Fixture *f, const char *layout)
{
    g_autofree char *cmd = g_strdup_printf("LC_ALL=C parted -s %s unit B print free", f->dev);

    vstor_runner_expect(f->runner, cmd, 0, layout);
}

static void
expect_geometry(Fixture *f, const char *geometry)
{
    g_autofree char *cmd = g_strdup_printf("LC_ALL=C parted -s -m %s unit chs print", f->dev);

    vstor_runner_expect(f->runner, cmd, 0, geometry);
}

/* Queues "parted DEV ARGS" then the kernel sync that follows every table change. */
static void
expect_change(Fixture *f, const char *args)
{
    g_autofree char *cmd = g_strdup_printf("parted %s %s", f->dev, args);
    g_autofree char *sync = g_strdup_printf("partx --update %s", f->dev);

    vstor_runner_expect(f->runner, cmd, 0, NULL);
    vstor_runner_expect(f->runner, sync, 1, NULL); /* partx fails on files: ignored */
}

/* The commands run since the last call, one per line, DEV standing for the pool's device. */
static char *
take_log(Fixture *f)
{
    g_autofree char *log = vstor_runner_take_log(f->runner);
    g_auto(GStrv) lines = g_strsplit(log, " \\\n", -1);
    g_autofree char *joined = g_strjoinv(" ", lines);
    g_auto(GStrv) parts = g_strsplit(joined, f->dev, -1);

    return g_strjoinv("DEV", parts);
}

static void
label_image(Fixture *f, const char *label)
{
    if (run((const char *[]){"parted", "-s", f->image, "mklabel", label, NULL}, NULL) < 0)
        g_error("parted could not label %s (is parted installed?)", f->image);
}

static void
test_recorded_build(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_autofree char *log = NULL;

    define_pool(f, "gpt", &id);
    expect_change(f, "mklabel --script gpt");
    ASSERT_OK(vstor_driver_pool_build(f->drv, &id, 0, err_));
    log = take_log(f);
    g_assert_cmpstr(log, ==, "parted DEV mklabel --script gpt\npartx --update DEV\n");

    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_REPAIR, err_),
                 VSTOR_ERR_INVALID_ARG, "unsupported flags (0x1)");
    ASSERT_FAILS(vstor_driver_pool_build(
                     f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE | VSTOR_POOL_BUILD_NO_OVERWRITE, err_),
                 VSTOR_ERR_INVALID_ARG, "mutually exclusive");

    /* dos and an unnamed label are both written as parted's msdos */
    define_pool(f, "dos", &id);
    expect_change(f, "mklabel --script msdos");
    ASSERT_OK(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE, err_));
    define_pool(f, "unknown", &id);
    expect_change(f, "mklabel --script msdos");
    ASSERT_OK(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_NO_OVERWRITE, err_));
    /* lvm2 is no partition table: refused before anything is erased or run */
    define_pool(f, "lvm2", &id);
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE, err_),
                 VSTOR_ERR_OPERATION_UNSUPPORTED, "lvm2 is not a partition table");
    g_free(log);
    log = take_log(f);
    g_assert_cmpstr(log, ==,
                    "parted DEV mklabel --script msdos\npartx --update DEV\n"
                    "parted DEV mklabel --script msdos\npartx --update DEV\n");

    /* an existing label is named and kept unless asked to overwrite; blkid decides, no command */
    label_image(f, "gpt");
    define_pool(f, "gpt", &id);
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, 0, err_), VSTOR_ERR_STORAGE_POOL_BUILT,
                 "already formatted using 'gpt'");
    define_pool(f, "dos", &id);
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_NO_OVERWRITE, err_),
                 VSTOR_ERR_STORAGE_POOL_BUILT,
                 "does not match the expected format 'dos', forced overwrite is necessary (found "
                 "partition table 'gpt')");
    ASSERT_FAILS(vstor_driver_pool_start(f->drv, &id, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "(found partition table 'gpt')");
    g_free(log);
    log = take_log(f);
    g_assert_cmpstr(log, ==, "");
}

/* parted's read-outs of a 16 MiB gpt disk after "mkpart primary 17408B 8406015B" (recorded). */
static const char gpt_one_part[] =
    "Model: Loopback device (loopback)\n"
    "Disk /dev/loop0: 16777216B\n"
    "Sector size (logical/physical): 512B/512B\n"
    "Partition Table: gpt\n"
    "Disk Flags: \n\n"
    "Number  Start     End        Size      File system  Name     Flags\n"
    " 1      17408B    8406015B   8388608B               primary\n"
    "        8406016B  16760319B  8354304B  Free Space\n\n";

static void
test_recorded_gpt(Fixture *f, gconstpointer data)
{
    g_autofree char *empty = fixture("gpt-empty.print-free.out");
    g_autofree char *geometry = fixture("gpt-empty.geometry.out");
    g_autofree char *vxml = NULL;
    g_autofree char *pxml = NULL;
    g_autofree char *log = NULL;
    g_autofree char *node1 = g_strdup_printf("%s1", f->dev);
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    VstorVolInfo info;
    VstorPoolInfo pinfo;

    label_image(f, "gpt");
    define_pool(f, "gpt", &id);
    expect_print(f, empty);
    ASSERT_OK(vstor_driver_pool_start(f->drv, &id, 0, err_));
    g_free(vol_names(f, &id));

    /* 8 MiB at the start of the only free extent, end inclusive; no cylinder rounding on gpt */
    expect_print(f, empty);
    expect_geometry(f, geometry);
    expect_change(f, "mkpart --script primary 17408B 8406015B");
    expect_print(f, gpt_one_part);
    create_vol(f, &id, "vdisk1", 8 * MIB, "linux");
    lookup_vol(f, &id, "vdisk1", &vol);
    g_assert_cmpstr(vol.key, ==, node1);
    ASSERT_OK(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_));
    g_assert_cmpint(info.type, ==, VSTOR_VOL_BLOCK);
    g_assert_cmpuint(info.capacity, ==, 8 * MIB);
    vxml = vstor_driver_vol_get_xml(f->drv, &vol, 0, NULL);
    g_assert_nonnull(strstr(vxml, "<extent start='17408' end='8406016'/>"));
    g_assert_nonnull(strstr(vxml, "<format type='linux'/>"));
    log = take_log(f);
    g_assert_cmpstr(log, ==,
                    "LC_ALL=C parted -s DEV unit B print free\n"
                    "LC_ALL=C parted -s DEV unit B print free\n"
                    "LC_ALL=C parted -s -m DEV unit chs print\n"
                    "parted DEV mkpart --script primary 17408B 8406015B\n"
                    "partx --update DEV\n"
                    "LC_ALL=C parted -s DEV unit B print free\n");

    /* a name parted would not give is refused before the disk is touched */
    expect_print(f, gpt_one_part);
    ASSERT_FAILS(try_create(f, &id, "vdisk7", MIB, "linux", err_), VSTOR_ERR_INVALID_ARG,
                 "invalid partition name 'vdisk7', expected 'vdisk2'");
    expect_print(f, gpt_one_part);
    ASSERT_FAILS(try_create(f, &id, "vdisk2", MIB, "extended", err_), VSTOR_ERR_CONFIG_UNSUPPORTED,
                 "only in dos partition tables");
    expect_print(f, gpt_one_part);
    expect_geometry(f, geometry);
    ASSERT_FAILS(try_create(f, &id, "vdisk2", 9 * MIB, "linux", err_), VSTOR_ERR_INTERNAL_ERROR,
                 "no large enough free extent");
    g_free(log);
    log = take_log(f);
    g_assert_cmpstr(log, ==,
                    "LC_ALL=C parted -s DEV unit B print free\n"
                    "LC_ALL=C parted -s DEV unit B print free\n"
                    "LC_ALL=C parted -s DEV unit B print free\n"
                    "LC_ALL=C parted -s -m DEV unit chs print\n");

    /* pool figures and free extents come from a fresh read-out */
    expect_print(f, gpt_one_part);
    pxml = vstor_driver_pool_get_xml(f->drv, &id, 0, NULL);
    g_assert_nonnull(strstr(pxml, "<freeExtent start='8406016' end='16760320'/>"));
    expect_print(f, gpt_one_part);
    ASSERT_OK(vstor_driver_pool_get_info(f->drv, &id, &pinfo, err_));
    g_assert_cmpuint(pinfo.capacity, ==, 16760320);
    g_assert_cmpuint(pinfo.allocation, ==, 8 * MIB);
    g_assert_cmpuint(pinfo.available, ==, 8354304);

    /* delete: the partition is found in the table first, then removed */
    lookup_vol(f, &id, "vdisk1", &vol);
    expect_print(f, gpt_one_part);
    expect_change(f, "rm --script 1");
    expect_print(f, empty); /* the pool refresh after a deletion */
    ASSERT_FAILS(vstor_driver_vol_delete(f->drv, &vol, VSTOR_VOL_DELETE_ZEROED, err_),
                 VSTOR_ERR_INVALID_ARG, "unsupported flags (0x1)");
    ASSERT_OK(vstor_driver_vol_delete(f->drv, &vol, 0, err_));
    ASSERT_FAILS(vstor_driver_vol_lookup_by_name(f->drv, &id, "vdisk1", &vol, err_),
                 VSTOR_ERR_NO_STORAGE_VOL, "vdisk1");
    g_free(log);
    log = take_log(f);
    g_assert_true(g_str_has_suffix(log, "LC_ALL=C parted -s DEV unit B print free\n"
                                        "parted DEV rm --script 1\npartx --update DEV\n"
                                        "LC_ALL=C parted -s DEV unit B print free\n"));
}

/* Partition names follow the resolved device (as libvirt's parthelper): a pool named through a
 * symlink to "nvme0n1" lists "nvme0n1p1", a "p" separating the digits. */
static void
test_recorded_naming(Fixture *f, gconstpointer data)
{
    g_autofree char *disk = g_build_filename(f->tmp, "nvme0n1", NULL);
    g_autofree char *node = g_strdup_printf("%sp1", disk);
    g_autofree char *byid = g_build_filename(f->tmp, "by-id", NULL);
    g_autofree char *names = NULL;
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};

    g_assert_cmpint(rename(f->image, disk), ==, 0);
    g_free(f->image);
    f->image = g_strdup(disk);
    make_image(node, 0);
    label_image(f, "gpt");
    g_assert_cmpint(mkdir(byid, 0700), ==, 0);
    g_free(f->dev);
    f->dev = g_build_filename(byid, "wwn-0x5000", NULL);
    g_assert_cmpint(symlink("../nvme0n1", f->dev), ==, 0);

    define_pool(f, "gpt", &id);
    expect_print(f, gpt_one_part);
    ASSERT_OK(vstor_driver_pool_start(f->drv, &id, 0, err_));
    names = vol_names(f, &id);
    g_assert_cmpstr(names, ==, "nvme0n1p1");
    lookup_vol(f, &id, "nvme0n1p1", &vol);
    g_assert_cmpstr(vol.key, ==, node);
    /* the volume's partition number is read back from its node for parted rm */
    expect_print(f, gpt_one_part);
    expect_change(f, "rm --script 1");
    ASSERT_OK(vstor_driver_vol_delete(f->drv, &vol, 0, err_));
}

/* msdos-placed after "mkpart --script logical ext2 29507072B 30812159B" (recorded). */
static const char dos_placed_plus[] =
    "Model: Loopback device (loopback)\n"
    "Disk /dev/loop0: 67108864B\n"
    "Sector size (logical/physical): 512B/512B\n"
    "Partition Table: msdos\n"
    "Disk Flags: \n\n"
    "Number  Start      End        Size       Type      File system  Flags\n"
    "        1024B      1048575B   1047552B             Free Space\n"
    " 1      1048576B   9437183B   8388608B   primary\n"
    " 2      9437184B   17825791B  8388608B   primary                swap\n"
    " 3      17825792B  62914559B  45088768B  extended               lba\n"
    "        17826816B  18800639B  973824B              Free Space\n"
    " 5      18874368B  27262975B  8388608B   logical\n"
    " 7      27263488B  29506559B  2243072B   logical\n"
    " 8      29507072B  30812159B  1305088B   logical\n"
    "        30812160B  31334399B  522240B              Free Space\n"
    " 6      31457280B  39845887B  8388608B   logical                lba\n"
    "        39845888B  62914559B  23068672B            Free Space\n"
    " 4      62914560B  63974399B  1059840B   primary\n"
    "        63974400B  67108863B  3134464B             Free Space\n\n";

/* msdos-empty after "mkpart --script primary linux-swap 1024B 4439039B" (recorded). */
static const char dos_swap[] =
    "Model: Loopback device (loopback)\n"
    "Disk /dev/loop0: 16777216B\n"
    "Sector size (logical/physical): 512B/512B\n"
    "Partition Table: msdos\n"
    "Disk Flags: \n\n"
    "Number  Start     End        Size       Type     File system  Flags\n"
    " 1      1024B     4439039B   4438016B   primary               swap\n"
    "        4439040B  16777215B  12338176B           Free Space\n\n";

static void
test_recorded_dos(Fixture *f, gconstpointer data)
{
    g_autofree char *placed = fixture("msdos-placed.print-free.out");
    g_autofree char *placed_geo = fixture("msdos-placed.geometry.out");
    g_autofree char *full = fixture("msdos-full.print-free.out");
    g_autofree char *empty = fixture("msdos-empty.print-free.out");
    g_autofree char *empty_geo = fixture("msdos-empty.geometry.out");
    g_autofree char *names = NULL;
    g_autofree char *log = NULL;
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    VstorVolInfo info;
    VstorPoolInfo pinfo;

    label_image(f, "msdos");
    define_pool(f, "dos", &id);
    expect_print(f, placed);
    ASSERT_OK(vstor_driver_pool_start(f->drv, &id, 0, err_));
    names = vol_names(f, &id);
    g_assert_cmpstr(names, ==, "vdisk1 vdisk2 vdisk3 vdisk4 vdisk5 vdisk6 vdisk7");
    /* the extended partition's use is its logical partitions', read from the table */
    lookup_vol(f, &id, "vdisk3", &vol);
    expect_print(f, placed);
    ASSERT_OK(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_));
    g_assert_cmpuint(info.capacity, ==, 45088768);
    g_assert_cmpuint(info.allocation, ==, 8388608 + 2243072 + 8388608);
    expect_print(f, placed);
    ASSERT_OK(vstor_driver_pool_get_info(f->drv, &id, &pinfo, err_));
    g_assert_cmpuint(pinfo.allocation, ==, 2 * 8388608 + 1059840 + 8388608 + 2243072 + 8388608);
    g_assert_cmpuint(pinfo.capacity, ==, 64 * MIB);

    /* four slots taken: a logical partition, in the smallest logical gap that fits once rounded
     * to cylinders (255 x 2 x 512 B), one sector in for its EBR; parted numbers it 8 */
    expect_print(f, placed);
    expect_geometry(f, placed_geo);
    expect_change(f, "mkpart --script logical ext2 29507072B 30812159B");
    expect_print(f, dos_placed_plus);
    create_vol(f, &id, "vdisk8", MIB, "linux");
    lookup_vol(f, &id, "vdisk8", &vol);
    ASSERT_OK(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_));
    g_assert_cmpuint(info.capacity, ==, 1305088);

    expect_print(f, dos_placed_plus);
    ASSERT_FAILS(try_create(f, &id, "vdisk9", MIB, "extended", err_), VSTOR_ERR_INTERNAL_ERROR,
                 "extended partition already exists");
    lookup_vol(f, &id, "vdisk3", &vol);
    expect_print(f, dos_placed_plus);
    ASSERT_FAILS(vstor_driver_vol_delete(f->drv, &vol, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "extended partition 'vdisk3' still holds logical partitions");
    expect_print(f, dos_placed_plus); /* the driver re-reads the volume after the attempt */
    ASSERT_FAILS(vstor_driver_vol_wipe(f->drv, &vol, 0, 0, err_), VSTOR_ERR_NO_SUPPORT,
                 "cannot wipe extended partition");
    g_free(log);
    log = take_log(f);
    g_assert_nonnull(strstr(log, "parted DEV mkpart --script logical ext2 29507072B 30812159B\n"
                                 "partx --update DEV\n"));
    g_assert_null(strstr(log, "rm --script"));

    /* four primaries and no extended partition: nothing more fits */
    ASSERT_OK(vstor_driver_pool_destroy(f->drv, &id, err_));
    expect_print(f, full);
    ASSERT_OK(vstor_driver_pool_start(f->drv, &id, 0, err_));
    expect_print(f, full);
    ASSERT_FAILS(try_create(f, &id, "vdisk5", MIB, "linux", err_), VSTOR_ERR_INTERNAL_ERROR,
                 "no extended partition found and no primary partition available");

    /* a primary swap partition on an empty table, its end rounded up to a cylinder */
    ASSERT_OK(vstor_driver_pool_destroy(f->drv, &id, err_));
    expect_print(f, empty);
    ASSERT_OK(vstor_driver_pool_start(f->drv, &id, 0, err_));
    expect_print(f, empty);
    expect_geometry(f, empty_geo);
    expect_change(f, "mkpart --script primary linux-swap 1024B 4439039B");
    expect_print(f, dos_swap);
    create_vol(f, &id, "vdisk1", 4 * MIB, "linux-swap");
    lookup_vol(f, &id, "vdisk1", &vol);
    ASSERT_OK(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_));
    g_assert_cmpuint(info.capacity, ==, 4438016);
    g_assert_cmpuint(4439040 % (255 * 2 * 512), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, recorded_setup, fn, teardown)
    ADD("/backend-disk/recorded/build", test_recorded_build);
    ADD("/backend-disk/recorded/gpt", test_recorded_gpt);
    ADD("/backend-disk/recorded/dos", test_recorded_dos);
    ADD("/backend-disk/recorded/naming", test_recorded_naming);
    return g_test_run();
}
