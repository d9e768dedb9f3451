// Writing a file in a local directory: created owner-only (0600) under a
// hidden temporary name, flushed to disk (fsync) before it counts as written,
// and renamed into place by commit, so a failure or a crash never leaves a
// file that looks finished under its real name.
import { randomBytes } from "node:crypto";
import { chmod, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import type { PendingObject } from "../index.ts";
import { describeFileError } from "./errors.ts";

const FILE_MODE = 0o600;

const TEMPORARY_NAME = /^\.(.+)\.partial-[0-9a-f]+$/;

/** Hidden, clearly unfinished name a file is written under before its rename. */
export function temporaryFileName(finalName: string, token: string): string {
  return `.${finalName}.partial-${token}`;
}

/** The name a temporary file was meant to get, or null for any other name. */
export function finalNameOfTemporary(name: string): string | null {
  return TEMPORARY_NAME.exec(name)?.[1] ?? null;
}

/** A new file (never an existing one), written in full, fsync'd and closed when the stream finishes. */
class OwnerOnlyFile extends Writable {
  private handle: FileHandle | null = null;

  constructor(private readonly file: string) {
    super();
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.file, "wx", FILE_MODE).then(
      (handle) => {
        this.handle = handle;
        callback();
      },
      (error) => callback(describeFileError(error, "write", this.file)),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.settle(this.writeAll(chunk), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.settle(this.writeAll(Buffer.concat(chunks.map((item) => item.chunk))), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const handle = this.handle!;
    this.handle = null;
    this.settle(handle.sync().finally(() => handle.close()), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return callback(error);
    handle.close().then(() => callback(error), () => callback(error));
  }

  /** A short write is not an error: write the rest. */
  private async writeAll(buffer: Buffer): Promise<void> {
    for (let offset = 0; offset < buffer.length; ) offset += (await this.handle!.write(buffer, offset)).bytesWritten;
  }

  private settle(work: Promise<unknown>, callback: (error?: Error | null) => void): void {
    work.then(() => callback(), (error) => callback(describeFileError(error, "write", this.file)));
  }
}

/** fsyncs a directory so renames inside it survive a crash. */
async function syncDirectory(dir: string): Promise<void> {
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

export class PendingFile implements PendingObject {
  private committed = false;
  readonly location: string;
  readonly tempPath: string;
  readonly writable: Writable;

  constructor(dir: string, fileName: string) {
    this.location = path.join(dir, fileName);
    this.tempPath = path.join(dir, temporaryFileName(fileName, randomBytes(4).toString("hex")));
    this.writable = new OwnerOnlyFile(this.tempPath);
  }

  /** Renames the finished file into place (refusing to replace an existing file) and syncs the directory. */
  async commit(): Promise<void> {
    try {
      await stat(this.location);
      throw Object.assign(new Error("exists"), { code: "EEXIST" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw describeFileError(error, "write", this.location);
    }
    try {
      await rename(this.tempPath, this.location);
      this.committed = true;
      // The umask can only remove permission bits; still, be explicit: these files hold personal data.
      await chmod(this.location, FILE_MODE);
      await syncDirectory(path.dirname(this.location));
    } catch (error) {
      throw describeFileError(error, "rename into place", this.location);
    }
  }

  async discard(): Promise<void> {
    // Wait for the stream to close: a file still being opened would otherwise appear after the rm.
    await new Promise<void>((resolve) => {
      if (this.writable.closed) return resolve();
      this.writable.once("close", () => resolve());
      this.writable.destroy();
    });
    await rm(this.committed ? this.location : this.tempPath, { force: true }).catch(() => {});
  }
}
