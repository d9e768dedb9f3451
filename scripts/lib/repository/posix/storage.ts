// The local-directory repository: one file per object, in one directory
// (created 0700), written through PendingFile (0600, temporary name, fsync,
// rename).
import { createReadStream } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import type { PendingObject, RemoveResult, Repository, RepositoryDriver, StoredObject } from "../index.ts";
import { checkObjectName } from "../location.ts";
import { describeFileError, fileErrorCause } from "./errors.ts";
import { PendingFile, finalNameOfTemporary } from "./write.ts";

const DIRECTORY_MODE = 0o700;
/**
 * Reads of 256 KiB rather than fs's 64 KiB: a table file is read whole, and
 * each read is a thread-pool round trip (a context switch on a busy machine)
 * and one batch downstream (checksum, row split, COPY write). Larger reads
 * saved little more CPU and held more memory per batch.
 */
const READ_CHUNK_BYTES = 1 << 18;

class PosixRepository implements Repository {
  readonly kind = "local directory";

  constructor(readonly location: string) {}

  locationOf(name: string): string {
    return path.join(this.location, checkObjectName(name));
  }

  async prepareForWriting(): Promise<void> {
    try {
      await mkdir(this.location, { recursive: true, mode: DIRECTORY_MODE });
      const info = await stat(this.location);
      if (!info.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    } catch (error) {
      throw describeFileError(error, "use backup directory", this.location);
    }
  }

  async list(): Promise<StoredObject[]> {
    let names: string[];
    try {
      names = await readdir(this.location);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw describeFileError(error, "list backup directory", this.location);
    }
    const objects = await Promise.all(names.map((name) => this.stat(name).catch(() => null)));
    return objects.filter((object): object is StoredObject => object !== null);
  }

  async stat(name: string): Promise<StoredObject | null> {
    try {
      const info = await stat(this.locationOf(name));
      if (!info.isFile()) return null;
      const unfinishedWriteOf = finalNameOfTemporary(name);
      return { name, bytes: info.size, modifiedAt: info.mtime, ...(unfinishedWriteOf ? { unfinishedWriteOf } : {}) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw describeFileError(error, "read", this.locationOf(name));
    }
  }

  openRead(name: string): Readable {
    return createReadStream(this.locationOf(name), { highWaterMark: READ_CHUNK_BYTES });
  }

  openWrite(name: string): PendingObject {
    return new PendingFile(this.location, checkObjectName(name));
  }

  async remove(names: string[]): Promise<RemoveResult> {
    const result: RemoveResult = { removed: [], kept: [] };
    for (const name of names) {
      try {
        await rm(this.locationOf(name), { force: true });
        result.removed.push(name);
      } catch (error) {
        // e.g. EPERM on an immutable (chattr +i) file: the storage protects it.
        result.kept.push({ name, reason: fileErrorCause(error) });
      }
    }
    return result;
  }
}

export const posixDriver: RepositoryDriver = {
  scheme: null,
  resolve: (location) => path.resolve(location),
  open: (location) => new PosixRepository(location),
};
