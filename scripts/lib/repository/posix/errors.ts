// File-system failures as one line: what failed on which path, and what to do.
import { OperationError } from "../../errors.ts";

const FILE_ERROR_HINTS: Record<string, string> = {
  ENOSPC: "the disk is full; free space or choose another --out",
  EDQUOT: "the disk quota is exhausted; free space or choose another --out",
  EFBIG: "the file is larger than this system allows (file size limit); raise the limit or choose another --out",
  EACCES: "permission denied; fix the directory's permissions or choose another --out",
  EPERM: "operation not permitted; fix the directory's permissions or choose another --out",
  EROFS: "the file system is read-only; choose another --out",
  ENOTDIR: "a part of the path is a file, not a directory; choose another --out",
  EEXIST: "a file already exists there",
  EIO: "the disk reported an I/O error; check the device",
};

/** What went wrong and what to do, e.g. "the disk is full; free space or choose another --out (ENOSPC)". */
export function fileErrorCause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const hint = FILE_ERROR_HINTS[code] ?? ((error as Error).message || String(error));
  return `${hint}${code ? ` (${code})` : ""}`;
}

export function describeFileError(error: unknown, action: string, target: string): OperationError {
  if (error instanceof OperationError) return error;
  return new OperationError(`cannot ${action} ${target}: ${fileErrorCause(error)}`);
}
