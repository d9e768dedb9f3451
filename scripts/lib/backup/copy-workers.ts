// The workers of `db:backup --jobs N`: N worker threads, each with its own
// connection inside the backup's exported snapshot (BEGIN REPEATABLE READ;
// SET TRANSACTION SNAPSHOT, as pg_dump -j does), each running COPYs and the
// COPY → JSON conversion (and the row digest) off the main thread. The main
// thread receives converted batches (their memory transferred, not copied)
// and does what must be in file order: the array around the rows, gzip,
// encryption, SHA-256, the write.
//
// Flow control: a worker has at most IN_FLIGHT batches unacknowledged; past
// that it stops reading its socket, so the server waits rather than memory
// growing. This module is its own worker script: loaded by the main thread
// it exports the pool; started as a worker it serves tasks.
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from "node:worker_threads";
import pg from "pg";
import { poolConfigFromUrl } from "../db.ts";
import { OperationError } from "../errors.ts";
import { copyOut } from "./copy-out.ts";
import { CopyRowsToJson } from "./copy-to-json.ts";
import type { ColumnType } from "./row-encoding.ts";
import { createRowDigest } from "./row-digest.ts";
import { SESSION_SETTINGS } from "./snapshot.ts";
import { convertCopy, type JsonReceiver } from "./table-json.ts";

const IN_FLIGHT = 4;
const WORKER_MARK = "prisma-data-guard copy worker";

export interface CopyTask {
  /** A COPY … TO STDOUT of the table or of a block range of it. */
  statement: string;
  /** For messages: the table's name. */
  label: string;
  columns: ColumnType[];
}

export interface TaskResult {
  rows: number;
  rowDigest: string;
}

interface WorkerInput {
  mark: typeof WORKER_MARK;
  url: string;
  snapshotId: string;
}

type ToWorker = { type: "task"; task: CopyTask } | { type: "ack" } | { type: "end" };
type FromWorker =
  | { type: "ready" }
  | { type: "batch"; bytes: ArrayBuffer; length: number; rows: number }
  | { type: "done"; rows: number; rowDigest: string }
  | { type: "failed"; message: string; operational: boolean };

/** One worker: its thread, its connection, one task at a time. */
class CopyWorker {
  private current: { receiver: JsonReceiver; resolve(result: TaskResult): void; reject(error: Error): void; held: number } | null = null;
  private failure: Error | null = null;
  private ended = false;
  readonly ready: Promise<void>;

  constructor(private readonly thread: Worker) {
    this.ready = new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        this.failure ??= error;
        reject(this.failure);
        this.current?.reject(this.failure);
        this.current = null;
      };
      thread.on("message", (message: FromWorker) => {
        if (message.type === "ready") resolve();
        else if (message.type === "failed" && !this.current) fail(workerError(message));
        else this.onMessage(message);
      });
      thread.on("error", fail);
      thread.on("exit", (code) => {
        if (!this.ended) fail(new OperationError(`a backup worker stopped (exit code ${code}); run the backup again`));
      });
    });
    this.ready.catch(() => {});
  }

  run(task: CopyTask, receiver: JsonReceiver): { resume(): void; done: Promise<TaskResult> } {
    const done = new Promise<TaskResult>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.current = { receiver, resolve, reject, held: 0 };
      this.thread.postMessage({ type: "task", task } satisfies ToWorker);
    });
    return {
      // The receiver has room again: acknowledge what it held back.
      resume: () => {
        for (; this.current && this.current.held > 0; this.current.held--) this.thread.postMessage({ type: "ack" } satisfies ToWorker);
      },
      done,
    };
  }

  private onMessage(message: FromWorker): void {
    const current = this.current;
    if (!current) return;
    if (message.type === "batch") {
      current.receiver.onRows?.(message.rows);
      if (current.receiver.deliver(Buffer.from(message.bytes, 0, message.length))) this.thread.postMessage({ type: "ack" } satisfies ToWorker);
      else current.held++;
    } else if (message.type === "done") {
      this.current = null;
      current.resolve({ rows: message.rows, rowDigest: message.rowDigest });
    } else if (message.type === "failed") {
      this.current = null;
      current.reject(workerError(message));
    }
  }

  /** Lets the worker commit and close its connection, then waits for the thread to end. */
  async end(): Promise<void> {
    if (this.failure) return;
    this.ended = true;
    const exited = new Promise<void>((resolve) => this.thread.once("exit", () => resolve()));
    this.thread.postMessage({ type: "end" } satisfies ToWorker);
    await exited;
  }

  destroy(): Promise<number> {
    this.ended = true;
    this.failure ??= new OperationError("the backup stopped");
    this.current?.reject(this.failure);
    this.current = null;
    return this.thread.terminate();
  }
}

function workerError(message: { message: string; operational: boolean }): Error {
  return message.operational ? new OperationError(message.message) : new Error(message.message);
}

export interface CopyWorkerPool {
  readonly size: number;
  /** Runs a task on worker `index` (which must be idle). */
  run(index: number, task: CopyTask, receiver: JsonReceiver): { resume(): void; done: Promise<TaskResult> };
  /** Ends every worker's transaction and thread. */
  close(): Promise<void>;
  /** Stops every worker at once (a failure, an interruption). */
  destroy(): Promise<void>;
}

/**
 * This module as a worker. The built command runs plain JavaScript; from the
 * TypeScript sources (tests, tsx) the worker registers tsx's loader first.
 */
function workerThread(input: WorkerInput): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL(import.meta.url), { workerData: input });
  const loader = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const code = `import(${loader}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  return new Worker(code, { eval: true, workerData: input });
}

/** Starts `size` workers, each connected inside `snapshotId`; resolves when all are. */
export async function startCopyWorkers(url: string, snapshotId: string, size: number): Promise<CopyWorkerPool> {
  const workers = Array.from({ length: size }, () => {
    const input: WorkerInput = { mark: WORKER_MARK, url, snapshotId };
    return new CopyWorker(workerThread(input));
  });
  const pool: CopyWorkerPool = {
    size,
    run: (index, task, receiver) => workers[index]!.run(task, receiver),
    async close() {
      await Promise.all(workers.map((worker) => worker.end()));
    },
    async destroy() {
      await Promise.all(workers.map((worker) => worker.destroy()));
    },
  };
  try {
    await Promise.all(workers.map((worker) => worker.ready));
  } catch (error) {
    await pool.destroy();
    throw error;
  }
  return pool;
}

/** The worker's side: one connection in the snapshot, tasks one after another. */
async function serve(port: MessagePort, input: WorkerInput): Promise<void> {
  const client = new pg.Client({ ...poolConfigFromUrl(input.url), application_name: "prisma-data-guard backup worker" });
  client.on("error", () => {});
  const fail = (error: unknown) =>
    port.postMessage({
      type: "failed",
      message: error instanceof Error ? error.message : String(error),
      operational: error instanceof OperationError,
    } satisfies FromWorker);
  try {
    await client.connect();
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query(`SET TRANSACTION SNAPSHOT '${input.snapshotId.replaceAll("'", "''")}'`);
    await client.query(SESSION_SETTINGS);
  } catch (error) {
    fail(new OperationError(`a backup worker could not join the backup's snapshot: ${(error as Error).message}`));
    process.exit(1);
  }
  let inFlight = 0;
  let flow: { resume(): void } | null = null;
  let paused = false;
  port.on("message", async (message: ToWorker) => {
    if (message.type === "ack") {
      inFlight--;
      if (paused && inFlight < IN_FLIGHT) {
        paused = false;
        flow?.resume();
      }
    } else if (message.type === "end") {
      await client.query("COMMIT").catch(() => {});
      await client.end().catch(() => {});
      port.close();
    } else {
      const { task } = message;
      inFlight = 0;
      paused = false;
      const digest = await createRowDigest();
      const converter = new CopyRowsToJson(task.label, task.columns, digest);
      const receiver: JsonReceiver = {
        deliver(batch) {
          // A batch owns its ArrayBuffer (ByteOutput allocates one per batch, above the Buffer pool's size): transfer it.
          port.postMessage({ type: "batch", bytes: batch.buffer as ArrayBuffer, length: batch.length, rows: converter.rows } satisfies FromWorker, [
            batch.buffer as ArrayBuffer,
          ]);
          inFlight++;
          paused = inFlight >= IN_FLIGHT;
          return !paused;
        },
      };
      const run = convertCopy(
        (sink) => copyOut(client, task.statement, sink),
        converter,
        receiver,
        task.label,
      );
      flow = run;
      try {
        const rows = await run.done;
        port.postMessage({ type: "done", rows, rowDigest: digest.value() } satisfies FromWorker);
      } catch (error) {
        fail(error);
      }
    }
  });
  port.postMessage({ type: "ready" } satisfies FromWorker);
}

if (!isMainThread && (workerData as WorkerInput | null)?.mark === WORKER_MARK) await serve(parentPort!, workerData as WorkerInput);
