#!/usr/bin/env bash
# portier smb --shares against Samba that speaks only SMB1 (server min and
# max protocol = NT1): the logons go over SESSION_SETUP_ANDX with NTLMSSP,
# the share list over NT_CREATE_ANDX + TRANSACTION on \srvsvc, and each
# share's access over TREE_CONNECT_ANDX and NT_CREATE_ANDX.  The NTLM names
# equal smb.conf's, the share list equals `smbclient -N -L -m NT1`'s, the
# null and guest verdicts and each share's read/write verdicts equal what
# smbclient can do over NT1 (map to guest = Bad User, then Never), nothing
# is written by portier, and SMB1 is still the high finding; the scanner's
# --probe smb-shares reports the same list, in XML that validates.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/smb_access.sh"
lab_init
need_tool jq smbclient xmllint
need_file /usr/share/nmap/nmap.dtd

lab_target t1 # SMB1 only, guest-readable pub, guest-writable gw, secret, x$
lab_target t2 # SMB1 only, map to guest = Never
sh=$LAB_DIR/shares
mkdir -p "$sh"/{gw,secret,x}
chmod 0777 "$sh/gw"
NT1=("server min protocol = NT1" "server max protocol = NT1")
lab_samba t1 "${NT1[@]}" "[gw]" "path = $sh/gw" "guest ok = yes" "read only = no" \
	"[secret]" "path = $sh/secret" "guest ok = no" "valid users = root" \
	"[x\$]" "path = $sh/x" "guest ok = yes" "read only = yes"
conf1=$LAB_SAMBA_CONF
chmod o+x "$LAB_DIR" "$LAB_DIR/samba-t1"
lab_samba t2 "${NT1[@]}" "map to guest = Never"
ip1=${LAB_IP[t1]} ip2=${LAB_IP[t2]}
# smbclient over SMB1 only
SMBC=(smbclient -m NT1 --option='client min protocol = NT1')

j=$(lab_expect 1 lab_scan "$PORTIER" smb --shares --json "$ip1")
echo "t1: $(jq -c '{accepted, highest, ntlm, sessions}' <<<"$j")"
[ "$(jq -r '.accepted | join(",")' <<<"$j")" = "NT LM 0.12" ] || lab_fail "t1 is not SMB1-only"
jq -e '.findings[] | select(.id == "smb1-accepted" and .severity == "high")' <<<"$j" >/dev/null \
	|| lab_fail "t1: SMB1 not flagged"
nb=$(sed -n 's/^ *netbios name = //p' "$conf1" | tail -1)
[ "$(jq -r .ntlm.netbios_computer <<<"$j")" = "$nb" ] || lab_fail "t1: NTLM computer name over SMB1"

# the list equals smbclient -N -L over NT1
want=$(lab_scan "${SMBC[@]}" -N -g -L "$ip1" </dev/null 2>/dev/null \
	| awk -F'|' '$1 == "Disk" || $1 == "IPC" || $1 == "Printer" { print $2 "|" $1 }' | sort)
got=$(jq -r '.shares.list[] | "\(.name)|\(.type)"' <<<"$j" | sort)
echo "t1: smbclient -N -L -m NT1: $(paste -sd' ' <<<"$want")"
echo "t1: portier:               $(paste -sd' ' <<<"$got") (via $(jq -r .shares.via <<<"$j"))"
[ -n "$want" ] || lab_fail "t1: smbclient listed no shares over SMB1"
[ "$want" = "$got" ] || lab_fail "t1: share lists differ"

# sessions: what smbclient can do over NT1 with the same logons
smbclient_can() { # IP USER%PASS
	if lab_scan "${SMBC[@]}" -U "$2" -L "$1" </dev/null >/dev/null 2>&1
	then echo true; else echo false; fi
}
for t in t1 t2; do
	ip=${LAB_IP[$t]}
	jt=$(lab_expect 1 lab_scan "$PORTIER" smb --shares --json "$ip")
	nul=$(smbclient_can "$ip" %)
	gst=$(smbclient_can "$ip" "nobody$RANDOM%x$RANDOM")
	echo "$t: smbclient null $nul guest $gst; portier $(jq -c .sessions <<<"$jt")"
	[ "$(jq -r .sessions.null.usable <<<"$jt")" = "$nul" ] || lab_fail "$t: null verdict"
	[ "$(jq -r .sessions.guest.usable <<<"$jt")" = "$gst" ] || lab_fail "$t: guest verdict"
	[ "$nul" = false ] || [ "$(jq -r .sessions.null.result <<<"$jt")" = null ] \
		|| lab_fail "$t: the anonymous logon is not reported as a null session"
done
[ "$(smbclient_can "$ip2" "nobody$RANDOM%x$RANDOM")" = false ] || lab_fail "t2: Never should refuse guests"

# per share: what smbclient over NT1 can do with the same logon
smb_access_check "$ip1" "$sh" "$j" "${SMBC[@]:1}"
[ -z "$(find "$sh" -mindepth 2)" ] || lab_fail "t1: something appeared in a share folder"
for id in smb1-accepted smb-share-writable smb-share-readable smb-hidden-share-reachable; do
	jq -e --arg id "$id" '.findings[] | select(.id == $id)' <<<"$j" >/dev/null \
		|| lab_fail "t1: finding $id missing"
done
# the scanner's --probe smb-shares gives the same over SMB1, and -oX stays valid
lab_expect 0 lab_scan "$PORTIER" scan -sT -p 445 --probe smb-shares "$ip1" -q \
	-oJ "$LAB_DIR/scan.jsonl" -oX "$LAB_DIR/scan.xml"
got=$(jq -r 'select(.type == "smb") | .shares.list[] | "\(.name)|\(.type)"' "$LAB_DIR/scan.jsonl" | sort)
[ "$want" = "$got" ] || lab_fail "scan --probe smb-shares: share list over SMB1 differs"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$LAB_DIR/scan.xml" \
	|| lab_fail "scan -oX with SMB1 shares does not validate"
grep -q '<script id="smb-enum-shares"' "$LAB_DIR/scan.xml" || lab_fail "scan -oX: no smb-enum-shares"
echo "smb1 --shares ok: logons, share list and access over SMB1 agree with smbclient -m NT1"
