# smb_access.sh - sourced by the SMB share lab tests (after lib.sh).
#
# smb_access_check IP SHAREDIR JSON [SMBCLIENT-OPTION...]: for the shares
# gw, secret, x$ and pub and for the null and the guest logon, the readable
# and writable verdicts of `portier smb --shares --json` (JSON) equal what
# smbclient with the same logon can do: read = list the share's root,
# write = put a file (the test writes; the file is removed from
# SHAREDIR/gw after).
smb_access_check() {
	local ip=$1 sh=$2 j=$3 share who cred r w pr pw; shift 3
	echo probe > "$LAB_DIR/put.txt"
	for share in gw secret 'x$' pub; do
		for who in null guest; do
			cred=%; [ "$who" = guest ] && cred="nobody$RANDOM%x$RANDOM"
			r=$(smb_access_can "$ip" "$share" "$cred" ls "$@")
			w=$(smb_access_can "$ip" "$share" "$cred" \
				"lcd $LAB_DIR; put put.txt portier-test-$who.txt" "$@")
			rm -f "$sh/gw/portier-test-$who.txt"
			pr=$(jq -r --arg s "$share" --arg w "$who" \
				'.shares.list[] | select(.name == $s) | .[$w].readable' <<<"$j")
			pw=$(jq -r --arg s "$share" --arg w "$who" \
				'.shares.list[] | select(.name == $s) | .[$w].writable' <<<"$j")
			echo "$ip $share $who: smbclient read $r write $w; portier read $pr write $pw"
			[ "$r" = "$pr" ] && [ "$w" = "$pw" ] \
				|| lab_fail "$ip $share ($who): portier's verdict differs from smbclient's"
		done
	done
}
# smb_access_can IP SHARE USER%PASS COMMAND [OPTION...]: true when smbclient
# succeeds
smb_access_can() {
	local ip=$1 share=$2 cred=$3 cmd=$4; shift 4
	if lab_scan smbclient "$@" "//$ip/$share" -U "$cred" -c "$cmd" </dev/null >/dev/null 2>&1
	then echo true; else echo false; fi
}
