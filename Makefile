# Thin wrapper over meson: every target installs what it needs first (quietly when nothing is missing).
# Targets: all (build), deps, run, check, check-long, fuzz, bench, bench-scale, clean.  Meson does the real work.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all build deps deps-build deps-test run check check-unit check-asan check-integration fuzz bench bench-scale check-long clean

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
	@VSTOR_LOAD_SECONDS=60 /usr/bin/python3 -m pytest tests/integration/test_load.py -q -s

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
