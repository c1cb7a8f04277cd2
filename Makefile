# Entry points. `make run` starts a server; `make test` runs every test (plain, then ASan+UBSan).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local
PORT       ?= 8999
DATA_DIR   ?= $(HOME)/.paddleflow/server

.PHONY: all deps build run test test-plain test-asan unit e2e install bench crash-test fuzz clean format

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

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')
