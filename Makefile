# Thin wrapper over meson: every target installs what it needs first (quietly when nothing is missing).
# Targets: all (build), deps, run, check, fuzz, clean.  Meson does the real work.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all build deps deps-build deps-test run check check-unit check-asan check-integration fuzz clean

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

fuzz: deps-build
	@tools/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
