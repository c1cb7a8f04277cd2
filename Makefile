# Entry points. `make run` starts a server; `make test` runs every test (plain, then ASan+UBSan).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local
PORT       ?= 8999
DATA_DIR   ?= $(HOME)/.paddleflow/server

.PHONY: all deps build run test test-plain test-asan install bench crash-test fuzz soak valgrind clean format

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run.sh $(BUILD) $(PORT) $(DATA_DIR)

test: deps
	@scripts/test.sh

test-plain: deps
	@scripts/test.sh --plain

test-asan: deps
	@scripts/test.sh --asan

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX) $(if $(DESTDIR),,)

bench: build
	@scripts/deps.sh --bench
	@bench/run.sh $(BUILD)

# long runs, each behind its own command (docs/reliability.md, docs/benchmarks.md)
crash-test: build
	@/usr/bin/python3 tests/crash/crash_test.py --bin-dir $(BUILD)/bin

fuzz: deps
	@scripts/fuzz.sh $(or $(SECONDS),60)

soak: build
	@scripts/soak.sh $(BUILD)

valgrind: build
	@scripts/deps.sh --valgrind
	@scripts/valgrind.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')
