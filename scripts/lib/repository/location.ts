// The syntax of backup locations, shared by every driver: a local path, or
// scheme://… (s3://bucket/prefix). Objects are named by their repository's
// location plus "/" plus their name.
import path from "node:path";
import { UsageError } from "../errors.ts";

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** "s3" for s3://…, null for a local path. */
export function schemeOf(location: string): string | null {
  return SCHEME.exec(location)?.[1]?.toLowerCase() ?? null;
}

/** An object's (canonical) location split into its repository's location and its name. */
export function splitLocation(location: string): { parent: string; name: string } {
  const scheme = SCHEME.exec(location);
  if (!scheme) return { parent: path.dirname(location), name: path.basename(location) };
  const slash = location.lastIndexOf("/");
  if (slash < scheme[0].length) throw new UsageError(`${location} names a bucket, not an object in it (e.g. s3://bucket/prefix/backup-summary-<timestamp>.json)`);
  return { parent: location.slice(0, slash), name: location.slice(slash + 1) };
}

/** The last part of a location: a file or object name. */
export function baseName(location: string): string {
  return splitLocation(location).name;
}

/** Object names are single path segments: a name from an untrusted summary can never reach outside its repository. */
export function checkObjectName(name: string): string {
  if (name === "" || name === "." || name === ".." || /[/\\\0]/.test(name)) {
    throw new UsageError(`"${name}" is not a valid object name in a backup location (no slashes, not . or ..)`);
  }
  return name;
}
