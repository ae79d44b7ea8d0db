# Thin wrapper over meson: every target installs what it needs first (quietly when nothing is missing).
# Targets: all (build), deps, run, check, check-long, check-valgrind, fuzz, bench, bench-scale,
# clean.  Meson does the real work.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all build deps deps-build deps-test run check check-unit check-asan check-integration fuzz bench bench-scale check-long check-valgrind clean

all: build

deps-build:
	@tools/deps build

deps-test:
	@tools/deps test

deps: deps-build deps-test

$(BUILD)/build.ninja:
	@meson setup $(BUILD) --buildtype=debugoptimized >/dev/null

build: deps-build $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

run: build
	@tools/run-default

check: deps build
	@tools/check-all

# The long runs of the reliability tests (CI runs them shorter inside `make check`).
check-long: deps build
	@VSTOR_LOAD_SECONDS=60 VSTOR_CRASH_KILLS=500 /usr/bin/python3 -m pytest \
		tests/integration/test_load.py tests/integration/test_crash.py -q -s

# The integration tests that drive vstord, with every vstord under valgrind's memcheck
# (VSTOR_VALGRIND=1, suppressions in tests/valgrind.supp): an invalid access, a use of
# uninitialised memory or a definite leak fails the test with valgrind's report. The load tests
# run at their CI size; the kill test (test_crash.py) stays out: a killed daemon leaves no report.
# VSTOR_VALGRIND=all would put the vstor CLI under valgrind too (all tests: about 30 minutes).
VALGRIND_TESTS ?= test_daemon.py test_daemon_ops.py test_daemon_secrets.py \
	test_daemon_secret_events.py test_daemon_encryption.py test_daemon_load.py test_load.py \
	test_cli_remote.py test_cli_secret.py test_virsh_reference.py test_enospc.py \
	test_python_guide.py test_access_rules.py test_bad_input.py test_path_confinement.py \
	test_netfs_gluster.py::test_through_vstord
check-valgrind: deps build
	@tools/deps valgrind
	@cd tests/integration && VSTOR_VALGRIND=1 VSTOR_BUILD_DIR=$(CURDIR)/$(BUILD) \
		/usr/bin/python3 -m pytest -q -p no:cacheprovider --durations=5 $(VALGRIND_TESTS)

# The side-by-side benchmark against Debian's libvirtd (bench/bench.py; BENCH_ARGS=--quick for a
# smoke run), and the scaling run (bench/scale.py: 1k/10k/100k volumes, JSON and a PNG plot);
# both write their tables into docs/performance.md (bench/report.py).
bench: deps-build build
	@tools/deps bench
	@/usr/bin/python3 bench/bench.py $(BENCH_ARGS)
	@/usr/bin/python3 bench/report.py

bench-scale: deps-build build
	@tools/deps bench
	@cd bench && /usr/bin/python3 scale.py $(SCALE_ARGS)
	@/usr/bin/python3 bench/report.py

fuzz: deps-build
	@tools/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
