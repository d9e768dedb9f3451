// The S3 repository: the objects directly under s3://bucket/prefix/ (one
// "folder" level, like a directory), on AWS S3 or any S3-compatible server
// (Cloudflare R2, MinIO, Backblaze B2, GCS's XML API) through the official SDK.
import type { S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { UsageError } from "../../errors.ts";
import type { PendingObject, RemoveResult, Repository, RepositoryDriver, StoredObject } from "../index.ts";
import { checkObjectName } from "../location.ts";
import { createS3Client, s3Sdk, s3SettingsFromEnv, type S3Settings } from "./client.ts";
import { describeS3Error, isMissingObject } from "./errors.ts";
import { openObjectStream } from "./read.ts";
import { S3PendingObject } from "./write.ts";

const LOCATION = /^s3:\/\/([^/?#\s]+)(?:\/([^?#]*))?$/i;
const BUCKET = /^[a-z0-9][a-z0-9._-]*$/i;
/** DeleteObjects takes at most 1,000 keys per request. */
const DELETE_BATCH = 1000;

function parseS3Location(location: string): { bucket: string; prefix: string } {
  const match = LOCATION.exec(location.trim());
  const bucket = match?.[1];
  if (!match || !bucket || !BUCKET.test(bucket)) {
    throw new UsageError(`${location} is not an S3 location: use s3://bucket or s3://bucket/prefix`);
  }
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket, prefix: prefix ? `${prefix}/` : "" };
}

function canonicalLocation(bucket: string, prefix: string): string {
  return `s3://${bucket}${prefix ? `/${prefix.slice(0, -1)}` : ""}`;
}

/** One client per configuration, shared by every repository and object location that uses it. */
const clients = new Map<string, Promise<S3Client>>();

function clientFor(settings: S3Settings): () => Promise<S3Client> {
  const key = JSON.stringify(settings);
  return () => {
    let client = clients.get(key);
    if (!client) clients.set(key, (client = createS3Client(settings)));
    return client;
  };
}

class S3Repository implements Repository {
  readonly kind = "S3 bucket";
  readonly location: string;
  private readonly client: () => Promise<S3Client>;

  constructor(
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly settings: S3Settings,
  ) {
    this.location = canonicalLocation(bucket, prefix);
    this.client = clientFor(settings);
  }

  locationOf(name: string): string {
    return `${this.location}/${checkObjectName(name)}`;
  }

  private key(name: string): string {
    return this.prefix + checkObjectName(name);
  }

  private describe(action: string, name?: string): (error: unknown) => Error {
    return (error) => describeS3Error(error, action, name ? this.locationOf(name) : this.location, this.bucket, this.settings);
  }

  async prepareForWriting(): Promise<void> {
    // One cheap request answers the questions a backup would otherwise meet mid-upload: is the server there,
    // are the credentials good, does the bucket exist.
    const { ListObjectsV2Command } = await s3Sdk();
    try {
      await (await this.client()).send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }));
    } catch (error) {
      throw this.describe("write to")(error);
    }
  }

  async list(): Promise<StoredObject[]> {
    const { paginateListObjectsV2 } = await s3Sdk();
    const objects: StoredObject[] = [];
    try {
      const pages = paginateListObjectsV2({ client: await this.client() }, { Bucket: this.bucket, Prefix: this.prefix, Delimiter: "/" });
      for await (const page of pages) {
        for (const item of page.Contents ?? []) {
          const name = item.Key?.slice(this.prefix.length);
          // The prefix's own "folder" placeholder object, if someone made one, is not a backup object.
          if (!name) continue;
          objects.push({ name, bytes: item.Size ?? 0, modifiedAt: item.LastModified ?? new Date(0) });
        }
      }
    } catch (error) {
      throw this.describe("list")(error);
    }
    return objects;
  }

  async stat(name: string): Promise<StoredObject | null> {
    const { HeadObjectCommand } = await s3Sdk();
    try {
      const head = await (await this.client()).send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return { name, bytes: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw this.describe("read", name)(error);
    }
  }

  openRead(name: string): Readable {
    return openObjectStream(this.client, this.bucket, this.key(name), name, this.describe("read", name));
  }

  openWrite(name: string): PendingObject {
    return new S3PendingObject(this.locationOf(name), {
      client: this.client,
      bucket: this.bucket,
      key: this.key(name),
      settings: this.settings,
      describe: this.describe("write", name),
    });
  }

  async remove(names: string[]): Promise<RemoveResult> {
    const { DeleteObjectsCommand } = await s3Sdk();
    const result: RemoveResult = { removed: [], kept: [] };
    for (let start = 0; start < names.length; start += DELETE_BATCH) {
      const batch = names.slice(start, start + DELETE_BATCH);
      let answer;
      try {
        answer = await (await this.client()).send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((name) => ({ Key: this.key(name) })) } }),
        );
      } catch (error) {
        throw this.describe("delete objects in")(error);
      }
      const refused = new Map((answer.Errors ?? []).map((item) => [item.Key?.slice(this.prefix.length) ?? "", item]));
      for (const name of batch) {
        const failure = refused.get(name);
        if (failure) result.kept.push({ name, reason: `${failure.Message ?? "refused"} (${failure.Code ?? "error"})` });
        else result.removed.push(name);
      }
    }
    return result;
  }
}

export const s3Driver: RepositoryDriver = {
  scheme: "s3",
  resolve(location) {
    const { bucket, prefix } = parseS3Location(location);
    return canonicalLocation(bucket, prefix);
  },
  open(location, env) {
    const { bucket, prefix } = parseS3Location(location);
    return new S3Repository(bucket, prefix, s3SettingsFromEnv(env));
  },
};
