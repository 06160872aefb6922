# tests/lab/lib_svc.sh - real servers for the service-detection tests
# (test_scan_version.sh) and bench (bench/bench_scan_version.sh), each with a
# private configuration under $LAB_DIR/svc-NAME, bound to the target's lab
# address, run in the foreground by lab_bg (so cleanup stops them).  Source
# it after lib.sh.
#
#   lab_vsftpd NAME PORT YES|NO   vsftpd, anonymous login on or off; its
#                                 anonymous root is ${LAB_FTPROOT[NAME]}
#                                 (a file and pub/ with a binary file)
#   lab_nginx NAME PORT...        nginx serving one small page on the ports
#   lab_sshd NAME [PORT]          OpenSSH's sshd with a fresh host key
#   lab_nginx_tls NAME PORT self|expired ...
#                                 nginx over TLS (HTTPS) on each PORT with
#                                 a certificate of that kind (lab_cert)
#   lab_redis NAME [PORT]         redis-server with no password
#   lab_memcached NAME [PORT]     memcached (TCP and UDP on PORT)
# Each returns once its ports listen.

need_tool vsftpd nginx sshd ssh-keygen openssl redis-server memcached
declare -gA LAB_FTPROOT=()

lab__svc_dir() {
	local d="$LAB_DIR/svc-$1"
	# the servers' unprivileged workers (nginx's nobody) read below it
	chmod 755 "$LAB_DIR"
	mkdir -p "$d"
	chmod 755 "$d"
	echo "$d"
}

lab_vsftpd() {
	local name=$1 port=$2 anon=$3 d
	d=$(lab__svc_dir "$name")
	if [ -z "${LAB_FTPROOT[$name]:-}" ]; then
		mkdir -p "$d/ftproot/pub" "$d/empty"
		chmod 755 "$d/ftproot" "$d/ftproot/pub"
		echo "portier lab file" > "$d/ftproot/readme.txt"
		head -c 4096 /dev/urandom > "$d/ftproot/pub/data.bin"
		LAB_FTPROOT[$name]=$d/ftproot
	fi
	cat > "$d/vsftpd-$port.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=${LAB_IP[$name]}
listen_port=$port
background=NO
anonymous_enable=$anon
local_enable=YES
write_enable=NO
anon_root=$d/ftproot
secure_chroot_dir=$d/empty
xferlog_enable=NO
vsftpd_log_file=$d/vsftpd-$port.log
seccomp_sandbox=NO
EOF
	chmod 600 "$d/vsftpd-$port.conf"
	lab_bg "$name" "vsftpd-$name-$port" vsftpd "$d/vsftpd-$port.conf"
	lab_wait_port "$name" tcp "$port"
}

lab_nginx() {
	local name=$1 d p listen=""; shift
	d=$(lab__svc_dir "$name")
	mkdir -p "$d/www" "$d/nginx-tmp"
	echo "<html><head><title>lab</title></head></html>" > "$d/www/index.html"
	for p in "$@"; do listen+="listen ${LAB_IP[$name]}:$p; "; done
	cat > "$d/nginx.conf" <<EOF
daemon off;
pid $d/nginx.pid;
error_log $d/nginx-error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $d/nginx-tmp/body;
	proxy_temp_path $d/nginx-tmp/proxy;
	fastcgi_temp_path $d/nginx-tmp/fastcgi;
	uwsgi_temp_path $d/nginx-tmp/uwsgi;
	scgi_temp_path $d/nginx-tmp/scgi;
	server { $listen root $d/www; }
}
EOF
	lab_bg "$name" "nginx-$name" nginx -p "$d/" -c "$d/nginx.conf" \
		-e "$d/nginx-error.log"
	for p in "$@"; do lab_wait_port "$name" tcp "$p"; done
}

lab_sshd() {
	local name=$1 port=${2:-22} d
	d=$(lab__svc_dir "$name")
	[ -f "$d/ssh_host_key" ] || ssh-keygen -q -t ed25519 -N "" -f "$d/ssh_host_key"
	lab_bg "$name" "sshd-$name-$port" "$(command -v sshd)" -D -e -f /dev/null \
		-h "$d/ssh_host_key" -o "ListenAddress=${LAB_IP[$name]}:$port" \
		-o "PidFile=$d/sshd-$port.pid"
	lab_wait_port "$name" tcp "$port"
}

lab_nginx_tls() {
	local name=$1 d p ports="" servers=""; shift
	d=$(lab__svc_dir "$name-tls")
	mkdir -p "$d/www" "$d/nginx-tmp"
	echo "<html><head><title>lab tls</title></head></html>" > "$d/www/index.html"
	while [ $# -ge 2 ]; do
		lab_cert "$2" "$d/cert-$1" "$2.lab" "DNS:$2.lab"
		servers+="server { listen ${LAB_IP[$name]}:$1 ssl; root $d/www; "
		servers+="ssl_certificate $d/cert-$1.crt; "
		servers+="ssl_certificate_key $d/cert-$1.key; }"$'\n'
		ports+=" $1"
		shift 2
	done
	printf '%s\n' "daemon off;" "pid $d/nginx.pid;" \
		"error_log $d/nginx-error.log;" \
		"events { worker_connections 64; }" "http {" "access_log off;" \
		"client_body_temp_path $d/nginx-tmp/body;" \
		"proxy_temp_path $d/nginx-tmp/proxy;" \
		"fastcgi_temp_path $d/nginx-tmp/fastcgi;" \
		"uwsgi_temp_path $d/nginx-tmp/uwsgi;" \
		"scgi_temp_path $d/nginx-tmp/scgi;" "$servers" "}" > "$d/nginx.conf"
	lab_bg "$name" "nginx-tls-$name" nginx -p "$d/" -c "$d/nginx.conf" \
		-e "$d/nginx-error.log"
	for p in $ports; do lab_wait_port "$name" tcp "$p"; done
}

lab_redis() {
	local name=$1 port=${2:-6379} d
	d=$(lab__svc_dir "$name")
	lab_bg "$name" "redis-$name-$port" redis-server --port "$port" \
		--bind "${LAB_IP[$name]}" --protected-mode no --save '' \
		--appendonly no --dir "$d"
	lab_wait_port "$name" tcp "$port"
}

lab_memcached() {
	local name=$1 port=${2:-11211}
	lab_bg "$name" "memcached-$name-$port" memcached -u root \
		-l "${LAB_IP[$name]}" -p "$port" -U "$port"
	lab_wait_port "$name" tcp "$port"
}
