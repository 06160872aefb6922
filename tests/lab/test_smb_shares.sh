#!/usr/bin/env bash
# portier smb --shares against real Samba: what a server reveals and grants
# before any password.  The NTLM challenge's names equal smb.conf's (a
# standalone server names its domain after itself); the null and guest
# verdicts, the share list and each share's read/write verdicts equal what
# smbclient can do on map to guest = Bad User / Never and restrict
# anonymous = 0 / 2; and hostile servers (control bytes, cut or oversized
# challenges, a million shares, a cut share list, a flood of interim
# responses) get a clear per-host error in bounded time, while an answer
# behind one interim response (STATUS_PENDING) is read.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/smb_access.sh"
lab_init
need_tool jq python3 smbclient

lab_target t1 # Samba defaults (as lab_samba writes them)
lab_target t2 # Samba with its own netbios name and SMB 3.1.1 only
lab_target t3 # map to guest = Never
lab_target t4 # restrict anonymous = 2
# fake SMB2 servers: they negotiate 3.1.1, then answer the SESSION_SETUP
# with control bytes in the names, a cut challenge, an AV_PAIR that runs
# past the end, and a 16 MiB frame
lab_target f1
lab_target f2
lab_target f3
lab_target f4
# and fake servers that let anyone in and answer NetrShareEnum with control
# bytes in a name, a million entries, or a list cut inside a name
lab_target f5
lab_target f6
lab_target f7
# and one that answers each pipe call after an interim response, one that
# floods interim responses
lab_target f8
lab_target f9
# t1's shares besides lab_samba's guest-readable [pub]: guest-writable,
# password-only and hidden (the lines go in before [pub], sections and all)
sh=$LAB_DIR/shares
mkdir -p "$sh"/{gw,secret,x}
chmod 0777 "$sh/gw"
lab_samba t1 "[gw]" "path = $sh/gw" "guest ok = yes" "read only = no" \
	"[secret]" "path = $sh/secret" "guest ok = no" "valid users = root" \
	"[x\$]" "path = $sh/x" "guest ok = yes" "read only = yes"
conf1=$LAB_SAMBA_CONF
# the guest account (nobody) must be able to walk to the share folders
chmod o+x "$LAB_DIR" "$LAB_DIR/samba-t1"
lab_samba t2 "netbios name = FILES-T2" "server min protocol = SMB3_11"
conf2=$LAB_SAMBA_CONF
lab_samba t3 "map to guest = Never"
lab_samba t4 "restrict anonymous = 2"

# conf_get CONF KEY: the value of KEY in a lab smb.conf
# (Samba takes the last of two lines)
conf_get() { sed -n "s/^ *$2 = //p" "$1" | tail -1; }

# portier_json WANT ARGS...: portier smb --shares --json ARGS, exit WANT
portier_json() { lab_expect "$1" lab_scan "$PORTIER" smb --shares --json "${@:2}"; }

check_names() { # name conf json
	local name=$1 conf=$2 json=$3 nb
	nb=$(conf_get "$conf" "netbios name")
	echo "$name: smb.conf netbios name $nb"
	echo "$name: portier: $(jq -c .ntlm <<<"$json")"
	[ "$(jq -r .ntlm.netbios_computer <<<"$json")" = "$nb" ] \
		|| lab_fail "$name: NetBIOS computer name differs from smb.conf"
	# a standalone server is its own SAM domain: Samba names the domain
	# after the computer (get_global_sam_name), not the workgroup
	[ "$(jq -r .ntlm.netbios_domain <<<"$json")" = "$nb" ] \
		|| lab_fail "$name: NetBIOS domain is not the standalone server's own"
	[ "$(jq -r .ntlm.target <<<"$json")" = "$nb" ] \
		|| lab_fail "$name: TargetName is not the server's domain"
	# the DNS computer name is the host's (the namespaces share its UTS)
	[ "$(jq -r .ntlm.dns_computer <<<"$json")" = "$(lab_in "$name" hostname -f 2>/dev/null || lab_in "$name" hostname)" ] \
		|| lab_fail "$name: DNS computer name is not the host name"
	jq -e '.ntlm.timestamp | test("^[0-9]{4}-")' <<<"$json" >/dev/null \
		|| lab_fail "$name: no timestamp"
	jq -e '.findings[] | select(.id == "ntlm-info-leak" and .severity == "low")' \
		<<<"$json" >/dev/null || lab_fail "$name: the leak is not a finding"
}

raw=$(mktemp -d "$LAB_DIR/raw.XXXXXX")
j1=$(portier_json 1 --raw-dir "$raw" "${LAB_IP[t1]}")
check_names t1 "$conf1" "$j1"
[ -s "$raw/smb-${LAB_IP[t1]}-445-ntlm.bin" ] || lab_fail "t1: challenge not saved"

j2=$(portier_json 1 --raw-dir "$raw" "${LAB_IP[t2]}")
check_names t2 "$conf2" "$j2"
[ "$(jq -r .highest <<<"$j2")" = 3.1.1 ] || lab_fail "t2: 3.1.1 expected"

# the text view says the same
out=$(lab_scan "$PORTIER" smb --shares "${LAB_IP[t1]}" 2>&1) && rc=0 || rc=$?
echo "$out"
[ "$rc" = 1 ] || lab_fail "t1 text: findings should exit 1, got $rc"
grep -q "netbios computer  $(conf_get "$conf1" "netbios name")" <<<"$out" \
	|| lab_fail "t1 text: computer name missing"
grep -q 'before any password' <<<"$out" || lab_fail "t1 text: no leak heading"

# without --shares nothing of it is asked
j=$(lab_expect 1 lab_scan "$PORTIER" smb --json "${LAB_IP[t1]}")
[ "$(jq -r 'has("ntlm")' <<<"$j")" = false ] || lab_fail "ntlm without --shares"

# sessions: portier's verdicts against what smbclient can do with the same
# logons (-U% is the null session, -U someone%x an unknown user)
# smbclient_can NAME USER%PASS: "true" when smbclient lists NAME's shares
smbclient_can() {
	if lab_scan smbclient -U "$2" -L "${LAB_IP[$1]}" </dev/null >/dev/null 2>&1
	then echo true; else echo false; fi
}
declare -A want_null=([t1]=true [t3]=true [t4]=false)
declare -A want_guest=([t1]=true [t3]=false [t4]=false)
for t in t1 t3 t4; do
	j=$(portier_json 1 "${LAB_IP[$t]}")
	echo "$t: $(jq -c .sessions <<<"$j")"
	nul=$(smbclient_can "$t" %)
	gst=$(smbclient_can "$t" "nobody$RANDOM%x$RANDOM")
	echo "$t: smbclient null $nul, guest $gst"
	# the configurations do what they are meant to (else the test
	# proves nothing)
	[ "$nul" = "${want_null[$t]}" ] && [ "$gst" = "${want_guest[$t]}" ] \
		|| lab_fail "$t: smbclient's access is not what smb.conf should give"
	[ "$(jq -r .sessions.null.usable <<<"$j")" = "$nul" ] \
		|| lab_fail "$t: null session verdict differs from smbclient -U%"
	[ "$(jq -r .sessions.guest.usable <<<"$j")" = "$gst" ] \
		|| lab_fail "$t: guest verdict differs from smbclient -U someone%x"
	[ "$(jq -r '[.findings[].id | select(. == "smb-null-session")] | length' <<<"$j")" \
		= "$([ "$nul" = true ] && echo 1 || echo 0)" ] || lab_fail "$t: null finding wrong"
	[ "$(jq -r '[.findings[].id | select(. == "smb-guest-mapping")] | length' <<<"$j")" \
		= "$([ "$gst" = true ] && echo 1 || echo 0)" ] || lab_fail "$t: guest finding wrong"
	# how each refusal shows: Never refuses the logon itself, restrict
	# anonymous = 2 lets it log on and refuses IPC$ (access denied)
	case $t in
	t3) [ "$(jq -r .sessions.guest.status <<<"$j")" = 0xc000006d ] \
		|| lab_fail "t3: the guest logon should fail (LOGON_FAILURE)" ;;
	t4) [ "$(jq -r .sessions.null.ipc.status <<<"$j")" = 0xc0000022 ] \
		|| lab_fail "t4: IPC$ should be refused to the null session" ;;
	esac
done

# shares: the list equals smbclient's (names and types), as the first
# session that reached IPC$ read it (and how long each takes, for the record)
start=$(date +%s%N)
j=$(portier_json 1 "${LAB_IP[t1]}")
ms_p=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N)
want=$(lab_scan smbclient -N -g -L "${LAB_IP[t1]}" </dev/null 2>/dev/null \
	| awk -F'|' '$1 == "Disk" || $1 == "IPC" || $1 == "Printer" { print $2 "|" $1 }' | sort)
ms_s=$(( ($(date +%s%N) - start) / 1000000 ))
echo "t1: portier smb --shares (6 dialects, challenge, 2 logons, list, 8 share checks) ${ms_p} ms; smbclient -N -L ${ms_s} ms"
got=$(jq -r '.shares.list[] | "\(.name)|\(.type)"' <<<"$j" | sort)
echo "t1: smbclient -N -L: $(paste -sd' ' <<<"$want")"
echo "t1: portier:         $(paste -sd' ' <<<"$got") (via $(jq -r .shares.via <<<"$j"))"
echo "t1: $(jq -c '.shares.list[] | {name, null, guest}' <<<"$j")"
[ -n "$want" ] || lab_fail "t1: smbclient listed no shares"
[ "$want" = "$got" ] || lab_fail "t1: share lists differ"
[ "$(jq -r '.shares.list[] | select(.name == "x$") | .hidden' <<<"$j")" = true ] \
	|| lab_fail "t1: x\$ not marked hidden"
[ "$(jq -r .shares.via <<<"$j")" = null ] || lab_fail "t1: the null session should list"
# portier opened nothing for writing: the share folders are as they were
[ -z "$(find "$sh" -mindepth 2)" ] || lab_fail "t1: something appeared in a share folder"

# per share, what smbclient can do with the same logon
smb_access_check "${LAB_IP[t1]}" "$sh" "$j"
[ "$(jq -r '.shares.list[] | select(.name == "gw") | .guest.writable' <<<"$j")" = true ] \
	|| lab_fail "t1: the guest-writable share is not reported writable"
for id in smb-share-writable smb-share-readable smb-hidden-share-reachable; do
	jq -e --arg id "$id" '.findings[] | select(.id == $id)' <<<"$j" >/dev/null \
		|| lab_fail "t1: finding $id missing"
done
jq -e '.findings[0].id == "smb-share-writable" and .findings[0].severity == "high"' <<<"$j" \
	>/dev/null || lab_fail "t1: a writable share should be the first, high finding"

# t3 (Never) lists through its null session too; t4 (restrict anonymous =
# 2) has no session that reaches IPC$, so nothing is listed
j=$(portier_json 1 "${LAB_IP[t4]}")
[ "$(jq -r .shares <<<"$j")" = null ] || lab_fail "t4: shares listed without IPC$"
out=$(lab_expect 1 lab_scan "$PORTIER" smb --shares "${LAB_IP[t4]}")
grep -q 'not listed: no session without a password reached IPC\$' <<<"$out" \
	|| lab_fail "t4: text does not say why no shares"

# fake NAME MODE: a server in NAME that answers any NEGOTIATE with 3.1.1
# and the SESSION_SETUP as MODE says
fake() {
	lab_bg "$1" "fake-$2" python3 "$PORTIER_SRC/tests/lab/fake_smb_ntlm.py" \
		"${LAB_IP[$1]}" "$2"
	lab_wait_port "$1" tcp 445
}
# text_cleaned NAME REGEX: the text view of NAME shows REGEX (the escaped
# name) and no raw escape byte
text_cleaned() {
	local out
	out=$(lab_expect 1 lab_scan "$PORTIER" smb --shares --only 445 "${LAB_IP[$1]}")
	grep -q "$2" <<<"$out" || lab_fail "$1: text not cleaned"
	! grep -q $'\e' <<<"$out" || lab_fail "$1: an escape reached the terminal"
}
fake f1 control
fake f2 cut
fake f3 overrun
fake f4 huge
fake f5 names
fake f6 many
fake f7 stubcut
fake f8 pending
fake f9 pendflood
for f in f1:control f2:cut f3:overrun f4:huge f5:names f6:many f7:stubcut \
	f8:pending f9:pendflood; do
	t=${f%%:*} mode=${f#*:}
	start=$(date +%s%N)
	# signing is not required by the fakes: exit 1 for that finding
	j=$(portier_json 1 --only 445 --timeout 1000 "${LAB_IP[$t]}")
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "$t $mode (${ms} ms): $(jq -c '{ntlm, shares}' <<<"$j")"
	[ "$ms" -lt 10000 ] || lab_fail "$t $mode took ${ms} ms"
	case $mode in
	control)
		[ "$(jq -r .ntlm.netbios_computer <<<"$j")" = $'EVIL\e[31mNAME\a' ] \
			|| lab_fail "$t: control bytes not kept as data in JSON"
		[ "$(jq -r .ntlm.netbios_domain <<<"$j")" = $'DOM\xef\xbf\xbd' ] \
			|| lab_fail "$t: lone surrogate not U+FFFD"
		[ "$(jq -r .ntlm.os_version <<<"$j")" = 10.0.17763 ] \
			|| lab_fail "$t: OS version not read"
		text_cleaned "$t" 'EVIL\\x1b\[31mNAME\\x07'
		;;
	cut) jq -e '.ntlm.error | test("shorter than its fixed 48")' <<<"$j" >/dev/null \
		|| lab_fail "$t: cut challenge not named" ;;
	overrun) jq -e '.ntlm.error | test("AV_PAIR 1 claims 60000 bytes")' <<<"$j" >/dev/null \
		|| lab_fail "$t: overrunning AV_PAIR not named" ;;
	huge) jq -e '.ntlm.error | test("larger than")' <<<"$j" >/dev/null \
		|| lab_fail "$t: oversized reply not refused" ;;
	names)
		[ "$(jq -r '.shares.list[0].name' <<<"$j")" = $'EVIL\e[2Jshare\a' ] \
			|| lab_fail "$t: the name is not kept as data in JSON"
		[ "$(jq -r '.shares.list[0].null.error' <<<"$j")" = "not asked: the name is not ASCII" ] \
			|| lab_fail "$t: a name portier cannot send was asked for"
		text_cleaned "$t" 'EVIL\\x1b\[2Jshare\\x07'
		;;
	many) jq -e '.shares.error | test("claims 1000000 shares")' <<<"$j" >/dev/null \
		|| lab_fail "$t: a million shares not refused" ;;
	stubcut) jq -e '.shares.error | test("malformed share list: .*(ends inside|runs past)")' \
		<<<"$j" >/dev/null || lab_fail "$t: a cut list not named" ;;
	pending) [ "$(jq -r '[.shares.list[].name] | join(",")' <<<"$j")" = "a,IPC\$" ] \
		|| lab_fail "$t: the list behind interim responses not read" ;;
	pendflood) jq -e '.ntlm.error | test("more than 16 interim responses")' <<<"$j" >/dev/null \
		|| lab_fail "$t: a flood of interim responses not named" ;;
	esac
done
echo "smb --shares ok: names, sessions, shares and access agree with smb.conf and smbclient; hostile replies give clear errors"
