// The embedded S3 server's own process (started by embedded-s3.ts): s3rver
// over a directory on a loopback port. It runs apart from the caller so that
// it can have --openssl-legacy-provider (s3rver's listing continuation token
// uses DES) and so a test can kill it mid-upload. It prints one JSON line
// {"port": N} once it listens, "request <METHOD> <url>" lines with
// --log-requests, and exits when its stdin closes (the caller is gone).
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer: import("node:http").Server;
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
const { port } = await server.run();
if (values["log-requests"]) {
  server.httpServer.on("request", (request: import("node:http").IncomingMessage) => {
    process.stdout.write(`request ${request.method} ${request.url}\n`);
  });
}
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.on("end", () => void server.close().finally(() => process.exit(0)));
process.stdin.resume();
