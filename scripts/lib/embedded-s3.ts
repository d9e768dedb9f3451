// An S3-compatible server (s3rver from npm) in a child process on a free
// loopback port: the demo, the tests and the benchmark write backups to it
// with no cloud account. `env` holds the standard AWS variables that point
// the SDK (and so every command) at it.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { PROJECT_ROOT } from "./config.ts";
import { OperationError } from "./errors.ts";

/** s3rver's built-in key pair (it checks the key ID; it does not verify SigV4 signatures). */
const EMBEDDED_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface EmbeddedS3 {
  endpoint: string;
  port: number;
  /** AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION for this server. */
  env: Record<string, string>;
  /** Called with "<METHOD> <url>" as each request arrives (with logRequests). */
  onRequest(listener: (request: string) => void): void;
  /** Stops the server and waits for its process to exit. */
  stop(): Promise<void>;
  /** SIGKILL: the server vanishes mid-request, as a crashed or unreachable one does. */
  kill(): Promise<void>;
}

export interface EmbeddedS3Options {
  /** Where the objects are kept (s3rver's directory layout). */
  directory: string;
  /** Buckets created at start (existing ones are kept). */
  buckets: string[];
  /** Defaults to a free port. */
  port?: number;
  logRequests?: boolean;
  /** Refuse to delete keys with this prefix, as S3 Object Lock does (s3rver has no object lock). */
  refuseDeletePrefix?: string;
}

const START_TIMEOUT_MS = 30_000;

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const args = [
    // s3rver encrypts its listing continuation tokens with DES, which OpenSSL 3 disables by default.
    "--openssl-legacy-provider",
    "--import",
    "tsx",
    path.join(PROJECT_ROOT, "scripts", "lib", "embedded-s3-server.ts"),
    "--directory",
    options.directory,
    "--port",
    String(options.port ?? 0),
    ...options.buckets.flatMap((bucket) => ["--bucket", bucket]),
    ...(options.logRequests ? ["--log-requests"] : []),
    ...(options.refuseDeletePrefix ? ["--refuse-delete", options.refuseDeletePrefix] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "pipe"] });
  const listeners: ((request: string) => void)[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new OperationError(`the embedded S3 server did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line.startsWith("request ")) {
        for (const listener of listeners) listener(line.slice("request ".length));
        return;
      }
      const port = (JSON.parse(line) as { port?: number }).port;
      if (typeof port === "number") {
        clearTimeout(timer);
        resolve(port);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new OperationError(`the embedded S3 server exited (code ${code}) before it listened: ${stderr.trim().split("\n").at(-1) ?? ""}`));
    });
  });

  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: EMBEDDED_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMBEDDED_S3_CREDENTIALS.secretAccessKey,
      AWS_REGION: "us-east-1",
    },
    onRequest: (listener) => void listeners.push(listener),
    stop: () => stopChild(child, exited, false),
    kill: () => stopChild(child, exited, true),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, kill: boolean): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    if (kill) child.kill("SIGKILL");
    else child.stdin!.end();
  }
  await exited;
}
