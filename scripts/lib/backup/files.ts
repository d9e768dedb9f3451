// Backup files on disk: created owner-only (0600) under a hidden temporary
// name, flushed to disk, and renamed into place only when complete, so a
// failure never leaves a file that looks finished. Plus the stream layers a
// table file passes through (checksum, gzip, encryption).
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform, type TransformCallback, type Writable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { OperationError } from "../errors.ts";
import { temporaryFileName } from "./naming.ts";

export const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

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

/** One line: what failed on which path, and what to do. */
export function describeFileError(error: unknown, action: string, target: string): OperationError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const hint = FILE_ERROR_HINTS[code] ?? ((error as Error).message || String(error));
  return new OperationError(`cannot ${action} ${target}: ${hint}${code ? ` (${code})` : ""}`);
}

/** Creates the backup directory (0700 when new) and checks it is a writable directory. */
export async function prepareBackupDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: DIRECTORY_MODE });
    const info = await stat(dir);
    if (!info.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
  } catch (error) {
    throw describeFileError(error, "use backup directory", dir);
  }
}

/** A file being written under a temporary name; `commit` renames it into place. */
export class PendingFile {
  private committed = false;
  readonly finalPath: string;
  readonly tempPath: string;

  constructor(dir: string, fileName: string) {
    this.finalPath = path.join(dir, fileName);
    this.tempPath = path.join(dir, temporaryFileName(fileName, randomBytes(4).toString("hex")));
  }

  /**
   * A new owner-only (0600) file under the temporary name, flushed to disk
   * (fsync) before it closes. Never opens an existing file.
   */
  writable(): Writable {
    return createWriteStream(this.tempPath, { flags: "wx", mode: FILE_MODE, flush: true });
  }

  /** Renames the finished file into place; refuses to replace an existing file. */
  async commit(): Promise<void> {
    try {
      await stat(this.finalPath);
      throw Object.assign(new Error("exists"), { code: "EEXIST" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw describeFileError(error, "write", this.finalPath);
    }
    try {
      await rename(this.tempPath, this.finalPath);
      this.committed = true;
      // The umask can only remove permission bits; still, be explicit: these files hold personal data.
      await chmod(this.finalPath, FILE_MODE);
    } catch (error) {
      throw describeFileError(error, "rename into place", this.finalPath);
    }
  }

  /** Removes whatever was written, under its temporary or its final name. Never throws. */
  async discard(): Promise<void> {
    await rm(this.committed ? this.finalPath : this.tempPath, { force: true }).catch(() => {});
  }
}

/** fsyncs a directory so renames inside it survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory (EINVAL); the renames are still done.
    if ((error as NodeJS.ErrnoException).code !== "EINVAL") throw error;
  } finally {
    await handle.close();
  }
}

/** A pass-through that measures the bytes flowing by and their SHA-256. */
export class Digest extends Transform {
  bytes = 0;
  private readonly hash = createHash("sha256");
  private hex: string | null = null;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** The hex digest; only once the stream has ended. */
  sha256(): string {
    this.hex ??= this.hash.digest("hex");
    return this.hex;
  }
}

export function gzipLayer(): Transform {
  // Level 6 (zlib's default): backups are written once and kept; zlib runs on libuv's thread pool.
  return createGzip({ level: 6 });
}

export function gunzipLayer(): Transform {
  return createGunzip();
}
