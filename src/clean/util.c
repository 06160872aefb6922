/*
 * util.c - what every part of clean uses: names, the plan's memory, the
 * look at one file, and the pure line helpers of the plan.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clean/clean_int.h"
#include "portier/digest.h"
#include "portier/file.h"

static const char *const kind_names[PORTIER_CLEAN_KIND_MAX] = {
	"stop", "save", "kill", "move", "rewrite", "mask", "remove", "block",
};
static const char *const state_names[PORTIER_CLEAN_STATE_MAX] = {
	"planned", "started", "done", "undone"};

const char *portier_clean_kind_name(unsigned kind)
{
	return kind < PORTIER_CLEAN_KIND_MAX ? kind_names[kind] : "?";
}

const char *portier_clean_state_name(unsigned state)
{
	return state < PORTIER_CLEAN_STATE_MAX ? state_names[state] : "?";
}

void clean_root(const char *root, char *buf, size_t cap)
{
	size_t i;

	portier_strlcpy(buf, root && root[0] ? root : "/", cap);
	for (i = strlen(buf); i > 0 && buf[i - 1] == '/'; i--)
		buf[i - 1] = '\0';
}

const char *clean_rel(const char *root, const char *path)
{
	size_t rl = strlen(root);

	if (rl && strncmp(path, root, rl) == 0 && path[rl] == '/')
		path += rl;
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

int clean_open_root(const char *root, char *buf, size_t cap, int *fd,
		    struct portier_err *err)
{
	clean_root(root, buf, cap);
	*fd = open(buf[0] ? buf : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return portier_err_set(err, PORTIER_EIO,
				       "cannot open root '%s': %s",
				       buf[0] ? buf : "/", strerror(errno));
	return 0;
}

int clean_file_info(int rootfd, const char *rel, struct portier_clean_file *f,
		    char **text, size_t *len, struct portier_err *err)
{
	struct stat st;
	char target[4096];
	ssize_t n;
	int fd, rc;

	memset(f, 0, sizeof(*f));
	if (text)
		*text = NULL;
	if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = -errno;
		return portier_err_set(err, rc == -ENOENT ? PORTIER_ENOENT : rc,
				       "cannot look at /%s: %s", rel,
				       strerror(-rc));
	}
	f->mode = st.st_mode & 07777;
	f->uid = st.st_uid;
	f->gid = st.st_gid;
	f->atime_ns =
		(int64_t)st.st_atim.tv_sec * 1000000000LL + st.st_atim.tv_nsec;
	f->mtime_ns =
		(int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(rootfd, rel, target, sizeof(target) - 1);
		if (n < 0)
			return portier_err_set(err, -errno,
					       "cannot read the link /%s", rel);
		target[n] = '\0';
		f->link = true;
		f->size = (uint64_t)n;
		f->target = portier_strdup(target);
		return f->target ? 0
				 : portier_err_set(err, PORTIER_ENOMEM,
						   "out of memory");
	}
	if (!S_ISREG(st.st_mode))
		return portier_err_set(err, PORTIER_EPERM,
				       "/%s is not a regular file", rel);
	if (text) {
		rc = portier_file_read_len(rootfd, NULL, rel, 0, CLEAN_TEXT_MAX,
					   text, len, err);
		if (rc < 0)
			return rc;
		if (portier_sha256_hex(*text, *len, f->sha256) < 0) {
			portier_free(*text);
			*text = NULL;
			return portier_err_set(err, PORTIER_EIO,
					       "cannot hash /%s", rel);
		}
		f->size = *len;
		return 0;
	}
	fd = openat(rootfd, rel,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return portier_err_set(err, -errno, "cannot read /%s: %s", rel,
				       strerror(errno));
	rc = portier_digests_fd(fd, CLEAN_COPY_MAX, f->sha256, NULL, &f->size);
	close(fd);
	if (rc < 0)
		return portier_err_set(err, rc, "cannot hash /%s", rel);
	return 0;
}

bool clean_same_content(const struct portier_clean_file *a,
			const struct portier_clean_file *b)
{
	if (a->link != b->link)
		return false;
	if (a->link)
		return a->target && b->target &&
		       strcmp(a->target, b->target) == 0;
	return a->size == b->size && strcmp(a->sha256, b->sha256) == 0;
}

struct portier_clean_step *clean_add_step(struct portier_clean_plan *p,
					  enum portier_clean_kind kind)
{
	struct portier_clean_step *s, *grown;

	grown = portier_realloc(p->steps, (p->n_steps + 1) * sizeof(*s));
	if (!grown)
		return NULL;
	p->steps = grown;
	s = &p->steps[p->n_steps++];
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	return s;
}

void clean_step_clear(struct portier_clean_step *s)
{
	portier_free(s->path);
	portier_free(s->qname);
	portier_free(s->file.target);
	portier_free(s->lines);
	portier_free(s->unit);
	portier_free(s->why);
	memset(s, 0, sizeof(*s));
}

void portier_clean_plan_free(struct portier_clean_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_steps; i++)
		clean_step_clear(&p->steps[i]);
	for (i = 0; i < p->n_kept; i++) {
		portier_free(p->kept[i].path);
		portier_free(p->kept[i].why);
	}
	portier_free(p->steps);
	portier_free(p->kept);
	portier_free(p->root);
	portier_free(p);
}

/* ---- line-based files ---------------------------------------------------- */

static bool listed(const uint32_t *lines, size_t n, uint32_t ln)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lines[i] == ln)
			return true;
	return false;
}

bool portier_clean_only_lines(const char *text, size_t len,
			      const uint32_t *lines, size_t n)
{
	size_t i = 0;
	uint32_t ln = 0;

	while (i < len) {
		size_t j = i;

		ln++;
		while (j < len && text[j] != '\n')
			j++;
		if (!listed(lines, n, ln)) {
			size_t k = i;

			while (k < j && (text[k] == ' ' || text[k] == '\t' ||
					 text[k] == '\r'))
				k++;
			if (k < j && text[k] != '#')
				return false;
		}
		i = j + 1;
	}
	return true;
}

int portier_clean_drop_lines(const char *text, size_t len,
			     const uint32_t *lines, size_t n, char **out,
			     size_t *out_len)
{
	size_t i = 0, o = 0;
	uint32_t ln = 0;
	char *buf = portier_malloc(len + 1);

	*out = NULL;
	*out_len = 0;
	if (!buf)
		return PORTIER_ENOMEM;
	while (i < len) {
		size_t j = i;

		ln++;
		while (j < len && text[j] != '\n')
			j++;
		if (j < len)
			j++; /* with its newline */
		if (!listed(lines, n, ln)) {
			memcpy(buf + o, text + i, j - i);
			o += j - i;
		}
		i = j;
	}
	buf[o] = '\0';
	*out = buf;
	*out_len = o;
	return 0;
}
