/*
 * privs.c - raw sockets need CAP_NET_RAW, and nothing else in a scan does.
 * The scan opens its raw and packet sockets first and then gives up every
 * capability, so the code that parses packets from the network runs without
 * privileges (libcap-ng).
 */
#include <cap-ng.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "portier/scan.h"

bool portier_scan_can_raw(void)
{
	capng_get_caps_process();
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW) != 0;
}

int portier_scan_drop_privileges(struct portier_err *err)
{
	capng_select_t what = CAPNG_SELECT_CAPS;

	capng_get_caps_process();
	/* the bounding set can only be cleared with CAP_SETPCAP */
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		what = CAPNG_SELECT_BOTH;
	capng_clear(what);
	if (capng_apply(what) < 0)
		return portier_err_set(err, PORTIER_EPERM,
				       "cannot drop capabilities after opening "
				       "raw sockets");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return portier_err_set(err, PORTIER_EPERM,
				       "cannot set no_new_privs");
	return 0;
}
