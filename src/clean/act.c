/*
 * act.c - carrying out a plan, one recorded step at a time.
 *
 * Before anything is changed, every process to stop is pinned with a
 * pidfd (so a pid reused later is never signalled) and checked to still
 * be the program the plan saw.  Then the quarantine is made, and each step
 * is recorded as started, run, and recorded as done before the next one
 * begins.  A file step first checks the file is still what the plan saw;
 * a file that changed stops the run there, with the steps done so far in
 * the manifest for undo.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clean/quarantine.h"
#include "portier/digest.h"
#include "portier/file.h"
#include "portier/fw.h"
#include "portier/inspect.h"

extern char **environ;

struct actor {
	const struct portier_clean_env *env;
	struct portier_clean_plan *p;
	struct clean_q q;
	int rootfd;
	int *pidfds; /* per step (STOP, KILL, SAVE of an executable) */
	bool units_changed;
};

int clean_pidfd(int pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int clean_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

bool clean_same_comm(const char *proc_root, int pid, const char *comm)
{
	struct portier_inspect_child c;

	return portier_inspect_child_read(proc_root, pid, &c) == 0 &&
	       strcmp(c.comm, comm) == 0;
}

/* Does pid own what the plan saves (its executable)? */
static bool owner(const struct portier_clean_plan *p, int pid)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (p->steps[i].kind == PORTIER_CLEAN_SAVE &&
		    p->steps[i].pid == pid)
			return true;
	return false;
}

/* Pin every process of the plan before anything is done. */
static int pin(struct actor *a, struct portier_err *err)
{
	size_t i, j;

	a->pidfds = portier_calloc(a->p->n_steps + 1, sizeof(*a->pidfds));
	if (!a->pidfds)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	for (i = 0; i < a->p->n_steps; i++)
		a->pidfds[i] = -1;
	for (i = 0; i < a->p->n_steps; i++) {
		const struct portier_clean_step *s = &a->p->steps[i];

		if (!s->pid)
			continue;
		/* a later step of the same process shares its pin (or
		 * its absence: the pid is never looked up twice) */
		for (j = 0; j < i && a->p->steps[j].pid != s->pid; j++)
			;
		if (j < i) {
			a->pidfds[i] =
				a->pidfds[j] >= 0 ? dup(a->pidfds[j]) : -1;
			continue;
		}
		a->pidfds[i] = clean_pidfd(s->pid);
		if (a->pidfds[i] >= 0 &&
		    !clean_same_comm(a->env->proc_root, s->pid, s->comm)) {
			close(a->pidfds[i]);
			a->pidfds[i] = -1;
		}
		/* a child that came and went is no matter; an owner is */
		if (a->pidfds[i] < 0 && owner(a->p, s->pid)) {
			portier_err_set(err, PORTIER_ENOENT,
					"process %d (%s) vanished before it "
					"could be stopped: nothing was changed",
					s->pid, s->comm);
			portier_err_hint(err, "run the command again: the "
					      "plan is made afresh");
			return PORTIER_ENOENT;
		}
	}
	return 0;
}

static int changed(const struct portier_clean_step *s, struct portier_err *err)
{
	portier_err_set(err, PORTIER_EINVAL,
			"%s changed since the plan was made (it no longer "
			"has the size and SHA-256 the plan saw): stopped "
			"before touching it",
			s->path);
	portier_err_hint(err, "look at it, then run clean again for a new "
			      "plan; what was done so far is undone with "
			      "--undo");
	return PORTIER_EINVAL;
}

/* Open path as the plan saw it: the same content, or an error. */
static int open_checked(struct actor *a, const struct portier_clean_step *s,
			int *fd, struct stat *st, struct portier_err *err)
{
	struct portier_clean_file now;
	const char *rel = clean_rel("", s->path);
	char sha[65];
	uint64_t size;
	int rc;

	*fd = -1;
	rc = clean_file_info(a->rootfd, rel, &now, NULL, NULL, err);
	if (rc == PORTIER_ENOENT)
		return changed(s, err);
	if (rc < 0)
		return rc;
	rc = clean_same_content(&now, &s->file);
	portier_free(now.target);
	if (!rc)
		return changed(s, err);
	if (s->file.link)
		return 0;
	*fd = openat(a->rootfd, rel,
		     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, st) < 0 ||
	    portier_digests_fd(*fd, CLEAN_COPY_MAX, sha, NULL, &size) < 0 ||
	    lseek(*fd, 0, SEEK_SET) < 0) {
		rc = portier_err_set(err, -errno, "cannot read %s: %s", s->path,
				     strerror(errno));
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return rc;
	}
	if (size != s->file.size || strcmp(sha, s->file.sha256) != 0) {
		close(*fd);
		*fd = -1;
		return changed(s, err);
	}
	return 0;
}

/* Remove path, if it is still the file open as fd (or a link). */
static int unlink_same(struct actor *a, const struct portier_clean_step *s,
		       const struct stat *st, struct portier_err *err)
{
	const char *rel = clean_rel("", s->path);
	char name[256];
	struct stat now;
	int dfd = clean_parent(a->rootfd, rel, name, sizeof(name)), rc = 0;

	if (dfd < 0)
		return portier_err_set(err, -errno,
				       "cannot open the "
				       "directory of %s",
				       s->path);
	if (!s->file.link &&
	    (fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	     now.st_dev != st->st_dev || now.st_ino != st->st_ino))
		rc = changed(s, err);
	else if (unlinkat(dfd, name, 0) < 0)
		rc = portier_err_set(err, -errno, "cannot remove %s: %s",
				     s->path, strerror(errno));
	close(dfd);
	return rc;
}

static int do_save(struct actor *a, size_t i, struct portier_err *err)
{
	const struct portier_clean_step *s = &a->p->steps[i];
	struct stat st;
	char exe[4200];
	int fd, rc;

	if (s->pid) {
		/* through the process, so a deleted binary is still saved */
		snprintf(exe, sizeof(exe), "%s/%d/exe",
			 a->env->proc_root ? a->env->proc_root : "/proc",
			 s->pid);
		fd = open(exe, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return portier_err_set(err, -errno,
					       "cannot read %s: %s", exe,
					       strerror(errno));
	} else {
		rc = open_checked(a, s, &fd, &st, err);
		if (rc < 0)
			return rc;
	}
	rc = clean_q_copy_in(&a->q, fd, s->qname, s->file.sha256, err);
	close(fd);
	return rc;
}

static int do_signal(struct actor *a, size_t i, int sig,
		     struct portier_err *err)
{
	const struct portier_clean_step *s = &a->p->steps[i];
	struct pollfd pfd = {.fd = a->pidfds[i], .events = POLLIN};

	if (a->pidfds[i] < 0)
		return 0; /* a child gone before the run began */
	if (clean_signal(a->pidfds[i], sig) < 0) {
		if (errno == ESRCH)
			return 0; /* gone already */
		return portier_err_set(err, -errno,
				       "cannot signal process %d (%s): %s",
				       s->pid, s->comm, strerror(errno));
	}
	/* a killed process lets go of its sockets when it exits */
	if (sig == SIGKILL)
		poll(&pfd, 1, 2000);
	return 0;
}

static int do_move(struct actor *a, size_t i, struct portier_err *err)
{
	const struct portier_clean_step *s = &a->p->steps[i];
	struct stat st;
	int fd, rc;

	rc = open_checked(a, s, &fd, &st, err);
	if (rc < 0)
		return rc;
	if (fd >= 0) {
		rc = clean_q_copy_in(&a->q, fd, s->qname, s->file.sha256, err);
		close(fd);
		if (rc < 0)
			return rc;
	}
	return unlink_same(a, s, &st, err);
}

struct rewrite {
	const char *text;
	size_t len;
	const struct portier_clean_file *f;
};

static int write_rewrite(FILE *out, const void *ctx)
{
	const struct rewrite *r = ctx;

	fwrite(r->text, 1, r->len, out);
	if (fchown(fileno(out), r->f->uid, r->f->gid) < 0 ||
	    fchmod(fileno(out), r->f->mode) < 0)
		return -errno;
	return 0;
}

static int do_rewrite(struct actor *a, size_t i, struct portier_err *err)
{
	const struct portier_clean_step *s = &a->p->steps[i];
	struct portier_clean_file now;
	const char *rel = clean_rel("", s->path);
	struct rewrite rw = {.f = &s->file};
	char *text = NULL, *out = NULL, name[256], sha[65];
	size_t len = 0;
	int fd, dfd, rc;

	rc = clean_file_info(a->rootfd, rel, &now, &text, &len, err);
	if (rc == PORTIER_ENOENT ||
	    (rc == 0 && !clean_same_content(&now, &s->file)))
		rc = changed(s, err);
	portier_free(now.target);
	if (rc == 0)
		rc = portier_clean_drop_lines(text, len, s->lines, s->n_lines,
					      &out, &rw.len);
	if (rc == 0 && portier_sha256_hex(out, rw.len, sha) == 0) {
		if (strcmp(sha, s->new_sha256) != 0)
			rc = changed(s, err);
	}
	/* the original bytes into quarantine first */
	if (rc == 0) {
		fd = openat(a->q.fd, s->qname,
			    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
		    fsync(fd) < 0)
			rc = portier_err_set(err, -errno,
					     "cannot keep a copy of %s: %s",
					     s->path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (rc == 0) {
		rw.text = out;
		dfd = clean_parent(a->rootfd, rel, name, sizeof(name));
		if (dfd < 0)
			rc = portier_err_set(err, -errno,
					     "cannot open the directory of %s",
					     s->path);
		else
			rc = portier_file_replace_at(dfd, NULL, name,
						     write_rewrite, &rw, err);
		if (dfd >= 0)
			close(dfd);
	}
	portier_free(text);
	portier_free(out);
	return rc;
}

static int do_mask(struct actor *a, size_t i, struct portier_err *err)
{
	const struct portier_clean_step *s = &a->p->steps[i];
	char name[256];
	int dfd = clean_parent(a->rootfd, clean_rel("", s->path), name,
			       sizeof(name));
	int rc = 0;

	if (dfd < 0)
		return portier_err_set(err, -errno,
				       "cannot open the directory of %s: %s",
				       s->path, strerror(errno));
	if (symlinkat("/dev/null", dfd, name) < 0)
		rc = portier_err_set(err, -errno, "cannot mask %s (%s): %s",
				     s->unit, s->path, strerror(errno));
	close(dfd);
	a->units_changed = true;
	return rc;
}

static int do_remove(struct actor *a, size_t i, struct portier_err *err)
{
	const struct portier_clean_step *s = &a->p->steps[i];
	struct stat st;
	int fd, copy, rc;

	/* the copy SAVE made must be whole before the original goes */
	rc = clean_q_open_copy(&a->q, s->qname, s->file.sha256, &copy, err);
	if (rc < 0)
		return rc;
	close(copy);
	rc = open_checked(a, s, &fd, &st, err);
	if (rc < 0)
		return rc;
	if (fd >= 0)
		close(fd);
	return unlink_same(a, s, &st, err);
}

int clean_fw_open(const struct portier_clean_env *env, struct portier_fw **fw,
		  struct portier_err *err)
{
	char dir[4300], root[4096];
	int rc;

	clean_root(env->root, root, sizeof(root));
	snprintf(dir, sizeof(dir), "%s/var/lib/portier/fw", root);
	rc = portier_fw_open(fw, &portier_fw_nft,
			     env->fw_state_dir ? env->fw_state_dir : dir, err);
	if (rc == 0 && (rc = portier_fw_lock(*fw, err)) < 0) {
		portier_fw_close(*fw);
		*fw = NULL;
	}
	return rc;
}

/* Close or open one port in portier's table, with an undo point. */
int clean_fw_change(struct portier_fw *fw, uint16_t port, uint8_t proto,
		    bool close_it, const char *what, bool *did,
		    struct portier_err *err)
{
	struct portier_fw_policy pol = {0};
	struct portier_fw_spec spec = {0};
	char text[32], *script = NULL;
	int rc;

	*did = false;
	snprintf(text, sizeof(text), "%u/%s", port,
		 proto == PORTIER_PROTO_UDP ? "udp" : "tcp");
	rc = portier_fw_current(fw, &pol, err);
	if (rc == 0)
		rc = portier_fw_spec_parse(text, 0, &spec, err);
	if (rc == 0)
		rc = close_it ? portier_fw_policy_close(&pol, &spec, NULL, err)
			      : portier_fw_policy_open(&pol, &spec, err);
	if (rc == 0)
		rc = portier_fw_render(&pol, &script, err);
	if (rc == 0)
		rc = portier_fw_apply(fw, script, what, did, err);
	portier_free(script);
	portier_fw_spec_free(&spec);
	portier_fw_policy_free(&pol);
	return rc;
}

void clean_fw_what(const char *id, uint16_t port, char *buf, size_t cap)
{
	snprintf(buf, cap, "portier clean (quarantine %s): close %u", id, port);
}

static int do_block(struct actor *a, size_t i, struct portier_err *err)
{
	struct portier_clean_step *s = &a->p->steps[i];
	struct portier_fw *fw = NULL;
	char what[128];
	bool did;
	int rc;

	clean_fw_what(a->p->id, s->port, what, sizeof(what));
	rc = clean_fw_open(a->env, &fw, err);
	if (rc == 0)
		rc = clean_fw_change(fw, s->port, s->proto, true, what, &did,
				     err);
	if (rc == 0)
		s->fw_point = did ? portier_fw_undo_top(fw) : 0;
	portier_fw_close(fw);
	return rc;
}

/* Is this a live system whose systemd clean should tell (root "/",
 * systemd running)? */
static bool live_systemd(const struct portier_clean_env *env)
{
	struct stat st;

	return (!env->root || !env->root[0] || strcmp(env->root, "/") == 0) &&
	       stat("/run/systemd/system", &st) == 0;
}

/* Run systemctl VERB [UNIT] on a live system; its status is not judged
 * (the files are what clean records). */
static void systemctl(const struct portier_clean_env *env, const char *verb,
		      const char *unit)
{
	char prog[] = "systemctl", dashes[] = "--", v[32], u[256];
	char *const with_unit[] = {prog, v, dashes, u, NULL};
	char *const without[] = {prog, v, NULL};
	pid_t pid;
	int status;

	if (!live_systemd(env))
		return;
	portier_strlcpy(v, verb, sizeof(v));
	portier_strlcpy(u, unit ? unit : "", sizeof(u));
	if (posix_spawnp(&pid, "systemctl", NULL, NULL,
			 unit ? with_unit : without, environ) == 0)
		waitpid(pid, &status, 0);
}

/* On a live system the manager rereads its units, so a mask and the
 * removed unit files count at once. */
void clean_systemd_reload(const struct portier_clean_env *env)
{
	systemctl(env, "daemon-reload", NULL);
}

static bool unit_step(const struct portier_clean_step *s)
{
	return s->kind == PORTIER_CLEAN_MASK ||
	       (s->kind == PORTIER_CLEAN_MOVE && s->unit);
}

static int run_step(struct actor *a, size_t i, struct portier_err *err)
{
	int rc;

	switch (a->p->steps[i].kind) {
	case PORTIER_CLEAN_STOP:
		return do_signal(a, i, SIGSTOP, err);
	case PORTIER_CLEAN_SAVE:
		return do_save(a, i, err);
	case PORTIER_CLEAN_KILL:
		rc = do_signal(a, i, SIGKILL, err);
		/* a unit with Restart= would start it again: stopping the
		 * unit cancels that (its unit file is judged bad and moved) */
		if (rc == 0 && a->p->steps[i].unit)
			systemctl(a->env, "stop", a->p->steps[i].unit);
		return rc;
	case PORTIER_CLEAN_MOVE:
		if (a->p->steps[i].unit)
			a->units_changed = true;
		return do_move(a, i, err);
	case PORTIER_CLEAN_REWRITE:
		return do_rewrite(a, i, err);
	case PORTIER_CLEAN_MASK:
		return do_mask(a, i, err);
	case PORTIER_CLEAN_REMOVE:
		return do_remove(a, i, err);
	case PORTIER_CLEAN_BLOCK:
		return do_block(a, i, err);
	default:
		return portier_err_set(err, PORTIER_EINVAL, "unknown step");
	}
}

/* Note the directory a file step works in, before it starts. */
static void note_dir(struct actor *a, struct portier_clean_step *s)
{
	char name[256];
	struct stat st;
	int dfd;

	if (!s->path || s->kind == PORTIER_CLEAN_SAVE)
		return;
	dfd = clean_parent(a->rootfd, clean_rel("", s->path), name,
			   sizeof(name));
	if (dfd >= 0 && fstat(dfd, &st) == 0) {
		s->dir_dev = (uint64_t)st.st_dev;
		s->dir_ino = (uint64_t)st.st_ino;
	}
	if (dfd >= 0)
		close(dfd);
}

int portier_clean_act(const struct portier_clean_env *env,
		      struct portier_clean_plan *p, struct portier_err *err)
{
	struct actor a = {.env = env, .p = p, .q = {.fd = -1}};
	char root[4096];
	size_t i;
	int rc;

	p->id[0] = '\0';
	if (geteuid() != 0)
		return portier_err_set(err, PORTIER_EPERM,
				       "clean needs root: it stops processes "
				       "and moves system files");
	rc = clean_open_root(env->root, root, sizeof(root), &a.rootfd, err);
	if (rc < 0)
		return rc;
	rc = pin(&a, err);
	if (rc == 0)
		rc = clean_q_create(env, p, &a.q, err);
	for (i = 0; rc == 0 && i < p->n_steps; i++) {
		struct portier_clean_step *s = &p->steps[i];

		note_dir(&a, s);
		s->state = PORTIER_CLEAN_STARTED;
		rc = clean_q_save_manifest(&a.q, p, err);
		if (rc < 0)
			break;
		rc = run_step(&a, i, err);
		if (rc < 0) {
			/* a step that failed its checks changed nothing */
			if (rc == PORTIER_EINVAL)
				s->state = PORTIER_CLEAN_PLANNED;
			clean_q_save_manifest(&a.q, p, NULL);
			break;
		}
		s->state = PORTIER_CLEAN_DONE;
		rc = clean_q_save_manifest(&a.q, p, err);
		/* the units are done: the manager rereads them now */
		if (a.units_changed &&
		    (i + 1 == p->n_steps || !unit_step(&p->steps[i + 1]))) {
			clean_systemd_reload(env);
			a.units_changed = false;
		}
		if (rc == 0 && env->progress)
			env->progress(s, env->ctx);
	}
	if (a.units_changed)
		clean_systemd_reload(env);
	for (i = 0; a.pidfds && i < p->n_steps; i++)
		if (a.pidfds[i] >= 0)
			close(a.pidfds[i]);
	portier_free(a.pidfds);
	clean_q_close(&a.q);
	close(a.rootfd);
	return rc;
}
