# The two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
CARGO ?= cargo

# Build: a C compiler for ring and the bundled SQLite.
SYSTEM_PACKAGES := gcc libc6-dev

DEMO_DATA := target/demo-data

.PHONY: demo test system-packages bench lint

system-packages:
	@scripts/install-system-packages.sh $(SYSTEM_PACKAGES)

demo: system-packages
	@$(CARGO) build --quiet -p tingshuo-desktop --bin tingshuo
	@./target/debug/tingshuo --data-dir $(DEMO_DATA) demo --speech

lint: system-packages
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test: lint
	$(CARGO) test --workspace --locked

bench: system-packages
	$(CARGO) bench -p tingshuo-tests
