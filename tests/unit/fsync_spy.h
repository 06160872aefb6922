/*
 * fsync_spy.h - what the library syncs, seen from a unit test.  This
 * definition of fsync takes the place of libc's in the test executable
 * (libportier is linked in statically, so its calls land here): it counts
 * each call as a directory or a file sync, then syncs for real.  Include
 * it in one test file per executable.
 */
#ifndef PORTIER_FSYNC_SPY_H
#define PORTIER_FSYNC_SPY_H

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned fsync_spy_files, fsync_spy_dirs;

int fsync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			fsync_spy_dirs++;
		else
			fsync_spy_files++;
	}
	return (int)syscall(SYS_fsync, fd);
}

#endif
