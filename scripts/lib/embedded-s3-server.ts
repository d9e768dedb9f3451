// The embedded S3 server's own process (started by embedded-s3.ts): s3rver
// over a directory on a loopback port. It runs apart from the caller so that
// it can have --openssl-legacy-provider (s3rver's listing continuation token
// uses DES) and so a test can kill it mid-upload. It prints one JSON line
// {"port": N} once it listens, "request <METHOD> <url> [sse=… kms=… class=…]" lines
// with --log-requests, and exits when its stdin closes (the caller is gone).
//
// --refuse-delete <key prefix> stands in for S3 Object Lock, which s3rver
// lacks: deleting such a key is refused the way AWS S3 refuses to delete a
// locked object version (AccessDenied, per key in a DeleteObjects answer).
import type { IncomingMessage, Server } from "node:http";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string>;
  req: IncomingMessage;
  status: number;
  type: string;
  body: unknown;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer: Server;
  /** Koa's middleware list, composed when the server starts listening. */
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
  store: { deleteObject(bucket: string, key: string): Promise<void> };
}

const require = createRequire(import.meta.url);
// s3rver ships no type declarations; the two members used here are typed above.
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => S3rverInstance;

const { values } = parseArgs({
  options: {
    directory: { type: "string" },
    bucket: { type: "string", multiple: true, default: [] },
    port: { type: "string", default: "0" },
    "log-requests": { type: "boolean", default: false },
    "refuse-delete": { type: "string" },
  },
});
if (!values.directory) throw new Error("--directory is required");

const server = new S3rver({
  address: "127.0.0.1",
  port: Number(values.port),
  directory: values.directory,
  silent: true,
  configureBuckets: values.bucket.map((name) => ({ name })),
});
const refused = values["refuse-delete"];
// Just before the router (the last middleware), after s3rver's own XML encoding of answers.
if (refused) server.middleware.splice(server.middleware.length - 1, 0, refuseDeletes(refused));
const { port } = await server.run();
if (values["log-requests"]) {
  server.httpServer.on("request", (request: IncomingMessage) => {
    const headers = [
      ["sse", request.headers["x-amz-server-side-encryption"]],
      ["kms", request.headers["x-amz-server-side-encryption-aws-kms-key-id"]],
      ["class", request.headers["x-amz-storage-class"]],
    ].filter(([, value]) => value);
    process.stdout.write(`request ${request.method} ${request.url}${headers.map(([name, value]) => ` ${name}=${value}`).join("")}\n`);
  });
}
process.stdout.write(`${JSON.stringify({ port })}\n`);

function refuseDeletes(prefix: string) {
  const deny = { Code: "AccessDenied", Message: "Access Denied because object protected by object lock." };
  return async (ctx: KoaContext, next: () => Promise<void>): Promise<void> => {
    const [, bucket, key = ""] = /^\/([^/]+)\/?(.*)$/.exec(decodeURIComponent(ctx.path)) ?? [];
    if (ctx.method === "DELETE" && key.startsWith(prefix) && !("uploadId" in ctx.query)) {
      ctx.status = 403;
      ctx.body = { Error: deny };
      return;
    }
    if (ctx.method !== "POST" || !("delete" in ctx.query) || !bucket) return next();
    let xml = "";
    for await (const chunk of ctx.req) xml += String(chunk);
    const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]!.replaceAll("&amp;", "&").replaceAll("&lt;", "<"));
    const deleted = keys.filter((candidate) => !candidate.startsWith(prefix));
    for (const candidate of deleted) await server.store.deleteObject(bucket, candidate).catch(() => {});
    ctx.body = {
      DeleteResult: {
        Deleted: deleted.map((candidate) => ({ Key: candidate })),
        Error: keys.filter((candidate) => candidate.startsWith(prefix)).map((candidate) => ({ Key: candidate, ...deny })),
      },
    };
  };
}
process.stdin.on("end", () => void server.close().finally(() => process.exit(0)));
process.stdin.resume();
