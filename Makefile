# paude: hand-written Makefile. `make`, `make check`, `make install`.
# Switches: DEVELOPER=1 (-Werror), SANITIZE=address,undefined, V=1 (show commands).

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/paude
# Where each shell looks for completions under PREFIX.
BASHCOMPDIR?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR?= $(PREFIX)/share/fish/vendor_completions.d
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config
VERSION    := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
DEPS       := libgit2 libssh2 json-c libcurl
CSTD       := -std=gnu17
WARN       := -Wall -Wextra -Wformat=2 -Wformat-security -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wwrite-strings \
              -Wvla -Wundef -Wcast-align -Wimplicit-fallthrough $(WARN_CC) \
              -Wno-missing-field-initializers -fno-common
# gcc's -Wjump-misses-init, where the compiler has it (clang warns it does not).
WARN_CC    := $(shell $(CC) -Werror -Wjump-misses-init -E -x c /dev/null >/dev/null 2>&1 && echo -Wjump-misses-init)
HARDEN     := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS     ?= -O2 -g
# pkg-config runs once per make, and only when needed (not for `make clean`):
# each of these variables replaces itself with its value the first time it is
# expanded. `make PKG_CONFIG=...` still chooses the program.
PKG_CFLAGS  = $(eval PKG_CFLAGS := $$(shell $$(PKG_CONFIG) --cflags $$(DEPS)))$(PKG_CFLAGS)
LIBS        = $(eval LIBS := $$(shell $$(PKG_CONFIG) --libs $$(DEPS)))$(LIBS)
TEST_LIBS   = $(eval TEST_LIBS := $$(shell $$(PKG_CONFIG) --libs cmocka))$(TEST_LIBS)
ALL_CFLAGS  = $(CSTD) -D_GNU_SOURCE -DPAUDE_VERSION='"$(VERSION)"' -DPAUDE_DOCDIR='"$(DOCDIR)"' \
              $(WARN) $(HARDEN) -Iinclude -Ilib $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDFLAGS)
# Only the unit tests and fuzz targets are told where the test data is.
TEST_CFLAGS = -DTEST_DATA_DIR='"$(CURDIR)/tests/unit/data"'

ifeq ($(DEVELOPER),1)
ALL_CFLAGS += -Werror
endif
ifdef SANITIZE
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=$(SANITIZE) -fno-omit-frame-pointer -O1
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

ifneq ($(V),1)
Q_CC = @echo "  CC      $@";
Q_LD = @echo "  LINK    $@";
Q_AR = @echo "  AR      $@";
Q    = @
endif

B := build

LIB_SRC    := $(sort $(wildcard lib/*/*.c))
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o)
PAUDE_SRC  := $(sort $(wildcard cmd/paude/*.c))
PAUDE_OBJ  := $(PAUDE_SRC:%.c=$(B)/%.o)
HELPER_SRC := $(sort $(wildcard cmd/git-remote-paude/*.c))
HELPER_OBJ := $(HELPER_SRC:%.c=$(B)/%.o)
# The model gateway: its own small program (it is also compiled inside the
# proxy image, from the same sources embedded under proxy/gateway/).
GATEWAY_SRC:= $(sort $(wildcard cmd/paude-gateway/*.c))
GATEWAY_OBJ:= $(GATEWAY_SRC:%.c=$(B)/%.o)
GATEWAY_DEPS := libmicrohttpd libcurl json-c libcrypto
GATEWAY_LIBS = $(eval GATEWAY_LIBS := $$(shell $$(PKG_CONFIG) --libs $$(GATEWAY_DEPS)) -lpthread)$(GATEWAY_LIBS)
LIBGATEWAY := $(B)/libpaude-gateway.a
UNIT_SRC   := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
UNIT_SUPPORT_SRC := $(filter-out $(UNIT_SRC),$(sort $(wildcard tests/unit/*.c)))
UNIT_SUPPORT_OBJ := $(UNIT_SUPPORT_SRC:%.c=$(B)/%.o)
FUZZ_SRC   := $(filter-out tests/fuzz/standalone.c,$(sort $(wildcard tests/fuzz/fuzz-*.c)))
FUZZ_REPLAY:= $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/replay-%)
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/lf-%)
LIBPAUDE   := $(B)/libpaude.a
# The CLI without main(), so unit tests can drive commands with a fake runner.
CLI_OBJ    := $(filter-out $(B)/cmd/paude/main.o,$(PAUDE_OBJ))
LIBCLI     := $(B)/libpaude-cli.a
# containers/*/* are compiled into libpaude (tools/embed-files.sh); the list
# file changes when a file is added or removed, so the table follows.
EMBED_FILES:= $(sort $(wildcard containers/*/*))
EMBED_GATEWAY := $(sort $(wildcard cmd/paude-gateway/*.[ch]))
EMBED_LIST := $(B)/gen/embedded-files.list
EMBED_OBJ  := $(B)/gen/embedded-files.o
$(shell mkdir -p $(B)/gen && echo '$(EMBED_FILES) $(EMBED_GATEWAY)' | cmp -s - $(EMBED_LIST) || echo '$(EMBED_FILES) $(EMBED_GATEWAY)' >$(EMBED_LIST))
# The installation path compiled in (help points at the installed docs):
# `make && make install PREFIX=~/.local` rebuilds what names it.
PATHS_FILE := $(B)/gen/paths
$(shell echo '$(DOCDIR)' | cmp -s - $(PATHS_FILE) || echo '$(DOCDIR)' >$(PATHS_FILE))

.PHONY: all check check-unit check-fuzz check-schema check-integration check-shell asan valgrind lint tidy \
        format format-check fuzz install uninstall clean bench
.DELETE_ON_ERROR:
# Keep object files of test binaries: they are intermediates of a pattern rule.
.SECONDARY:

all: bin/paude bin/git-remote-paude bin/paude-gateway

$(B)/%.o: %.c $(PATHS_FILE)
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%.o: tests/%.c $(PATHS_FILE)
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBPAUDE): $(LIB_OBJ) $(EMBED_OBJ)
	$(Q_AR)rm -f $@ && $(AR) rcs $@ $^

$(B)/gen/embedded-files.c: tools/embed-files.sh $(EMBED_FILES) $(EMBED_GATEWAY) $(EMBED_LIST)
	$(Q)tools/embed-files.sh containers $(EMBED_FILES) -- proxy/gateway $(EMBED_GATEWAY) >$@

$(EMBED_OBJ): $(B)/gen/embedded-files.c
	$(Q_CC)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCLI): $(CLI_OBJ)
	$(Q_AR)rm -f $@ && $(AR) rcs $@ $^

bin/paude: $(PAUDE_OBJ) $(LIBPAUDE)
	@mkdir -p bin
	$(Q_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(PAUDE_OBJ) $(LIBPAUDE) $(LIBS)

bin/git-remote-paude: $(HELPER_OBJ) $(LIBPAUDE)
	@mkdir -p bin
	$(Q_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(HELPER_OBJ) $(LIBPAUDE) $(LIBS)

$(LIBGATEWAY): $(filter-out $(B)/cmd/paude-gateway/main.o,$(GATEWAY_OBJ))
	$(Q_AR)rm -f $@ && $(AR) rcs $@ $^

bin/paude-gateway: $(B)/cmd/paude-gateway/main.o $(LIBGATEWAY)
	@mkdir -p bin
	$(Q_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(GATEWAY_LIBS)

$(B)/tests/test-%: $(B)/tests/unit/test-%.o $(UNIT_SUPPORT_OBJ) $(LIBCLI) $(LIBPAUDE) $(LIBGATEWAY)
	@mkdir -p $(dir $@)
	$(Q_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(UNIT_SUPPORT_OBJ) $(LIBCLI) $(LIBPAUDE) $(LIBGATEWAY) $(LIBS) $(GATEWAY_LIBS) $(TEST_LIBS)

# Fuzz targets: replayed over their corpus with any compiler; libFuzzer with clang.
FUZZ_HDR   := $(wildcard tests/fuzz/*.h)
$(B)/fuzz/replay-%: tests/fuzz/%.c tests/fuzz/standalone.c $(FUZZ_HDR) $(LIBPAUDE) $(LIBGATEWAY)
	@mkdir -p $(dir $@)
	$(Q_LD)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/standalone.c $(LIBPAUDE) $(LIBGATEWAY) $(LIBS) $(GATEWAY_LIBS)

check-unit: $(UNIT_BIN)
	$(Q)tests/run-unit.sh $(UNIT_BIN)

check-fuzz: $(FUZZ_REPLAY)
	$(Q)set -e; for f in $(FUZZ_REPLAY); do \
		n=$${f##*/replay-}; echo "  FUZZ    $$n (corpus replay)"; \
		$$f tests/fuzz/corpus/$$n; done

check-integration: all
	$(Q)tests/integration/run.sh

# Cluster objects against the official Kubernetes OpenAPI schemas (offline,
# npm kubernetes-models): those the unit tests generate, and the --dry-run
# output of the real binary.
SCHEMA_DIR := $(B)/schema
check-schema: $(B)/tests/test-backend-kube bin/paude
	$(Q)rm -rf $(SCHEMA_DIR)/manifests $(SCHEMA_DIR)/ws && mkdir -p $(SCHEMA_DIR)/manifests $(SCHEMA_DIR)/ws/demo
	$(Q)cp tests/schema/package.json tests/schema/package-lock.json tests/schema/validate.mjs $(SCHEMA_DIR)/
	$(Q)cd $(SCHEMA_DIR) && (cmp -s package-lock.json node_modules/.paude-lock 2>/dev/null || \
		(npm ci --no-audit --no-fund --loglevel=error >/dev/null && cp package-lock.json node_modules/.paude-lock))
	$(Q)PAUDE_TEST_MANIFEST_DIR=$(CURDIR)/$(SCHEMA_DIR)/manifests $(B)/tests/test-backend-kube >/dev/null
	$(Q)cd $(SCHEMA_DIR)/ws/demo && for a in "filtered --allowed-domains default" \
		"open --allowed-domains all --pvc-size 1Ti --storage-class gp3"; do \
		set -- $$a; n=$$1; shift; \
		HOME=$(CURDIR)/$(SCHEMA_DIR)/ws PAUDE_IMAGE=registry.example/agent:1 PAUDE_PROXY_IMAGE=registry.example/proxy:1 \
		$(CURDIR)/bin/paude -q create --backend openshift --dry-run "$$@" >$(CURDIR)/$(SCHEMA_DIR)/manifests/dry-run-$$n.json || exit 1; \
	done
	$(Q)node $(SCHEMA_DIR)/validate.mjs $(SCHEMA_DIR)/manifests/*.json

check: check-unit check-fuzz check-schema check-integration

asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(MAKE) B=build-asan SANITIZE=address,undefined check-unit check-fuzz

valgrind: $(UNIT_BIN)
	$(Q)set -e; for t in $(UNIT_BIN); do \
		valgrind -q --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite \
			--child-silent-after-fork=yes --suppressions=tests/valgrind.supp $$t >/dev/null || exit 1; echo "  VALGRIND $$t: ok"; done

fuzz:
	$(MAKE) B=build-fuzz CC=clang SANITIZE=address,undefined CFLAGS="-O1 -g -fsanitize=fuzzer-no-link" \
		$(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/fuzz/lf-%)

$(B)/fuzz/lf-%: tests/fuzz/%.c $(FUZZ_HDR) $(LIBPAUDE) $(LIBGATEWAY)
	@mkdir -p $(dir $@)
	$(Q_LD)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBPAUDE) $(LIBGATEWAY) $(LIBS) $(GATEWAY_LIBS)

TIDY_FLAGS = $(CSTD) -D_GNU_SOURCE -DPAUDE_VERSION='"$(VERSION)"' -DPAUDE_DOCDIR='"$(DOCDIR)"' \
             -Iinclude -Ilib $(PKG_CFLAGS)

# clang-tidy with .clang-tidy; every finding is an error.
tidy:
	clang-tidy --quiet --warnings-as-errors='*' $(LIB_SRC) $(PAUDE_SRC) $(HELPER_SRC) $(GATEWAY_SRC) -- $(TIDY_FLAGS)

# Allocation goes through include/paude/core/alloc.h (paude_xmalloc, paude_xstrdup,
# ...), which aborts when memory runs out: in lib/ and cmd/ no bare libc
# allocator and no hand-written abort() (lib/core/alloc.c holds the only ones;
# programmer errors use PAUDE_BUG). cmd/paude-gateway is left out: it is its
# own program, built without libpaude (also inside the proxy image).
LINT_ALLOC_SRC = $(filter-out lib/core/alloc.c,$(sort $(wildcard lib/*/*.[ch] \
                 cmd/paude/*.[ch] cmd/git-remote-paude/*.[ch])))
LINT_ALLOC_RE  = (^|[^_[:alnum:].>])(malloc|calloc|realloc|reallocarray|strdup|strndup|v?asprintf|abort)[[:space:]]*\(
# A variable with a cleanup attribute not initialised where it is declared
# (use its type's PAUDE_<TYPE>_INIT, or NULL / -1).
LINT_CLEANUP_RE = _cleanup_[[:alnum:]_]*(\([[:alnum:]_]+\))?[[:space:]]+[^=;(]*[[:alnum:]_];[[:space:]]*$$

# varFuncNullUB: paude_strvec_pushl(..., NULL) is declared with the sentinel
# attribute, and NULL is ((void *)0) on every platform we build on.
lint:
	$(Q)if grep -nE '$(LINT_ALLOC_RE)' $(LINT_ALLOC_SRC); then \
		echo "lint: allocate with include/paude/core/alloc.h (paude_xmalloc, paude_xstrdup, ...;" \
			"it aborts when memory runs out), not the libc allocators or abort()"; exit 1; fi
	$(Q)if grep -nE '$(LINT_CLEANUP_RE)' $(LINT_ALLOC_SRC); then \
		echo "lint: initialise cleanup variables where they are declared (PAUDE_<TYPE>_INIT)"; \
		exit 1; fi
	cppcheck --quiet --enable=warning,portability --error-exitcode=1 --inline-suppr \
		-D_GNU_SOURCE -Iinclude -Ilib --suppress=missingIncludeSystem \
		--suppress=varFuncNullUB lib cmd
	shellcheck -x $(wildcard tests/*.sh tests/integration/*.sh tests/integration/rootless/*.sh \
		.ci/run scripts/*.sh \
		containers/*/*.sh bench/*.sh tools/*.sh containers/paude/paude-* containers/custom/paude-* \
		containers/proxy/paude-proxy-*)
	tools/check-doc-paths.sh README.md docs/*.md
	tools/check-headers.sh

FORMAT_SRC = $(LIB_SRC) $(PAUDE_SRC) $(HELPER_SRC) $(GATEWAY_SRC) $(wildcard include/paude/*/*.h lib/*/*.h cmd/*/*.h) \
             $(wildcard tests/unit/*.[ch] tests/fuzz/*.c)

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

bench: all
	bench/list.sh
	bench/git-tunnel.sh
	bench/gateway.sh
	bench/ssh.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)
	install -m 0755 bin/paude bin/git-remote-paude $(DESTDIR)$(BINDIR)/
	for m in docs/*.1; do sed 's|@DOCDIR@|$(DOCDIR)|g' $$m >$(DESTDIR)$(MANDIR)/man1/$${m##*/} && \
		chmod 0644 $(DESTDIR)$(MANDIR)/man1/$${m##*/} || exit 1; done
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	bin/paude completion bash >$(DESTDIR)$(BASHCOMPDIR)/paude
	bin/paude completion zsh >$(DESTDIR)$(ZSHCOMPDIR)/_paude
	bin/paude completion fish >$(DESTDIR)$(FISHCOMPDIR)/paude.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/paude $(DESTDIR)$(BINDIR)/git-remote-paude
	rm -f $(DESTDIR)$(MANDIR)/man1/paude.1 $(DESTDIR)$(MANDIR)/man1/git-remote-paude.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/paude $(DESTDIR)$(ZSHCOMPDIR)/_paude $(DESTDIR)$(FISHCOMPDIR)/paude.fish
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-asan build-fuzz bin

-include $(shell find $(B) -name '*.d' 2>/dev/null)
