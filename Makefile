# portier - the two commands of the README, and the rest of the workflow.
#
#   make run     install build dependencies, build, run `portier audit`
#   make check   the same set-up, then every test under ASan+UBSan
#
# Both run as root on a fresh Debian machine (make deps uses apt-get).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 6

# Debian packages.  BUILD_DEPS: the compilers, the libraries we link or load
# (the pkg_check_modules lists of CMakeLists.txt), cmocka for the unit tests
# and clang-format for format-check.  RUNTIME_DEPS: the libraries portier
# loads with dlopen when a command needs them (dynlib.h), named because no
# link records them.  TEST_DEPS: every program a test or bench
# runs, the peers it compares with included (nmap, masscan, nbtscan, samba's
# nmbd/smbd and nmblookup, ss, netstat, lsof...).
BUILD_DEPS = build-essential cmake pkg-config clang libclang-rt-14-dev \
	clang-format libmnl-dev libnftables-dev libjansson-dev libxml2-dev \
	libcap-ng-dev libcmocka-dev libssl-dev libsqlite3-dev libpq-dev \
	libncurses-dev
RUNTIME_DEPS = libssl3 libsqlite3-0 libpq5 libxml2 libnftables1 libncursesw6
TEST_DEPS = iproute2 nftables nmap ndiff masscan nbtscan samba smbclient \
	python3-impacket openssl \
	samba-common-bin libxml2-utils jq curl iputils-ping busybox python3 \
	procps net-tools lsof hyperfine time bc coreutils util-linux \
	tmux postgresql rkhunter chkrootkit unhide vsftpd nginx openssh-server \
	redis-server memcached dnsmasq snmpd chrony

.PHONY: all deps build run check asan test test-unit test-lab fuzz fuzz-smoke \
	bench install format format-check clean

all: build

# Idempotent: asks apt only for what is missing.  The servers among the
# test peers (nginx, dnsmasq, chrony, ...) are only installed, never
# started: a policy-rc.d that refuses every start is in place while apt
# runs (the tests start their own copies inside their namespaces).
deps:
	@missing=$$(for p in $(BUILD_DEPS) $(RUNTIME_DEPS) $(TEST_DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then \
			echo "make deps: need root to apt-get install (run as root)" >&2; exit 3; fi; \
		own_policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then own_policy=1; \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
			chmod 755 /usr/sbin/policy-rc.d; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing; \
		rc=$$?; [ -z "$$own_policy" ] || rm -f /usr/sbin/policy-rc.d; \
		[ $$rc = 0 ] || exit $$rc; \
	else echo "build dependencies: all present"; fi

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

run: deps build
	./$(BUILD)/portier audit

# The ASan+UBSan build that `make check` tests; -Werror so warnings fail CI.
asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DCMAKE_C_COMPILER=clang -DPORTIER_SANITIZE=ON -DPORTIER_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)

check: deps asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j 1
	$(MAKE) fuzz-smoke

test-unit: asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit

test-lab: asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -L lab

fuzz:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DPORTIER_FUZZ=ON \
		-DPORTIER_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Each harness runs FUZZ_SECONDS on its seeds from tests/data (CI: short).
fuzz-smoke: fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./fuzz/run-all.sh $(FUZZ_BUILD)

bench: build
	./bench/run-all.sh $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
