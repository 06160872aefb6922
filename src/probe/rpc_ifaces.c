/*
 * rpc_ifaces.c - the RPC interfaces an endpoint list names, by UUID: what
 * each is and what a caller can reach through it.  Our own table, from the
 * Microsoft protocol documents ([MS-RPRN], [MS-EFSR], [MS-TSCH], ...); the
 * finding column marks the interfaces whose mere reachability is a risk
 * (authentication coercion, the root of NTLM relay attacks).
 */
#include <string.h>

#include "portier/probe.h"

static const struct portier_rpc_iface_info ifaces[] = {
	{"12345678-1234-abcd-ef00-0123456789ab", "MS-RPRN print spooler",
	 "printers and drivers; makes the host authenticate to a caller's "
	 "machine (PrinterBug), PrintNightmare",
	 "rpc-spooler-exposed"},
	{"76f03f96-cdfd-44fc-a22c-64950a001209", "MS-PAR async print spooler",
	 "the spooler over its asynchronous interface (PrintNightmare)",
	 "rpc-spooler-exposed"},
	{"c681d488-d850-11d0-8c52-00c04fd90f7e",
	 "MS-EFSR encrypting file system",
	 "EFS calls that make the host authenticate to a caller's machine "
	 "(PetitPotam)",
	 "rpc-efsr-exposed"},
	{"df1941c5-fe89-4e79-bf10-463657acf44d", "MS-EFSR efsrpc",
	 "EFS calls that make the host authenticate to a caller's machine "
	 "(PetitPotam)",
	 "rpc-efsr-exposed"},
	{"86d35949-83c9-4044-b424-db363231fd0c", "MS-TSCH task scheduler",
	 "scheduled tasks: remote command execution for an administrator",
	 NULL},
	{"1ff70682-0a51-30e8-076d-740be8cee98b", "MS-TSCH ATSvc",
	 "at jobs: remote command execution for an administrator", NULL},
	{"378e52b0-c0a9-11cf-822d-00aa0051e40f", "MS-TSCH SASec",
	 "scheduled task accounts", NULL},
	{"12345778-1234-abcd-ef00-0123456789ac", "MS-SAMR SAM",
	 "users, groups and password policy", NULL},
	{"12345778-1234-abcd-ef00-0123456789ab", "MS-LSAD LSA",
	 "the domain SID, accounts by SID, trusts, policy", NULL},
	{"3919286a-b10c-11d0-9ba8-00c04fd92ef5", "MS-DSSP DsRole",
	 "the machine's domain role", NULL},
	{"e3514235-4b06-11d1-ab04-00c04fc2dcd2", "MS-DRSR DRSUAPI",
	 "directory replication: password hashes for DCSync", NULL},
	{"12345678-1234-abcd-ef00-01234567cffb", "MS-NRPC netlogon",
	 "secure channel and logon (Zerologon)", NULL},
	{"4b324fc8-1670-01d3-1278-5a47bf6ee188", "MS-SRVS server service",
	 "shares and sessions", NULL},
	{"6bffd098-a112-3610-9833-46c3f87e345a", "MS-WKST workstation service",
	 "logged-on users, domain membership", NULL},
	{"338cd001-2244-31f1-aaaa-900038001003", "MS-RRP remote registry",
	 "the registry", NULL},
	{"367abb81-9844-35f1-ad32-98f038001003", "MS-SCMR service control",
	 "services: remote command execution for an administrator (PsExec)",
	 NULL},
	{"82273fdc-e32a-18c3-3f78-827929dc23ea", "MS-EVEN eventlog",
	 "event logs", NULL},
	{"f6beaff7-1e19-4fbb-9f8f-b89e2018337c", "MS-EVEN6 eventlog",
	 "event logs", NULL},
	{"894de0c0-0d55-11d3-a322-00c04fa321a1", "MS-RSP InitShutdown",
	 "remote shutdown", NULL},
	{"d95afe70-a6d5-4259-822e-2c84da1ddb0d", "MS-RSP WindowsShutdown",
	 "remote shutdown", NULL},
	{"4fc742e0-4a10-11cf-8273-00aa004ae673", "MS-DFSNM DFS namespaces",
	 "DFS namespace management (DFSCoerce)", NULL},
	{"a8e0653c-2744-4389-a61d-7373df8b2292", "MS-FSRVP shadow copy agent",
	 "shadow copies of shares (ShadowCoerce)", NULL},
	{"ccd8c074-d0e5-4a40-92b4-d074faa6ba28", "MS-SWN witness",
	 "cluster share witness", NULL},
	{"8d9f4e40-a03d-11ce-8f69-08003e30051b", "MS-PNPR plug and play",
	 "devices and drivers", NULL},
	{"3dde7c30-165d-11d1-ab8f-00805f14db40", "MS-BKRP backup key",
	 "DPAPI domain backup keys", NULL},
	{"50abc2a4-574d-40b3-9d66-ee4fd5fba076", "MS-DNSP DNS server",
	 "DNS server management", NULL},
	{"6b5bdd1e-528c-422c-af8c-a4079be4fe48", "MS-FASP firewall",
	 "firewall rules", NULL},
	{"4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", "MS-DCOM IActivation",
	 "DCOM object activation (WMI and others)", NULL},
	{"000001a0-0000-0000-c000-000000000046", "MS-DCOM IRemoteSCMActivator",
	 "DCOM object activation (WMI and others)", NULL},
	{"99fcfec4-5260-101b-bbcb-00aa0021347a", "MS-DCOM IObjectExporter",
	 "DCOM object resolution; lists the host's addresses", NULL},
	{"f309ad18-d86a-11d0-a075-00c04fb68820", "MS-WMI IWbemLevel1Login",
	 "WMI: remote command execution for an administrator", NULL},
	{"e1af8308-5d1f-11c9-91a4-08002b14a0fa", "endpoint mapper", "this list",
	 NULL},
};

const struct portier_rpc_iface_info *
portier_rpc_iface_find(const uint8_t uuid[16])
{
	char s[40];
	size_t i;

	portier_guid_str(uuid, s, sizeof(s));
	for (i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++)
		if (strcmp(ifaces[i].uuid, s) == 0)
			return &ifaces[i];
	return NULL;
}
