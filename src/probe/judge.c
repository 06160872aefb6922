/*
 * judge.c - what a probe result means for the defender, in words: the leak
 * of a node status reply, and the findings of an SMB negotiation.
 *
 * Kept in the library, not the CLI, so that `portier nbstat`, `portier smb`
 * and the scanner's `--probe` judge the same way.  Severity follows the
 * issue the commands were built for: SMB1 accepted is high (it is the
 * protocol EternalBlue/MS17-010 attacked), signing not required is medium
 * (it allows NTLM relay and tampering by a man in the middle).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portier/probe.h"

static const struct {
	unsigned bit;
	const char *key, *words;
} roles[] = {
	{PORTIER_NB_ROLE_FILE_SERVER, "file_server", "file server"},
	{PORTIER_NB_ROLE_DOMAIN_CONTROLLER, "domain_controller",
	 "domain controller"},
	{PORTIER_NB_ROLE_DOMAIN_MASTER, "domain_master_browser",
	 "domain master browser"},
	{PORTIER_NB_ROLE_MASTER_BROWSER, "master_browser", "master browser"},
	{PORTIER_NB_ROLE_MESSENGER, "messenger", NULL},
	{PORTIER_NB_ROLE_IIS, "iis", "IIS"},
};

const char *portier_nb_role_key(unsigned role_bit)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].bit == role_bit)
			return roles[i].key;
	return "unknown";
}

void portier_nb_roles_str(unsigned bits, char *buf, size_t cap)
{
	size_t i, used = 0;

	if (!cap)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]) && used < cap; i++) {
		int n;

		/* the messenger name is on every host: not a role worth words */
		if (!(bits & roles[i].bit) || !roles[i].words)
			continue;
		n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "",
			     roles[i].words);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Append to buf at *used without running past cap. */
__attribute__((format(printf, 4, 5))) static void
add(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

void portier_nbstat_describe(const struct portier_nbstat_reply *r,
			     const struct portier_nbstat_summary *s, char *buf,
			     size_t cap)
{
	char rl[128];
	size_t used = 0;

	if (!cap)
		return;
	buf[0] = '\0';
	portier_nb_roles_str(s->roles, rl, sizeof(rl));
	add(buf, cap, &used, "gives anyone %u names: ", r->n_names);
	add(buf, cap, &used, "computer %s", s->computer[0] ? s->computer : "?");
	if (s->workgroup[0])
		add(buf, cap, &used, ", workgroup/domain %s", s->workgroup);
	if (s->user[0])
		add(buf, cap, &used, ", logged-on user %s", s->user);
	if (rl[0])
		add(buf, cap, &used, ", roles: %s", rl);
	if (r->have_mac && !s->mac_zero)
		add(buf, cap, &used, "%s", ", its MAC address");
}

bool portier_smb_login_usable(const struct portier_smb_login *l)
{
	return l->tried && l->status == 0 && l->nt_status == 0 &&
	       l->ipc_tried && l->ipc_io == 0 && l->ipc_status == 0;
}

/* A stable insertion sort, highest risk first. */
static void sort_worst_first(struct portier_probe_finding *f, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct portier_probe_finding x = f[i];

		for (j = i; j > 0 && f[j - 1].risk < x.risk; j--)
			f[j] = f[j - 1];
		f[j] = x;
	}
}

/* The first listed share for which test holds in the null or the guest
 * session; hidden_only: names ending in $ only. */
static const struct portier_smb_share *
share_where(const struct portier_smb_host *h,
	    bool (*test)(const struct portier_share_access *), bool hidden_only)
{
	uint32_t i;

	if (!h->shares_tried || h->shares_status < 0)
		return NULL;
	for (i = 0; i < h->shares->n; i++) {
		const struct portier_smb_share *sh = &h->shares->shares[i];
		size_t n = strlen(sh->name);

		if (hidden_only && (n == 0 || sh->name[n - 1] != '$'))
			continue;
		if (test(&sh->null_access) || test(&sh->guest_access))
			return sh;
	}
	return NULL;
}

size_t
portier_smb_judge(const struct portier_smb_host *h,
		  struct portier_probe_finding out[PORTIER_SMB_MAX_FINDINGS])
{
	size_t n = 0;

	if (h->smb1)
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_HIGH, "smb1-accepted",
			"SMB1 (NT LM 0.12) is accepted: the protocol that "
			"EternalBlue (MS17-010), WannaCry and NotPetya used",
			"disable SMB1: on Windows "
			"`Set-SmbServerConfiguration -EnableSMB1Protocol "
			"$false`; in Samba `server min protocol = SMB2_10`"};
	if (h->highest && !h->signing_required)
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_MEDIUM, "signing-not-required",
			"message signing is not required: a man in the middle "
			"can relay or alter SMB sessions (NTLM relay)",
			"require signing: on Windows "
			"`Set-SmbServerConfiguration "
			"-RequireSecuritySignature $true`; in Samba "
			"`server signing = mandatory`"};
	if (share_where(h, portier_share_writable, false))
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_HIGH, "smb-share-writable",
			"a share is writable without a password (null or guest "
			"session): anyone who reaches the port can plant or "
			"destroy files there (ransomware, trojaned programs)",
			"on Windows give Everyone/Guest/ANONYMOUS LOGON no "
			"write right on the share and its folder and keep the "
			"Guest account disabled; in Samba drop `guest ok = "
			"yes` or set `read only = yes`, and `map to guest = "
			"Never`"};
	if (share_where(h, portier_share_readable, false))
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_HIGH, "smb-share-readable",
			"a share is readable without a password (null or guest "
			"session): its files are open to anyone who reaches "
			"the port",
			"on Windows remove Everyone/Guest/ANONYMOUS LOGON from "
			"the share and folder permissions; in Samba drop "
			"`guest ok = yes` where the data is not public, and "
			"`map to guest = Never`"};
	if (share_where(h, portier_share_reachable, true))
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_MEDIUM, "smb-hidden-share-reachable",
			"a hidden or administrative share (a name ending in $) "
			"can be connected to without a password: the $ only "
			"hides it from browsing",
			"on Windows leave C$/ADMIN$ to administrators (no "
			"Everyone or Guest rights) and remove custom $ shares "
			"that need none; in Samba drop `guest ok = yes` on "
			"them and set `browseable = no` only as a courtesy, "
			"not as protection"};
	if (portier_smb_login_usable(&h->null_login))
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_MEDIUM, "smb-null-session",
			"a null session (no user, no password) is accepted "
			"and reaches IPC$: anyone can ask for shares, users "
			"and policies",
			"on Windows set `RestrictAnonymous` = 1 and "
			"`RestrictNullSessAccess` = 1 (Network access: "
			"Restrict anonymous access to Named Pipes and "
			"Shares); in Samba `restrict anonymous = 2`"};
	if (portier_smb_login_usable(&h->guest_login))
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_MEDIUM, "smb-guest-mapping",
			"a user name that does not exist, with any password, "
			"is logged on (as guest) and reaches IPC$: whatever a "
			"guest may read or write is open to everyone who can "
			"reach the port",
			"on Windows keep the Guest account disabled and "
			"`AllowInsecureGuestAuth` off; in Samba `map to guest "
			"= Never` and no `guest ok = yes` share that needs "
			"protection"};
	if (h->ntlm_tried && h->ntlm_status == 0 &&
	    (h->ntlm.nb_computer[0] || h->ntlm.dns_computer[0] ||
	     h->ntlm.nb_domain[0] || h->ntlm.dns_domain[0]))
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_LOW, "ntlm-info-leak",
			"the NTLM challenge tells anyone, before any password, "
			"the computer and domain names (NetBIOS and DNS) and "
			"the server's clock: a map of the network for an "
			"attacker",
			"a server that offers NTLM answers this to anyone: "
			"let only the clients that need SMB reach 445/139 "
			"(Windows firewall scope; in Samba `hosts allow` and "
			"a firewall), and on Windows restrict NTLM "
			"(`Network security: Restrict NTLM` policies) so "
			"that Kerberos is used"};
	sort_worst_first(out, n);
	return n;
}

/* Does the list hold an interface with this finding id? */
static const struct portier_epm_entry *
has_finding(const struct portier_rpc_host *h, const char *id)
{
	size_t i;

	for (i = 0; i < h->n_entries; i++) {
		const struct portier_rpc_iface_info *f =
			portier_rpc_iface_find(h->entries[i].iface.uuid);

		if (f && f->finding && strcmp(f->finding, id) == 0)
			return &h->entries[i];
	}
	return NULL;
}

size_t
portier_rpc_judge(const struct portier_rpc_host *h,
		  struct portier_probe_finding out[PORTIER_RPC_MAX_FINDINGS])
{
	size_t n = 0;

	if (has_finding(h, "rpc-spooler-exposed"))
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_HIGH, "rpc-spooler-exposed",
			"the print spooler is registered: any authenticated "
			"user can make this host authenticate to a machine "
			"of their choice (PrinterBug) and relay that NTLM "
			"login; PrintNightmare attacked the same service",
			"stop the spooler where nothing prints: on Windows "
			"`Stop-Service Spooler; Set-Service Spooler "
			"-StartupType Disabled`; in Samba `disable spoolss = "
			"yes`"};
	if (has_finding(h, "rpc-efsr-exposed"))
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_HIGH, "rpc-efsr-exposed",
			"the EFS remote protocol is registered: a caller can "
			"make this host authenticate to a machine of their "
			"choice (PetitPotam) and relay that NTLM login",
			"apply the PetitPotam updates, block EFSR with an RPC "
			"filter (`netsh rpc filter` on c681d488-d850-11d0-"
			"8c52-00c04fd90f7e and df1941c5-fe89-4e79-bf10-"
			"463657acf44d), require EPA/signing for NTLM on AD CS "
			"and LDAP"};
	if (h->bound && h->pages)
		out[n++] = (struct portier_probe_finding){
			PORTIER_RISK_MEDIUM, "rpc-endpoints-listed",
			"the endpoint mapper on 135 tells anyone which RPC "
			"interfaces, ports and named pipes this host offers",
			"block 135/tcp from untrusted networks (Windows "
			"firewall, an edge filter); in Samba leave `rpc start "
			"on demand helpers = yes` (the default) so that "
			"samba-dcerpcd does not listen on TCP"};
	return n;
}
