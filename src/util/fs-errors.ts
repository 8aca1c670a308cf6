/**
 * System errors (errno codes) in words: what went wrong and, where there is one, what to do. The
 * CLI never shows Node's raw `EACCES: permission denied, open '…'`; every file problem reaches the
 * user as one line through these.
 */

/** The reason for an errno code, e.g. ENOSPC → "no space left on device". */
export function errnoReason(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on device';
    case 'EIO':
      return 'input/output error (a failing disk or a lost network file system?)';
    case 'EFBIG':
      return 'file too large for this file system';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'ELOOP':
      return 'is a symbolic link (or a loop of links)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'EBUSY':
    case 'ETXTBSY':
      return 'busy';
    case 'ENXIO':
      return 'no such device (or a FIFO that no process reads)';
    case 'EPIPE':
      return 'the reader closed the pipe';
    case 'EEXIST':
      return 'already exists';
    case 'ENOTEMPTY':
      return 'directory not empty';
    case 'EXDEV':
      return 'on another file system';
    default:
      return code ? `system error ${code}` : 'unknown error';
  }
}

/** What the failed call was doing, from Node's `syscall` field ("open", "rename", …). */
function action(syscall: string | undefined): string {
  switch (syscall) {
    case 'open':
      return 'open';
    case 'read':
      return 'read';
    case 'write':
    case 'fsync':
    case 'fdatasync':
    case 'ftruncate':
    case 'copyfile':
      return 'write';
    case 'rename':
    case 'link':
      return 'replace';
    case 'mkdir':
      return 'create the directory';
    case 'unlink':
    case 'rmdir':
    case 'rm':
      return 'remove';
    case 'scandir':
    case 'opendir':
      return 'list the directory';
    case 'stat':
    case 'lstat':
    case 'fstat':
      return 'look at';
    default:
      return 'use';
  }
}

/** True for an errno error from Node's fs (it has a string code and a syscall). */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null;
  return e !== null && typeof e === 'object' && typeof e.code === 'string' && typeof e.syscall === 'string';
}

/** "cannot write runs/ro/history.jsonl: permission denied (EACCES); check …", one line. */
export function describeSystemError(err: NodeJS.ErrnoException): string {
  const target = err.path ?? (err as { dest?: string }).dest ?? 'a file';
  const hint =
    err.code === 'EACCES' || err.code === 'EPERM'
      ? '; check its permissions and those of its directory'
      : err.code === 'EROFS'
        ? '; copy it to a writable place'
        : err.code === 'EMFILE' || err.code === 'ENFILE'
          ? '; raise the limit (ulimit -n)'
          : '';
  return `cannot ${action(err.syscall)} ${target}: ${errnoReason(err.code)} (${err.code})${hint}`;
}
