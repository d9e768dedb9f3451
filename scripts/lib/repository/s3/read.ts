// Reading an object: GetObject's body streamed through, never buffered whole.
// Destroying the stream early (a consumer that stops) aborts the request.
import type { S3Client } from "@aws-sdk/client-s3";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isMissingObject } from "./errors.ts";

export function openObjectStream(
  client: () => Promise<S3Client>,
  bucket: string,
  key: string,
  name: string,
  describe: (error: unknown) => Error,
): Readable {
  const out = new PassThrough();
  const request = new AbortController();
  out.on("close", () => {
    if (!out.readableEnded) request.abort();
  });
  (async () => {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const response = await (await client()).send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: request.signal });
    await pipeline(response.Body as Readable, out);
  })().catch((error: unknown) => {
    if (out.destroyed) return;
    out.destroy(isMissingObject(error) ? Object.assign(new Error(`${name} does not exist`), { code: "ENOENT" }) : describe(error));
  });
  return out;
}
