# tests/lab/lib.sh - the lab: a small network of namespaces for integration
# tests.  Source it from a test script:
#
#   . "$PORTIER_SRC/tests/lab/lib.sh"
#   lab_init                      # root check, scanner namespace, cleanup trap
#   lab_target t1                 # target namespace, veth to the scanner
#   lab_listen t1 tcp:22 tcp:8000-8010 udp:5353
#   lab_scan nmap -sT -p- "${LAB_IP[t1]}"   # runs inside the scanner namespace
#   lab_in t1 ss -tln             # runs inside the target namespace
#
# Addressing (no route leads anywhere else; nothing leaves these namespaces):
#   target k: 198.19.k.2/24 and fd70:7:k::2/64, scanner side .1 / ::1
#   lab_anyip t1 198.18.0.0/16: the whole /16 answers in t1 (AnyIP), routed
#   from the scanner to t1.  198.18.0.0/15 is the benchmarking range of
#   RFC 2544, never used on a real network.
#
# Everything a test creates is removed on exit, on failure and on ^C.  A
# test that cannot run for lack of privileges or of a tool (need_tool, from
# tests/need.sh) exits 77 (ctest: skipped), or fails under CI=true.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../need.sh"

declare -gA LAB_NS=() LAB_IP=() LAB_IP6=()
LAB_ID=""
LAB_DIR=""
LAB_SCANNER=""
LAB_PIDS=()
LAB_NAMESPACES=()
LAB_NEXT=1
LAB_BIN=${LAB_BIN:-}
PORTIER=${PORTIER:-portier}

lab_log() { echo "lab: $*" >&2; }
lab_fail() { echo "lab: FAIL: $*" >&2; exit 1; }

lab_cleanup() {
	local pid ns
	set +e
	for pid in "${LAB_PIDS[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.2
	for pid in "${LAB_PIDS[@]}"; do
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${LAB_NAMESPACES[@]}"; do
		# any process left in the namespace goes with it
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$LAB_DIR" ] && [ -z "${LAB_KEEP:-}" ] && rm -rf "$LAB_DIR"
	LAB_PIDS=(); LAB_NAMESPACES=()
}

lab_init() {
	[ "$(id -u)" = 0 ] || need_skip "lab: needs root (network namespaces)"
	need_tool ip
	LAB_ID="pt$(printf '%04x' $(( (RANDOM << 1 ^ $$) & 0xffff )))"
	LAB_DIR=$(mktemp -d "/tmp/portier-lab.$LAB_ID.XXXXXX")
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
	lab__ns scan
	LAB_SCANNER=$LAB__LAST
}

# Create a namespace with loopback up; its name goes in LAB__LAST (not
# printed: a command substitution would lose the cleanup record).
lab__ns() {
	LAB__LAST="$LAB_ID-$1"
	ip netns add "$LAB__LAST"
	LAB_NAMESPACES+=("$LAB__LAST")
	ip -n "$LAB__LAST" link set lo up
}

# lab_target NAME: a target namespace joined to the scanner by a veth pair.
lab_target() {
	local name=$1 k=$LAB_NEXT ns
	LAB_NEXT=$((LAB_NEXT + 1))
	lab__ns "$name"
	ns=$LAB__LAST
	LAB_NS[$name]=$ns
	ip link add "${LAB_ID}s$k" netns "$LAB_SCANNER" type veth \
		peer name "${LAB_ID}t$k" netns "$ns"
	lab__ends "$name" "$k"
}

# lab__ends NAME K: target NAME's lab addresses (number K) on the scanner's
# end of its wire (${LAB_ID}sK) and on its own end (${LAB_ID}tK), both up.
lab__ends() {
	local name=$1 k=$2 ns=${LAB_NS[$1]}
	ip -n "$LAB_SCANNER" addr add "198.19.$k.1/24" dev "${LAB_ID}s$k"
	ip -n "$ns" addr add "198.19.$k.2/24" dev "${LAB_ID}t$k"
	ip -n "$LAB_SCANNER" addr add "fd70:7:$k::1/64" dev "${LAB_ID}s$k" nodad
	ip -n "$ns" addr add "fd70:7:$k::2/64" dev "${LAB_ID}t$k" nodad
	ip -n "$LAB_SCANNER" link set "${LAB_ID}s$k" up
	ip -n "$ns" link set "${LAB_ID}t$k" up
	LAB_IP[$name]="198.19.$k.2"
	LAB_IP6[$name]="fd70:7:$k::2"
}

# lab_anyip NAME CIDR: every address of CIDR answers inside target NAME.
lab_anyip() {
	local name=$1 cidr=$2
	ip -n "${LAB_NS[$name]}" route add local "$cidr" dev lo
	ip -n "$LAB_SCANNER" route add "$cidr" via "${LAB_IP[$name]}"
}

lab_in() { local name=$1; shift; ip netns exec "${LAB_NS[$name]}" "$@"; }

# lab_drop NAME PROTO PORT: target NAME drops what arrives for PORT (tcp or
# udp), listener or not: probes of it are never answered.
lab_drop() {
	lab_in "$1" nft -f - <<EOF
table inet labdrop {
	chain in {
		type filter hook input priority 0; policy accept;
		$2 dport $3 drop
	}
}
EOF
}

# lab_lossy_target NAME MS PERCENT: a target namespace like lab_target's,
# but the wire to it is slow and lossy: a namespace in between runs
# lab-lossy_link (tests/lab/lossy_link.c, netem's delay and loss without
# netem), which holds every frame MS milliseconds and drops PERCENT of them,
# in each direction (so a probe and its answer make 2 x MS of round trip).
lab_lossy_target() {
	local name=$1 ms=$2 pct=$3 k=$LAB_NEXT ns mid ready i mac_s mac_t
	LAB_NEXT=$((LAB_NEXT + 1))
	[ -x "$LAB_BIN/lab-lossy_link" ] || lab_fail "lab-lossy_link not built (LAB_BIN=$LAB_BIN)"
	lab__ns "$name"
	ns=$LAB__LAST
	lab__ns "$name-wire"
	mid=$LAB__LAST
	LAB_NS[$name]=$ns
	LAB_NS[$name-wire]=$mid
	ip link add "${LAB_ID}s$k" netns "$LAB_SCANNER" type veth \
		peer name "${LAB_ID}a$k" netns "$mid"
	ip link add "${LAB_ID}b$k" netns "$mid" type veth \
		peer name "${LAB_ID}t$k" netns "$ns"
	lab__ends "$name" "$k"
	ip -n "$mid" link set "${LAB_ID}a$k" up
	ip -n "$mid" link set "${LAB_ID}b$k" up
	# both ends know each other's MAC: address resolution over the lossy
	# wire (a retry a second) would otherwise eat the first probes
	mac_s=$(ip netns exec "$LAB_SCANNER" cat "/sys/class/net/${LAB_ID}s$k/address")
	mac_t=$(ip netns exec "$ns" cat "/sys/class/net/${LAB_ID}t$k/address")
	ip -n "$LAB_SCANNER" neigh replace "198.19.$k.2" lladdr "$mac_t" \
		nud permanent dev "${LAB_ID}s$k"
	ip -n "$ns" neigh replace "198.19.$k.1" lladdr "$mac_s" nud permanent \
		dev "${LAB_ID}t$k"
	ready="$LAB_DIR/wire.$k.ready"
	lab_bg "$name-wire" "wire.$k" "$LAB_BIN/lab-lossy_link" -d "$ms" \
		-l "$pct" -r "$ready" "${LAB_ID}a$k" "${LAB_ID}b$k"
	for ((i = 0; i < 200; i++)); do
		[ -s "$ready" ] && return 0
		sleep 0.05
	done
	lab_fail "lab-lossy_link did not start: $(cat "$LAB_DIR/wire.$k.log")"
}

# lab_walled NAME PORT...: TCP listeners on the PORTs of target NAME's lab
# address, behind an input chain that accepts loopback, established traffic
# and those PORTs, and silently drops everything else (no reset, no ICMP:
# every other port looks filtered).
lab_walled() {
	local name=$1 list p specs=(); shift
	for p in "$@"; do specs+=("tcp:$p"); done
	lab_listen "$name" -a "${LAB_IP[$name]}" "${specs[@]}"
	list=$(IFS=,; echo "$*")
	lab_in "$name" nft -f - <<EOF
table inet lab_walled {
	chain in {
		type filter hook input priority 0; policy drop;
		iif lo accept
		ct state established,related accept
		tcp dport { $list } accept
	}
}
EOF
}

# lab_expect WANT CMD...: run CMD (its output passes through) and fail the
# test unless it exits WANT, so no run is asserted on with its status unseen.
lab_expect() {
	local want=$1 rc=0; shift
	"$@" || rc=$?
	[ "$rc" = "$want" ] || lab_fail "'$*' exited $rc, expected $want"
}
lab_scan() { ip netns exec "$LAB_SCANNER" "$@"; }

# lab_bg NAME LABEL CMD...: run CMD in target NAME in the background (its own
# process group, output in $LAB_DIR/LABEL.log); killed at cleanup.
lab_bg() {
	local name=$1 label=$2; shift 2
	setsid ip netns exec "${LAB_NS[$name]}" "$@" \
		> "$LAB_DIR/$label.log" 2>&1 < /dev/null &
	LAB_PIDS+=($!)
}

# lab_wait_port NAME PROTO PORT [SECONDS]: until something listens there.
lab_wait_port() {
	local name=$1 proto=$2 port=$3 limit=${4:-20} i flag=-tln
	[ "$proto" = udp ] && flag=-uln
	for ((i = 0; i < limit * 10; i++)); do
		if lab_in "$name" ss -H $flag "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	lab_fail "nothing listens on $proto/$port in $name after ${limit}s"
}

# lab_listen NAME [-a ADDR] SPEC...: plain listeners (tests/lab/listen.c),
# e.g. tcp:22 tcp:8000-8010 udp:5353.  Returns when all are bound.
lab_listen() {
	local name=$1; shift
	local ready="$LAB_DIR/listen.$RANDOM.ready" i
	[ -x "$LAB_BIN/lab-listen" ] || lab_fail "lab-listen not built (LAB_BIN=$LAB_BIN)"
	lab_bg "$name" "listen.$RANDOM" "$LAB_BIN/lab-listen" -r "$ready" "$@"
	for ((i = 0; i < 200; i++)); do
		[ -s "$ready" ] && return 0
		sleep 0.05
	done
	lab_fail "lab-listen did not start: $*"
}

# lab_http NAME PORT: a real web server (busybox httpd) serving a small page.
lab_http() {
	local name=$1 port=$2 root="$LAB_DIR/www-$1-$2"
	mkdir -p "$root"
	echo "<html><body>portier lab $name</body></html>" > "$root/index.html"
	lab_bg "$name" "httpd-$port" busybox httpd -f -p "$port" -h "$root"
	lab_wait_port "$name" tcp "$port"
}

# lab_samba NAME [SMB.CONF LINE...]: real smbd and nmbd with a private
# configuration, bound to the target's lab address; extra [global] lines
# (e.g. "server min protocol = NT1") go in as given.  Waits for 445 and 137.
lab_samba() {
	local name=$1; shift
	local d="$LAB_DIR/samba-$name" line
	mkdir -p "$d"/{private,lock,state,cache,pid,log,ncalrpc,share}
	{
		echo "[global]"
		echo "  netbios name = LABSRV${LAB_NEXT}"
		echo "  workgroup = PORTIERLAB"
		echo "  server string = portier lab"
		echo "  server role = standalone server"
		echo "  interfaces = ${LAB_IP[$name]}/24 ${LAB_IP6[$name]}/64"
		echo "  bind interfaces only = yes"
		echo "  smb ports = 445 139"
		echo "  private dir = $d/private"
		echo "  lock directory = $d/lock"
		echo "  state directory = $d/state"
		echo "  cache directory = $d/cache"
		echo "  pid directory = $d/pid"
		echo "  ncalrpc dir = $d/ncalrpc"
		echo "  log file = $d/log/%m.log"
		echo "  disable spoolss = yes"
		echo "  load printers = no"
		echo "  map to guest = Bad User"
		echo "  local master = yes"
		echo "  preferred master = yes"
		for line in "$@"; do echo "  $line"; done
		echo "[pub]"
		echo "  path = $d/share"
		echo "  guest ok = yes"
		echo "  read only = yes"
	} > "$d/smb.conf"
	lab_bg "$name" "smbd-$name" smbd --foreground --no-process-group \
		--debug-stdout -s "$d/smb.conf"
	lab_bg "$name" "nmbd-$name" nmbd --foreground --no-process-group \
		--debug-stdout -s "$d/smb.conf"
	lab_wait_port "$name" tcp 445 30
	lab_wait_port "$name" udp 137 30
	LAB_SAMBA_CONF=$d/smb.conf
}

# lab_samba_rpc NAME: the endpoint mapper on 135/tcp for the Samba that
# lab_samba started in NAME, which must have been given
# "rpc start on demand helpers = no": then samba-dcerpcd runs on its own and
# listens on TCP (135 and a port per RPC service) instead of being started by
# smbd for named pipes only.
lab_samba_rpc() {
	local name=$1 bin
	bin=$(command -v samba-dcerpcd || echo /usr/libexec/samba/samba-dcerpcd)
	[ -x "$bin" ] || need_skip "samba-dcerpcd missing (Samba 4.16 or later)"
	lab_bg "$name" "dcerpcd-$name" "$bin" --libexec-rpcds --foreground \
		--no-process-group --debug-stdout -s "$LAB_SAMBA_CONF"
	lab_wait_port "$name" tcp 135 30
}

# lab_open_ports NAME: the TCP ports listening on non-loopback addresses in
# NAME, sorted, one per line (ground truth from ss).
lab_open_ports() {
	lab_in "$1" ss -H -tln | awk '{print $4}' \
		| grep -v -E '^(127\.|\[::1\])' | sed 's/.*://' | sort -n -u
}

# lab_random_ports N LOW HIGH: N distinct random ports in [LOW, HIGH].
lab_random_ports() {
	shuf -i "$2-$3" -n "$1" | sort -n
}

# lab_cert KIND BASE CN [SAN]: a P-256 key and certificate in BASE.key and
# BASE.crt (organization "Portier Lab", common name CN, subjectAltName SAN
# when given, e.g. "DNS:self.lab,IP:198.19.1.2").  KIND self: self-signed,
# valid for 30 days from now; expired: self-signed, valid only in 2020
# (`openssl ca` is the tool of OpenSSL 3.0 that takes explicit dates).
lab_cert() {
	local kind=$1 base=$2 cn=$3 san=${4:-} d
	local ext=()
	[ -n "$san" ] && ext=(-addext "subjectAltName=$san")
	case $kind in
	self)
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout "$base.key" -out "$base.crt" -days 30 \
			-subj "/O=Portier Lab/CN=$cn" "${ext[@]}" 2>/dev/null ||
			lab_fail "openssl could not make $base.crt"
		;;
	expired)
		d=$base.ca
		mkdir -p "$d"
		printf '%s\n' "[ca]" "default_ca = lab" "[lab]" \
			"database = $d/index.txt" "new_certs_dir = $d" \
			"serial = $d/serial" "default_md = sha256" "policy = any" \
			"[any]" "commonName = supplied" \
			"organizationName = optional" > "$d/ca.cnf"
		: > "$d/index.txt"
		echo 01 > "$d/serial"
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout "$base.key" -out "$d/req.csr" \
			-subj "/O=Portier Lab/CN=$cn" 2>/dev/null &&
			openssl ca -batch -config "$d/ca.cnf" -selfsign \
				-keyfile "$base.key" -in "$d/req.csr" \
				-out "$base.crt" -notext \
				-startdate 20200101000000Z \
				-enddate 20210101000000Z 2>/dev/null ||
			lab_fail "openssl could not make $base.crt"
		;;
	*) lab_fail "lab_cert: unknown kind '$kind'" ;;
	esac
}
