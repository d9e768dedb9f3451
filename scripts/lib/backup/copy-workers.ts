// The workers of `db:backup --jobs N`: N worker threads, each with its own
// connection inside the backup's exported snapshot (BEGIN REPEATABLE READ;
// SET TRANSACTION SNAPSHOT, as pg_dump -j does), each running COPYs and the
// COPY → JSON conversion (and the row digest) off the main thread. The main
// thread receives converted batches (their memory transferred, not copied)
// and does what must be in file order: the array around the rows, gzip,
// encryption, SHA-256, the write.
//
// Flow control: a worker has a few batches unacknowledged at most; past that
// it stops reading its socket, so the server waits rather than memory
// growing. This module is the main thread's side; copy-worker.worker.ts is
// the workers'.
import type { Worker } from "node:worker_threads";
import { OperationError } from "../errors.ts";
import { startWorkerThread } from "../worker-thread.ts";
import type { ColumnType } from "./row-encoding.ts";
import type { JsonReceiver } from "./table-json.ts";

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

export interface WorkerInput {
  url: string;
  snapshotId: string;
}

export type ToWorker = { type: "task"; task: CopyTask } | { type: "ack" } | { type: "end" };
export type FromWorker =
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

/** Starts `size` workers, each connected inside `snapshotId`; resolves when all are. */
export async function startCopyWorkers(url: string, snapshotId: string, size: number): Promise<CopyWorkerPool> {
  const workers = Array.from({ length: size }, () => {
    const input: WorkerInput = { url, snapshotId };
    return new CopyWorker(startWorkerThread(import.meta.url, "copy-worker", input));
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
