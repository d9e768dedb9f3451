// Reading an object: GetObject's body streamed through, never buffered whole.
// Destroying the stream early (a consumer that stops) aborts the request.
import type { S3Client } from "@aws-sdk/client-s3";
import { PassThrough, type Readable } from "node:stream";
import { s3Sdk } from "./client.ts";
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
  const fail = (error: unknown) => {
    if (!out.destroyed) out.destroy(isMissingObject(error) ? Object.assign(new Error(`${name} does not exist`), { code: "ENOENT" }) : describe(error));
  };
  out.on("close", () => {
    if (!out.readableEnded) request.abort();
  });
  (async () => {
    const { GetObjectCommand } = await s3Sdk();
    const response = await (await client()).send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: request.signal });
    const body = response.Body as Readable;
    // Piped by hand rather than through pipeline(): a connection lost mid-body must reach the reader described.
    body.on("error", fail);
    out.on("close", () => body.destroy());
    body.pipe(out);
  })().catch(fail);
  return out;
}
