# Lobby kiosk: build, test and run.  `make run` and `make check` install
# what is missing (as root, with apt-get) before they build.

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
OPT     ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wformat=2
SAN     ?=
ifeq ($(SAN),1)
OPT      = -O1 -g -fno-omit-frame-pointer
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all
endif
CPPFLAGS = -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -D_XOPEN_SOURCE_EXTENDED -Ikiosk
CFLAGS  += $(WARN) $(OPT) $(SANFLAGS) $(filter-out -D_XOPEN_SOURCE=% -D_DEFAULT_SOURCE,$(shell pkg-config --cflags ncursesw 2>/dev/null))
LDFLAGS += $(SANFLAGS) -Wl,--as-needed

# SQLite, libfyaml, libqrencode and zlib are not linked: the modules that
# use them open them at first use (kiosk/lazylib.h), so the welcome screen
# does not wait for them.  Their -dev packages are still build dependencies.
LIBS_KIOSK = $(shell pkg-config --libs ncursesw libsodium 2>/dev/null) -ldl
LIBS_SYNC  = $(shell pkg-config --libs libcurl libsodium 2>/dev/null) -ldl
LIBS_TEST  = $(shell pkg-config --libs ncursesw libqrencode sqlite3 libfyaml libsodium libcurl cmocka 2>/dev/null)
LIBS_TEST  += $(shell pkg-config --libs zlib 2>/dev/null) -ldl

# Debian packages: what the kiosk needs to build and run, and what the tests add.
DEPS_BUILD = gcc make pkg-config libncurses-dev libqrencode-dev libsqlite3-dev \
             libcurl4-openssl-dev libfyaml-dev libsodium-dev
# Read-aloud (espeak-ng, played through pcaudio) and the large console font
# (Terminus, read with zlib).
DEPS_BUILD += libespeak-ng-dev libpcaudio-dev zlib1g-dev console-setup-linux
DEPS_CHECK = $(DEPS_BUILD) libcmocka-dev tmux zbar-tools imagemagick openssl sqlite3 \
             python3 python3-jsonschema nodejs npm valgrind cppcheck dialog systemd kbd procps
# The fuzz targets: clang and its libFuzzer runtime (libclang_rt.fuzzer).
DEPS_CHECK += clang libclang-rt-dev
# What `make bench` adds: the alternatives it measures the kiosk against.
DEPS_BENCH = chromium curl dialog valgrind openssl strace

MAINS    = kiosk/main.c kiosk/sync_main.c
LIB_SRCS = $(filter-out $(MAINS),$(sort $(wildcard kiosk/*.c)))
LIB_OBJS = $(LIB_SRCS:kiosk/%.c=$(BUILD)/obj/%.o)
TESTS    = $(patsubst tests/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/test_*.c)))
SCRIPTS  = $(filter-out %/lib.sh,$(sort $(wildcard tests/it/*.sh tests/e2e/*.sh)))

.PHONY: all deps deps-check run check unit scripts bench install clean cppcheck fuzz fuzz-build
all: $(BUILD)/kiosk $(BUILD)/kiosk-sync

$(BUILD)/obj/%.o: kiosk/%.c $(wildcard kiosk/*.h) | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libkiosk.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/kiosk: $(BUILD)/obj/main.o $(BUILD)/libkiosk.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_KIOSK)

$(BUILD)/kiosk-sync: $(BUILD)/obj/sync_main.o $(BUILD)/libkiosk.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_SYNC)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libkiosk.a $(wildcard kiosk/*.h) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libkiosk.a $(LDFLAGS) $(LIBS_TEST)

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

deps:
	@sh tests/tools/deps.sh $(DEPS_BUILD)

deps-check:
	@sh tests/tools/deps.sh $(DEPS_CHECK)

# The build runs in a new make so that pkg-config sees the packages that
# `deps` has just installed on a fresh machine.
run: deps
	@$(MAKE) --no-print-directory all
	@install -d -m 0700 var
	@[ -e var/kiosk.db ] || $(BUILD)/kiosk init --config kiosk.conf
	$(BUILD)/kiosk --config kiosk.conf

# Unit tests run in a separate sanitized tree; the scripted tests (content
# fixtures, crash, sync, tmux) drive the real binaries of the normal build.
check: deps-check
	sh tests/tools/fhir-deps.sh
	$(MAKE) all
	$(MAKE) cppcheck
	$(MAKE) BUILD=$(BUILD)/san SAN=1 unit
	$(MAKE) scripts
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS)

unit: $(TESTS)
	@sh tests/tools/run-unit.sh $(TESTS)

scripts: all
	@BUILD=$(abspath $(BUILD)) bash tests/tools/run-scripts.sh $(SCRIPTS)

# Fuzz targets: every tests/fuzz/fuzz_*.c is a libFuzzer harness, built
# with clang and ASan+UBSan against the library built the same way, into
# $(BUILD)/fuzz/.  `make fuzz` runs each for FUZZ_SECONDS from its seed
# corpus tests/fuzz/corpus/<target>/ (new inputs go to
# $(BUILD)/fuzz/corpus/<target>/); `make check` runs each for
# FUZZ_CHECK_SECONDS.  A crash, leak, hang (-timeout) or failed property
# fails the run and leaves the input in $(BUILD)/fuzz/.
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 300
FUZZ_CHECK_SECONDS ?= 20
FUZZ_FLAGS = -std=c11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer \
             -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SRCS  = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  = $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_OBJS  = $(LIB_SRCS:kiosk/%.c=$(BUILD)/fuzz/obj/%.o)

$(BUILD)/fuzz/obj/%.o: kiosk/%.c $(wildcard kiosk/*.h) | $(BUILD)/fuzz/obj
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/libkiosk.a: $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libkiosk.a $(wildcard kiosk/*.h)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/fuzz/libkiosk.a $(LIBS_TEST)

$(BUILD)/fuzz/obj:
	mkdir -p $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@sh tests/tools/fuzz-run.sh $(abspath $(BUILD)/fuzz) $(FUZZ_SECONDS) $(FUZZ_BINS)

cppcheck:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
	  --inline-suppr -Ikiosk --suppress=missingIncludeSystem kiosk/

bench: deps-check
	@sh tests/tools/deps.sh $(DEPS_BENCH)
	@$(MAKE) --no-print-directory all
	@BUILD=$(abspath $(BUILD)) sh bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kiosk
	install -m 0755 $(BUILD)/kiosk $(BUILD)/kiosk-sync $(DESTDIR)$(PREFIX)/bin/
	cp -R screens $(DESTDIR)$(PREFIX)/share/kiosk/
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/share/doc/kiosk
	for u in deploy/*.service; do sed 's|/usr/local|$(PREFIX)|g' $$u \
	  >$(DESTDIR)$(PREFIX)/lib/systemd/system/$${u##*/} || exit 1; done
	install -m 0644 deploy/DEPLOY.md $(DESTDIR)$(PREFIX)/share/doc/kiosk/
	cp -R deploy/etc deploy/novt.map $(DESTDIR)$(PREFIX)/share/kiosk/

clean:
	rm -rf $(BUILD)
