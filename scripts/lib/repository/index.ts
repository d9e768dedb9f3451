// Where backup sets live: a backup repository, a flat namespace of named
// objects — the files of a local directory, or the objects under an
// s3://bucket/prefix. Backup, restore, verify, retention and status talk to
// this interface only; each kind of storage is one driver folder (posix/,
// s3/) implementing it, modelled on pgBackRest's src/storage/. A new kind
// (Azure, GCS) is a new folder and one line in DRIVERS.
//
// Locations are strings as users type them: a path (relative or absolute) or
// scheme://…; an object's location is its repository's location plus its
// name, so a summary's location (what --from takes) also names its set's
// repository.
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PROJECT_ROOT, loadEnvFile } from "../config.ts";
import { OperationError, UsageError } from "../errors.ts";
import { posixDriver } from "./posix/storage.ts";
import { s3Driver } from "./s3/storage.ts";
import { schemeOf, splitLocation } from "./location.ts";

export interface StoredObject {
  /** The name inside the repository (no "/"). */
  name: string;
  bytes: number;
  modifiedAt: Date;
  /**
   * Set on a write that was never finished, left by a process that died (a
   * hidden temporary file): the name it would have been committed under.
   */
  unfinishedWriteOf?: string;
}

/** An object being written; nobody sees it as complete before `commit`. */
export interface PendingObject {
  /** Where it will appear (for messages). */
  readonly location: string;
  /**
   * The bytes go in here. It finishes only once they are durably stored
   * (fsync'd, or the upload is complete); its errors are one-line
   * OperationErrors naming the cause.
   */
  readonly writable: Writable;
  /** Makes the finished object visible under its name; refuses to replace an existing one where the storage can tell. */
  commit(): Promise<void>;
  /** Removes whatever was written, committed or not, as far as the storage allows. Never throws. */
  discard(): Promise<void>;
}

export interface RemoveResult {
  removed: string[];
  /** Objects the storage refused to delete (an object lock, a retention policy, permissions), with its reason. */
  kept: { name: string; reason: string }[];
}

export interface Repository {
  /** As users write it: an absolute path, or s3://bucket/prefix. */
  readonly location: string;
  /** Which kind of storage, for messages ("local directory", "S3 bucket"). */
  readonly kind: string;
  /** The location of an object in this repository (what --from takes for a summary). */
  locationOf(name: string): string;
  /** Before a backup writes anything: creates the directory, or checks the bucket answers and is there. */
  prepareForWriting(): Promise<void>;
  /** Every object directly in the repository (all pages of a bucket listing); empty when the directory does not exist. */
  list(): Promise<StoredObject[]>;
  /** null when there is no such object. */
  stat(name: string): Promise<StoredObject | null>;
  /** Streams the object; a missing object fails with an error whose code is ENOENT. */
  openRead(name: string): Readable;
  openWrite(name: string): PendingObject;
  remove(names: string[]): Promise<RemoveResult>;
}

export interface RepositoryDriver {
  /** The URL scheme it serves ("s3" for s3://…), or null for local paths. */
  readonly scheme: string | null;
  /** The canonical form of a location (absolute path, s3://bucket/prefix); a UsageError when it is malformed. */
  resolve(location: string): string;
  open(location: string, env: NodeJS.ProcessEnv): Repository;
}

const DRIVERS: readonly RepositoryDriver[] = [posixDriver, s3Driver];

function driverFor(location: string): RepositoryDriver {
  const scheme = schemeOf(location);
  const driver = DRIVERS.find((candidate) => candidate.scheme === scheme);
  if (!driver) {
    const supported = DRIVERS.map((candidate) => (candidate.scheme ? `${candidate.scheme}://bucket/prefix` : "a local directory")).join(" or ");
    throw new UsageError(`unsupported backup location ${location}: use ${supported}`);
  }
  return driver;
}

/** The canonical form of a location: local paths made absolute, s3://bucket/prefix without a trailing slash. */
export function resolveLocation(location: string): string {
  return driverFor(location).resolve(location);
}

/** The repository at a location; its settings (credentials, endpoint…) come from the environment and .env. */
export function openRepository(location: string): Repository {
  const driver = driverFor(location);
  // Credentials and endpoint may be in .env, like DATABASE_URL.
  if (driver.scheme) loadEnvFile();
  return driver.open(driver.resolve(location), process.env);
}

/** The repository holding the object at `location`, and the object's name. */
export function openObject(location: string): { repository: Repository; name: string } {
  const { parent, name } = splitLocation(resolveLocation(location));
  return { repository: openRepository(parent), name };
}

/** BACKUP_DIR (a path or s3://…), or <project>/backups. */
export function defaultRepositoryLocation(env: NodeJS.ProcessEnv = process.env): string {
  loadEnvFile();
  const configured = env.BACKUP_DIR?.trim();
  return resolveLocation(configured || `${PROJECT_ROOT}/backups`);
}

/** Summaries and markers are small; anything bigger under such a name is not one (and is not read into memory). */
const MAX_TEXT_OBJECT_BYTES = 64 * 1024 * 1024;

/** A whole (small) object as text: summaries and markers. */
export async function readObjectText(repository: Repository, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const stream = repository.openRead(name);
  for await (const chunk of stream) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_TEXT_OBJECT_BYTES) {
      stream.destroy();
      throw new OperationError(`${repository.locationOf(name)} is larger than ${MAX_TEXT_OBJECT_BYTES / 1024 / 1024} MiB: not a file this tool wrote`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Writes a small object in one go and commits it; on failure nothing is left under its name. */
export async function writeObjectText(repository: Repository, name: string, text: string): Promise<string> {
  const pending = repository.openWrite(name);
  try {
    await pipeline(Readable.from([Buffer.from(text)]), pending.writable);
    await pending.commit();
    return pending.location;
  } catch (error) {
    await pending.discard();
    throw error;
  }
}
