#!/usr/bin/env bash
# The TLS layer of -sV (include/portier/tls.h) against real `openssl
# s_server`s in a lab namespace, driven over a socket by lab-tls_client:
# the subject, issuer and notAfter it reads must be what `openssl s_client`
# + `openssl x509` read from the same server; a self-signed and an expired
# certificate give their findings; a TLS 1.0-only server is described and
# judged; plaintext goes through the layer (s_server -www answers HTTP);
# and nmap's ssl-cert script output for the same server is the text
# portier_tls_ssl_cert_text renders.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool openssl nmap xmllint
lab_target t1
ip=${LAB_IP[t1]}
d=$LAB_DIR
client=$LAB_BIN/lab-tls_client
[ -x "$client" ] || lab_fail "lab-tls_client not built (LAB_BIN=$LAB_BIN)"

lab_cert self "$d/self" self.lab "DNS:self.lab,IP:$ip"
lab_cert expired "$d/exp" expired.lab

lab_bg t1 self openssl s_server -accept 443 -www -quiet \
	-cert "$d/self.crt" -key "$d/self.key"
lab_bg t1 expired openssl s_server -accept 8443 -www -quiet \
	-cert "$d/exp.crt" -key "$d/exp.key"
lab_bg t1 old openssl s_server -accept 9443 -www -quiet -tls1 \
	-cipher 'DEFAULT:@SECLEVEL=0' -cert "$d/self.crt" -key "$d/self.key"
lab_wait_port t1 tcp 443
lab_wait_port t1 tcp 8443
lab_wait_port t1 tcp 9443

# field NAME FILE: the value of NAME=... in lab-tls_client's output
field() { sed -n "s/^$1=//p" "$2"; }

# what openssl reads from the server at PORT, in lab-tls_client's forms
openssl_view() {
	local port=$1 pem="$d/peer.$1.pem"
	lab_scan openssl s_client -connect "$ip:$port" -servername x.lab \
		-min_protocol TLSv1 -cipher "DEFAULT:@SECLEVEL=0" \
		</dev/null 2>/dev/null | openssl x509 > "$pem" ||
		lab_fail "openssl s_client got no certificate from $port"
	echo "subject=$(openssl x509 -in "$pem" -noout -subject \
		-nameopt lname,sep_multiline,utf8,-space_eq | sed 1d |
		sed 's/^ *//' | paste -sd/)"
	echo "issuer=$(openssl x509 -in "$pem" -noout -issuer \
		-nameopt lname,sep_multiline,utf8,-space_eq | sed 1d |
		sed 's/^ *//' | paste -sd/)"
	echo "not_after=$(date -u +%s -d "$(openssl x509 -in "$pem" -noout \
		-enddate | sed 's/^notAfter=//')")"
}

# check PORT HOST FINDINGS VERSION: the layer's view of PORT agrees with
# openssl's and the judge says FINDINGS
check() {
	local port=$1 host=$2 want=$3 version=$4 out="$d/client.$1" k
	lab_expect 0 lab_scan "$client" "$ip" "$port" "$host" > "$out"
	openssl_view "$port" > "$d/openssl.$port"
	for k in subject issuer not_after; do
		[ "$(field "$k" "$out")" = "$(field "$k" "$d/openssl.$port")" ] ||
			lab_fail "port $port: $k: layer '$(field "$k" "$out")'," \
				"openssl '$(field "$k" "$d/openssl.$port")'"
	done
	[ "$(field findings "$out")" = "$want" ] ||
		lab_fail "port $port: findings '$(field findings "$out")', want '$want'"
	[ "$(field version "$out")" = "$version" ] ||
		lab_fail "port $port: version '$(field version "$out")', want $version"
	# s_server -www answers any GET with a status page
	field http "$out" | grep -q '^HTTP/1.0 200' ||
		lab_fail "port $port: no HTTP reply through the layer: $(field http "$out")"
	lab_log "port $port: $(field subject "$out"), findings '$want': ok"
}

check 443 self.lab tls-self-signed TLSv1.3
check 8443 expired.lab tls-expired,tls-self-signed TLSv1.3
check 9443 "$ip" tls-old-protocol,tls-self-signed TLSv1
[ "$(field self_signed "$d/client.443")" = yes ] || lab_fail "443 not self-signed"
[ "$(field not_after "$d/client.8443")" = 1609459200 ] ||
	lab_fail "8443: notAfter $(field not_after "$d/client.8443")"

# nmap's ssl-cert script on the same server: the same text
lab_scan nmap -Pn -n -sT -p 443 --script ssl-cert -oX "$d/nmap.xml" "$ip" \
	> /dev/null || lab_fail "nmap failed"
xmllint --xpath 'string(//script[@id="ssl-cert"]/@output)' "$d/nmap.xml" \
	> "$d/nmap.txt"
sed -n '/^ssl-cert:$/,/^end-ssl-cert$/p' "$d/client.443" | sed '1d;$d' \
	> "$d/ours.txt"
diff -u "$d/nmap.txt" "$d/ours.txt" ||
	lab_fail "ssl-cert text differs from nmap's"
lab_log "ssl-cert text matches nmap's"

# a port that does not speak TLS (a plain web server answers the
# ClientHello with an HTTP error): a clean failure with a reason
lab_http t1 8080
lab_expect 1 lab_scan "$client" "$ip" 8080 plain.lab 2> "$d/plain.err"
grep -q 'TLS failed during the handshake: ' "$d/plain.err" ||
	lab_fail "no reason for a plain-text port: $(cat "$d/plain.err")"
lab_log "plain port: $(cat "$d/plain.err")"
echo "PASS"
