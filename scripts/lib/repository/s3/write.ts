// Writing an object: the bytes stream into a multipart upload as they are
// produced (lib-storage's Upload: parts of PART_SIZE, BACKUP_S3_CONCURRENCY
// in flight, so memory stays flat whatever the table's size); an object
// smaller than one part is a single PUT. S3 makes an object visible only
// when its upload completes, which is when the stream finishes; a failed or
// interrupted upload is aborted (its parts deleted) and a completed one is
// deleted by discard — as far as the server allows. A bucket lifecycle rule
// aborting incomplete multipart uploads catches what a killed process leaves.
import type { S3Client, StorageClass } from "@aws-sdk/client-s3";
import { PassThrough, Writable } from "node:stream";
import type { PendingObject } from "../index.ts";
import { s3Sdk, type S3Settings } from "./client.ts";

/**
 * 5 MiB, S3's smallest part (and pgBackRest's upload chunk): memory ≈ (BACKUP_S3_CONCURRENCY + 1) × this.
 * S3 allows 10,000 parts, so one table file can be up to 48.8 GiB as stored.
 */
const PART_SIZE = 5 * 1024 * 1024;

export interface UploadTarget {
  client: () => Promise<S3Client>;
  bucket: string;
  key: string;
  settings: S3Settings;
  describe: (error: unknown) => Error;
}

/** The upload behind a Writable: `_final` waits until the object is complete. */
class UploadStream extends Writable {
  private readonly body = new PassThrough();
  private settle: (completed: boolean) => void = () => {};
  /** Settles when the upload has completed (true), or has failed and been cleaned up (false). */
  readonly outcome = new Promise<boolean>((resolve) => (this.settle = resolve));

  constructor(private readonly target: UploadTarget) {
    super();
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.start().then(
      () => callback(),
      (error) => {
        this.settle(false);
        callback(this.target.describe(error));
      },
    );
  }

  private async start(): Promise<void> {
    const [client, { Upload }] = await Promise.all([this.target.client(), import("@aws-sdk/lib-storage")]);
    const { bucket, key, settings } = this.target;
    const upload = new Upload({
      client,
      queueSize: settings.concurrency,
      partSize: PART_SIZE,
      params: {
        Bucket: bucket,
        Key: key,
        Body: this.body,
        ...(settings.serverSideEncryption ? { ServerSideEncryption: settings.serverSideEncryption } : {}),
        ...(settings.kmsKeyId ? { SSEKMSKeyId: settings.kmsKeyId } : {}),
        ...(settings.storageClass ? { StorageClass: settings.storageClass as StorageClass } : {}),
      },
    });
    upload.done().then(
      () => this.settle(true),
      (error) => {
        // Nothing reads the body any more: fail the writer instead of leaving it waiting for 'drain'.
        this.destroy(this.target.describe(error));
        this.settle(false);
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.body.write(chunk)) callback();
    else this.body.once("drain", () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.body.end();
    // Failures reach the caller through destroy() above.
    void this.outcome.then((completed) => completed && callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Ending the body with an error makes Upload stop and abort the multipart upload.
    if (!this.body.writableFinished) this.body.destroy(error ?? new Error("the upload was cancelled"));
    callback(error);
  }
}

export class S3PendingObject implements PendingObject {
  readonly writable: UploadStream;

  constructor(
    readonly location: string,
    private readonly target: UploadTarget,
  ) {
    this.writable = new UploadStream(target);
  }

  /** S3 made the object visible when its upload completed; commit confirms that it did. */
  async commit(): Promise<void> {
    if (!(await this.writable.outcome)) throw this.target.describe(new Error("the upload did not complete"));
  }

  async discard(): Promise<void> {
    this.writable.destroy();
    // Waits for Upload to stop and abort its parts; then removes the object if it had completed.
    if (!(await this.writable.outcome)) return;
    try {
      const { DeleteObjectCommand } = await s3Sdk();
      await (await this.target.client()).send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key: this.target.key }));
    } catch {
      // As far as the server allows: an unreachable server keeps what it has; prune removes it as an incomplete set.
    }
  }
}
