// The suite's S3 server (embedded s3rver, or TEST_S3_URL's bucket; see
// tests/run.ts): a fresh prefix per test, direct access with the SDK to plant
// or inspect objects, and a server of a test's own for the tests that kill it.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { startEmbeddedS3, type EmbeddedS3 } from "../../scripts/lib/embedded-s3.ts";
import { createS3Client, s3SettingsFromEnv } from "../../scripts/lib/repository/s3/client.ts";

function suiteLocation(): string {
  const location = process.env.PDG_TEST_S3_LOCATION;
  if (!location) throw new Error("PDG_TEST_S3_LOCATION is not set: run the tests through `pnpm test` (tests/run.ts).");
  return location;
}

/** A new, empty s3://bucket/prefix on the suite's server. */
export function s3Location(label: string): string {
  return `${suiteLocation()}/${label}-${randomBytes(4).toString("hex")}`;
}

/** A bucket name that does not exist on the suite's server. */
export function missingBucket(): string {
  return `pdg-missing-${randomBytes(6).toString("hex")}`;
}

function parse(location: string): { bucket: string; prefix: string } {
  const [, bucket, prefix = ""] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location)!;
  return { bucket: bucket!, prefix: prefix ? `${prefix.replace(/\/$/, "")}/` : "" };
}

/** An SDK client configured exactly as the commands configure theirs. */
export function s3Client(): Promise<S3Client> {
  return createS3Client(s3SettingsFromEnv());
}

/** Every object name directly under the location, every page. */
export async function objectNames(location: string): Promise<string[]> {
  const { bucket, prefix } = parse(location);
  const client = await s3Client();
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token }));
    names.push(...(page.Contents ?? []).map((item) => item.Key!.slice(prefix.length)));
    token = page.NextContinuationToken;
  } while (token);
  return names.sort();
}

export async function putObjects(location: string, objects: Record<string, string | Buffer>): Promise<void> {
  const { bucket, prefix } = parse(location);
  const client = await s3Client();
  const entries = Object.entries(objects);
  // A few at a time: enough to be quick, few enough for any server.
  for (let start = 0; start < entries.length; start += 16) {
    await Promise.all(
      entries.slice(start, start + 16).map(([name, body]) => client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + name, Body: body }))),
    );
  }
}

/** Removes everything under the location (the suite's bucket is shared by every test file). */
export async function emptyLocation(location: string): Promise<void> {
  const { bucket, prefix } = parse(location);
  const client = await s3Client();
  const names = await objectNames(location);
  for (let start = 0; start < names.length; start += 1000) {
    const batch = names.slice(start, start + 1000).map((name) => ({ Key: prefix + name }));
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch } }));
  }
}

export interface OwnS3 {
  server: EmbeddedS3;
  directory: string;
  /** Requests seen so far ("<METHOD> <url>"). */
  requests: string[];
  /** Starts the server again on the same directory and port (after kill() or stop()). */
  restart(options?: { refuseDeletePrefix?: string }): Promise<EmbeddedS3>;
  remove(): Promise<void>;
}

/** A server of the test's own (the suite's is shared, and a real TEST_S3_URL server cannot be killed). */
export async function ownS3Server(bucket: string): Promise<OwnS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "pdg-own-s3-"));
  const requests: string[] = [];
  const start = async (port?: number, refuseDeletePrefix?: string) => {
    const server = await startEmbeddedS3({ directory, buckets: [bucket], logRequests: true, port, refuseDeletePrefix });
    server.onRequest((request) => requests.push(request));
    return server;
  };
  const own: OwnS3 = {
    server: await start(),
    directory,
    requests,
    async restart(options = {}) {
      await own.server.stop();
      own.server = await start(own.server.port, options.refuseDeletePrefix);
      return own.server;
    },
    async remove() {
      await own.server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
  return own;
}

/**
 * Points this process's own calls (listing, pruning, the helpers above) at `server` — its endpoint and
 * its key pair, whatever TEST_S3_URL's are — until the returned function restores the suite's variables.
 */
export function useInThisProcess(server: EmbeddedS3): () => void {
  const saved = Object.fromEntries(Object.keys(server.env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, server.env);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
