/*
 * undo.c - putting back what a clean did, from its quarantine.
 *
 * Every step that started is looked at first, without changing anything:
 * the copies must still hash as recorded, and each place a file goes back
 * to must be empty or hold what clean left there (a rewritten file as
 * clean wrote it, the /dev/null link of a mask).  Only when all of them
 * pass are the steps undone, newest first, each recorded in the manifest.
 * A killed program is not started again.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clean/quarantine.h"
#include "portier/fw.h"

enum action {
	ACT_NONE,    /* nothing to put back */
	ACT_RESTORE, /* the file or link from its copy */
	ACT_UNMASK,  /* remove the /dev/null link */
	ACT_UNBLOCK, /* the firewall's undo point, or open the port */
	ACT_CONT,    /* a process stopped but never killed: SIGCONT */
};

struct undoer {
	const struct portier_clean_env *env;
	struct portier_clean_plan *p;
	struct clean_q q;
	int rootfd;
	enum action *act;
	bool units;
};

static bool masked_here(const struct undoer *u, const char *path)
{
	size_t i;

	for (i = 0; i < u->p->n_steps; i++)
		if (u->act[i] == ACT_UNMASK &&
		    strcmp(u->p->steps[i].path, path) == 0)
			return true;
	return false;
}

static bool killed(const struct portier_clean_plan *p, int pid)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (p->steps[i].kind == PORTIER_CLEAN_KILL &&
		    p->steps[i].pid == pid &&
		    p->steps[i].state == PORTIER_CLEAN_DONE)
			return true;
	return false;
}

static int refuse(const struct portier_clean_step *s, const char *what,
		  struct portier_err *err)
{
	portier_err_set(err, PORTIER_EINVAL,
			"cannot undo: %s %s; nothing was changed", s->path,
			what);
	portier_err_hint(err, "move it aside, then run --undo again");
	return PORTIER_EINVAL;
}

/* The directory of a file step must be there, and be the one clean took
 * the file from (not a link or a new directory put in its place). */
static int check_dir(const struct undoer *u, const struct portier_clean_step *s,
		     struct portier_err *err)
{
	char name[256];
	struct stat st;
	int dfd = clean_parent(u->rootfd, clean_rel("", s->path), name,
			       sizeof(name));
	bool same;

	if (dfd < 0)
		return refuse(s, "has no directory to go back to (it is gone)",
			      err);
	same = fstat(dfd, &st) == 0 &&
	       (!s->dir_ino || ((uint64_t)st.st_dev == s->dir_dev &&
				(uint64_t)st.st_ino == s->dir_ino));
	close(dfd);
	return same ? 0
		    : refuse(s,
			     "would go into another directory than the one "
			     "clean took it from",
			     err);
}

/* What a file step needs, judged from what is there now. */
static int check_file(struct undoer *u, size_t i, struct portier_err *err)
{
	const struct portier_clean_step *s = &u->p->steps[i];
	struct portier_clean_file now;
	bool gone, same, rewritten;
	int rc, fd;

	rc = check_dir(u, s, err);
	if (rc < 0)
		return rc;
	rc = clean_file_info(u->rootfd, clean_rel("", s->path), &now, NULL,
			     NULL, NULL);
	gone = rc == PORTIER_ENOENT ||
	       (rc == 0 && now.link && strcmp(now.target, "/dev/null") == 0 &&
		masked_here(u, s->path));
	same = rc == 0 && clean_same_content(&now, &s->file);
	rewritten = rc == 0 && !now.link && s->kind == PORTIER_CLEAN_REWRITE &&
		    strcmp(now.sha256, s->new_sha256) == 0;
	portier_free(now.target);
	if (rc < 0 && rc != PORTIER_ENOENT)
		return refuse(s, "cannot be looked at", err);
	if (same && !gone) {
		u->act[i] = ACT_NONE;
		return 0;
	}
	if (!gone && !rewritten)
		return refuse(s,
			      s->kind == PORTIER_CLEAN_REWRITE
				      ? "was changed after clean rewrote it"
				      : "exists again, with other content",
			      err);
	u->act[i] = ACT_RESTORE;
	if (s->file.link)
		return 0;
	rc = clean_q_open_copy(&u->q, s->qname, s->file.sha256, &fd, err);
	if (rc == 0)
		close(fd);
	return rc;
}

static int check(struct undoer *u, struct portier_err *err)
{
	size_t i = u->p->n_steps;
	int rc = 0;

	while (rc == 0 && i-- > 0) {
		const struct portier_clean_step *s = &u->p->steps[i];
		struct portier_clean_file now;

		u->act[i] = ACT_NONE;
		if (s->state != PORTIER_CLEAN_STARTED &&
		    s->state != PORTIER_CLEAN_DONE)
			continue;
		switch (s->kind) {
		case PORTIER_CLEAN_MOVE:
		case PORTIER_CLEAN_REMOVE:
		case PORTIER_CLEAN_REWRITE:
			rc = check_file(u, i, err);
			break;
		case PORTIER_CLEAN_MASK:
			if (clean_file_info(u->rootfd, clean_rel("", s->path),
					    &now, NULL, NULL, NULL) < 0)
				break;
			if (now.link && strcmp(now.target, "/dev/null") == 0)
				u->act[i] = ACT_UNMASK;
			else
				rc = refuse(s,
					    "is no longer the mask clean "
					    "made",
					    err);
			portier_free(now.target);
			break;
		case PORTIER_CLEAN_BLOCK:
			/* started but not recorded: the firewall's newest
			 * undo point tells whether it was applied */
			if (s->fw_point || s->state == PORTIER_CLEAN_STARTED)
				u->act[i] = ACT_UNBLOCK;
			break;
		case PORTIER_CLEAN_STOP:
			if (!killed(u->p, s->pid))
				u->act[i] = ACT_CONT;
			break;
		default:
			break;
		}
	}
	return rc;
}

static int unblock(struct undoer *u, struct portier_clean_step *s,
		   struct portier_err *err)
{
	struct portier_fw *fw = NULL;
	char what[128];
	bool did;
	int rc = clean_fw_open(u->env, &fw, err);

	if (rc < 0)
		return rc;
	if (!s->fw_point) {
		char *script = NULL, *w = NULL;

		clean_fw_what(u->p->id, s->port, what, sizeof(what));
		if (portier_fw_undo_peek(fw, &script, &w, NULL) == 0 && w &&
		    strcmp(w, what) == 0)
			rc = portier_fw_undo(fw, err);
		portier_free(script);
		portier_free(w);
	} else if (portier_fw_undo_top(fw) == s->fw_point) {
		rc = portier_fw_undo(fw, err);
	} else {
		/* later changes stay: only this port is opened again */
		snprintf(what, sizeof(what), "portier clean --undo %s: open %u",
			 u->p->id, s->port);
		rc = clean_fw_change(fw, s->port, s->proto, false, what, &did,
				     err);
		if (rc == 0)
			snprintf(u->p->note, sizeof(u->p->note),
				 "the firewall changed after the clean: port "
				 "%u was opened with a new undo point, later "
				 "rules kept",
				 s->port);
	}
	portier_fw_close(fw);
	return rc;
}

static int undo_step(struct undoer *u, size_t i, struct portier_err *err)
{
	struct portier_clean_step *s = &u->p->steps[i];
	char name[256];
	int fd = -1, dfd, rc = 0;

	switch (u->act[i]) {
	case ACT_RESTORE:
		if (!s->file.link) {
			rc = clean_q_open_copy(&u->q, s->qname, s->file.sha256,
					       &fd, err);
			if (rc < 0)
				return rc;
		}
		rc = clean_restore(u->rootfd, s->path, fd, &s->file, err);
		if (fd >= 0)
			close(fd);
		if (s->unit)
			u->units = true;
		return rc;
	case ACT_UNMASK:
		dfd = clean_parent(u->rootfd, clean_rel("", s->path), name,
				   sizeof(name));
		if (dfd < 0 || unlinkat(dfd, name, 0) < 0)
			rc = portier_err_set(err, -errno,
					     "cannot remove the mask %s: %s",
					     s->path, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		u->units = true;
		return rc;
	case ACT_UNBLOCK:
		return unblock(u, s, err);
	case ACT_CONT:
		fd = clean_pidfd(s->pid);
		if (fd >= 0 &&
		    clean_same_comm(u->env->proc_root, s->pid, s->comm))
			clean_signal(fd, SIGCONT);
		if (fd >= 0)
			close(fd);
		return 0;
	default:
		return 0;
	}
}

int portier_clean_load(const struct portier_clean_env *env, const char *id,
		       struct portier_clean_plan **out, struct portier_err *err)
{
	struct clean_q q;
	int rc = clean_q_open(env, id, &q, out, err);

	clean_q_close(&q);
	return rc;
}

int portier_clean_undo(const struct portier_clean_env *env, const char *id,
		       struct portier_clean_plan **out, struct portier_err *err)
{
	struct undoer u = {.env = env, .rootfd = -1};
	char root[4096];
	size_t i;
	int rc;

	if (out)
		*out = NULL;
	if (geteuid() != 0)
		return portier_err_set(err, PORTIER_EPERM,
				       "undo needs root: it puts system files "
				       "back with their owners");
	rc = clean_q_open(env, id, &u.q, &u.p, err);
	if (rc < 0)
		return rc;
	if (u.p->undone) {
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "quarantine %s was undone already", id);
		goto out;
	}
	rc = clean_open_root(env->root, root, sizeof(root), &u.rootfd, err);
	if (rc < 0)
		goto out;
	u.act = portier_calloc(u.p->n_steps + 1, sizeof(*u.act));
	if (!u.act) {
		rc = portier_err_set(err, PORTIER_ENOMEM, "out of memory");
		goto out;
	}
	rc = check(&u, err);
	for (i = u.p->n_steps; rc == 0 && i-- > 0;) {
		struct portier_clean_step *s = &u.p->steps[i];

		if (s->state != PORTIER_CLEAN_STARTED &&
		    s->state != PORTIER_CLEAN_DONE)
			continue;
		rc = undo_step(&u, i, err);
		if (rc < 0)
			break;
		s->state = PORTIER_CLEAN_UNDONE;
		rc = clean_q_save_manifest(&u.q, u.p, err);
	}
	if (rc == 0) {
		u.p->undone = true;
		rc = clean_q_save_manifest(&u.q, u.p, err);
	}
	if (u.units)
		clean_systemd_reload(env);
out:
	if (u.rootfd >= 0)
		close(u.rootfd);
	portier_free(u.act);
	clean_q_close(&u.q);
	if (out && rc == 0)
		*out = u.p;
	else
		portier_clean_plan_free(u.p);
	return rc;
}
