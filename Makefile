# agrec - GNU make.  Targets: all check check-san install uninstall clean bench fuzz.
# Variables: PREFIX DESTDIR BINDIR MANDIR DATADIR COMPDIR EXAMPLEDIR CC CFLAGS LDFLAGS SAN=1 (ASan+UBSan).

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/agrec
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
EXAMPLEDIR ?= $(PREFIX)/share/doc/agrec/examples
CC      ?= cc
CFLAGS  ?= -O2 -g
PKG_CONFIG ?= pkg-config

VERSION := 0.1.0
B := build$(if $(filter 1,$(SAN)),-san)

JANSSON_CFLAGS  := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS    := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
# WebRTC: DTLS and certificates (OpenSSL), SRTP (libsrtp2), the WHIP
# endpoint's HTTP (libmicrohttpd).
WEB_PKGS        := libssl libcrypto libsrtp2 libmicrohttpd
WEB_CFLAGS      := $(shell $(PKG_CONFIG) --cflags $(WEB_PKGS) 2>/dev/null)
WEB_LIBS        := $(shell $(PKG_CONFIG) --libs $(WEB_PKGS) 2>/dev/null || echo -lssl -lcrypto -lsrtp2 -lmicrohttpd)
# Watermark text on agrec-mix's composite (cmd/mix/watermark.c): FreeType.
FT_CFLAGS       := $(shell $(PKG_CONFIG) --cflags freetype2 2>/dev/null)
FT_LIBS         := $(shell $(PKG_CONFIG) --libs freetype2 2>/dev/null || echo -lfreetype)
# Volume indication decodes Opus with libopus (agrec-record's levels.c).
OPUS_CFLAGS     := $(shell $(PKG_CONFIG) --cflags opus 2>/dev/null)
OPUS_LIBS       := $(shell $(PKG_CONFIG) --libs opus 2>/dev/null || echo -lopus)
CRITERION_CFLAGS := $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
CRITERION_LIBS  := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)

# Warnings and the language level come after the user's CFLAGS.
AG_CFLAGS = $(CFLAGS) -std=c11 -D_GNU_SOURCE \
	-DAGREC_VERSION='"$(VERSION)"' \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wno-format-truncation -iquote libcommon -iquote cmd $(JANSSON_CFLAGS) $(WEB_CFLAGS) $(FT_CFLAGS) $(OPUS_CFLAGS)
AG_LDFLAGS = $(LDFLAGS)
ifeq ($(SAN),1)
AG_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
AG_LDFLAGS += -fsanitize=address,undefined
endif

# Every cmd/agrec-NAME.c is a program, built from it, cmd/NAME/*.c and the
# front-end every program shares, cmd/fe/*.c (usage errors, --help,
# --version, the stop signal).
PROGS    := $(sort $(patsubst cmd/%.c,%,$(wildcard cmd/agrec-*.c)))
FE_SRCS  := $(sort $(wildcard cmd/fe/*.c))
FE_OBJS  := $(FE_SRCS:%.c=$(B)/%.o)
LIB_SRCS := $(sort $(wildcard libcommon/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIB      := $(B)/libcommon.a

prog_srcs = cmd/$(1).c $(sort $(wildcard cmd/$(patsubst agrec-%,%,$(1))/*.c)) $(FE_SRCS)
prog_objs = $(patsubst %.c,$(B)/%.o,$(call prog_srcs,$(1)))
CMD_OBJS  := $(foreach p,$(PROGS),$(call prog_objs,$(p)))

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(B)/%.o)
UNIT_BIN  := $(B)/unit-tests

MAN1 := $(sort $(wildcard man/*.1))
MAN5 := $(sort $(wildcard man/*.5))
MAN7 := $(sort $(wildcard man/*.7))
LAYOUTS  := $(sort $(wildcard contrib/layouts/*.json))
EXAMPLES := $(sort $(wildcard contrib/systemd/* contrib/cron/* contrib/kubernetes/*))

# The programs and the library keep declarations at the top of a block
# (HACKING); Criterion's macros in the unit tests do not.
$(LIB_OBJS) $(CMD_OBJS): AG_CFLAGS += -Wdeclaration-after-statement

all: $(PROGS:%=$(B)/%)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(AG_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# Libraries one program alone needs.
PROG_LIBS_agrec-mix := $(FT_LIBS)
PROG_LIBS_agrec-record := $(OPUS_LIBS)

.SECONDEXPANSION:
$(PROGS:%=$(B)/%): $(B)/%: $$(call prog_objs,%) $(LIB)
	$(CC) $(AG_LDFLAGS) -o $@ $(call prog_objs,$*) $(LIB) $(JANSSON_LIBS) $(WEB_LIBS) $(PROG_LIBS_$*) -lm

# The capacity benchmark's RTP replayer (bench/, not installed).
$(B)/agrec-replay: $(B)/bench/replay.o $(FE_OBJS) $(LIB)
	$(CC) $(AG_LDFLAGS) -o $@ $(B)/bench/replay.o $(FE_OBJS) $(LIB) $(JANSSON_LIBS) $(WEB_LIBS)

$(B)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(AG_CFLAGS) $(CRITERION_CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests may also test the programs' own helpers (cmd/NAME/*.c).
UNIT_CMD_OBJS := $(patsubst %.c,$(B)/%.o,$(sort $(wildcard cmd/*/*.c)))

$(UNIT_BIN): $(UNIT_OBJS) $(UNIT_CMD_OBJS) $(LIB)
	$(CC) $(AG_LDFLAGS) -o $@ $(UNIT_OBJS) $(UNIT_CMD_OBJS) $(LIB) $(JANSSON_LIBS) $(WEB_LIBS) $(FT_LIBS) $(OPUS_LIBS) $(CRITERION_LIBS) -lm

# The whole suite: unit tests, man page lint, black-box tests with real ffmpeg.
check: all $(UNIT_BIN)
	AGREC_BUILD=$(CURDIR)/$(B) tests/run

# The unit tests and the recorder's black-box tests under ASan+UBSan
# (LeakSanitizer included), in build-san/.
check-san:
	$(MAKE) SAN=1 all build-san/unit-tests
	AGREC_BUILD=$(CURDIR)/build-san tests/run unit record

unit: $(UNIT_BIN)
	$(UNIT_BIN)

lint-man:
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN7)

# Fuzzing (clang + libFuzzer): FUZZ_SECONDS per harness (default 60);
# FUZZ_MERGE=1 merges new corpus entries into tests/fuzz/corpus/.
fuzz:
	tests/fuzz/run

# The micro-benchmark of the compositor (bench/, not installed).
MIXDRAW_SRCS := bench/mixdraw.c cmd/mix/compose.c libcommon/clock.c
$(B)/mixdraw: $(MIXDRAW_SRCS) cmd/mix/compose.h libcommon/clock.h
	@mkdir -p $(dir $@)
	$(CC) $(AG_CFLAGS) -o $@ $(MIXDRAW_SRCS) $(AG_LDFLAGS) -lm

# The micro-benchmark of the watermarks (bench/, not installed).
WMDRAW_SRCS := bench/wmdraw.c cmd/mix/watermark.c cmd/mix/image.c cmd/mix/compose.c
$(B)/wmdraw: $(WMDRAW_SRCS) cmd/mix/watermark.h cmd/mix/image.h cmd/mix/compose.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(AG_CFLAGS) -o $@ $(WMDRAW_SRCS) $(AG_LDFLAGS) $(LIB) $(FT_LIBS) $(JANSSON_LIBS) $(WEB_LIBS) -lm

bench: all $(B)/agrec-replay $(B)/mixdraw $(B)/wmdraw
	bench/run
	bench/capacity
	bench/capture
	bench/whip
	bench/levels
	$(B)/mixdraw
	$(if $(wildcard bench/mix),bench/mix)

# Programs, man pages, bash completion, example layouts, the WHIP
# publisher page (contrib/whip/publish.html), and the
# operations files of contrib/ (systemd units, cron, Kubernetes, the
# GNU parallel recipe) as examples.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(COMPDIR) $(DESTDIR)$(DATADIR)/layouts \
		$(DESTDIR)$(DATADIR)/whip $(DESTDIR)$(EXAMPLEDIR)
	install -m 755 $(PROGS:%=$(B)/%) $(DESTDIR)$(BINDIR)/
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)
	for p in $(PROGS); do install -m 644 contrib/completion/agrec.bash $(DESTDIR)$(COMPDIR)/$$p || exit 1; done
	$(if $(LAYOUTS),install -m 644 $(LAYOUTS) $(DESTDIR)$(DATADIR)/layouts/)
	install -m 644 contrib/whip/publish.html $(DESTDIR)$(DATADIR)/whip/
	install -m 644 $(EXAMPLES) $(DESTDIR)$(EXAMPLEDIR)/
	install -m 755 contrib/parallel/agrec-convert-all $(DESTDIR)$(EXAMPLEDIR)/

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(BINDIR)/%) $(PROGS:%=$(DESTDIR)$(COMPDIR)/%)
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%)
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(EXAMPLEDIR)

clean:
	rm -rf $(B)

.PHONY: all check check-san fuzz unit lint-man bench install uninstall clean

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_CMD_OBJS:.o=.d) $(UNIT_OBJS:.o=.d)
