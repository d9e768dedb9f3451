// The JSON → COPY text conversion of a restore, on the main thread (one job)
// or spread over worker threads (db:restore --jobs N: N - 1 workers, the main
// thread reading, checking and splitting the files and feeding COPY). Either
// way batches come out in file order: the COPY stream is the same, and a
// refused row names the same row number. The strict parser runs in every
// worker exactly as on the main thread (the same encoder, copyRowsEncoder:
// COPY text, or binary where the plan says so).
import type { Worker } from "node:worker_threads";
import { copyRowsEncoder, type ColumnType } from "../backup/index.ts";
import { OperationError } from "../errors.ts";
import { startWorkerThread } from "../worker-thread.ts";
import type { PlannedTable } from "./plan.ts";

export interface EncodedBatch {
  text: Buffer;
  rows: number;
}

export type EncoderRequest =
  | { kind: "table"; table: number; fileName: string; backupColumns: ColumnType[]; copyColumns: string[]; formatVersion: number; binaryTypes: string[] | null }
  | { kind: "batch"; table: number; seq: number; firstRow: number; bytes: Uint8Array; ends: Uint32Array }
  | { kind: "done"; table: number };

export type EncoderReply = { seq: number; text: Uint8Array } | { seq: number; error: string; operational: boolean };

/** Batches a worker may hold before the reader waits: enough to keep every worker busy while COPY drains. */
const IN_FLIGHT_PER_WORKER = 4;

/**
 * A table file's rows (readTableRowBatches) as COPY data: converted by the
 * worker threads of `encoders` (--jobs), else here. `formatVersion`: the set's.
 */
export function encodeRows(planned: PlannedTable, batches: AsyncIterable<Buffer[]>, formatVersion: number, encoders?: CopyEncoderPool): AsyncIterable<EncodedBatch> {
  return encoders ? encoders.encode(planned, batches, formatVersion) : encodeHere(planned, batches, formatVersion);
}

/** A table's batches as COPY data, converted here. */
async function* encodeHere(planned: PlannedTable, batches: AsyncIterable<Buffer[]>, formatVersion: number): AsyncGenerator<EncodedBatch> {
  const encoder = copyRowsEncoder(planned.entry.file, planned.entry.columns, planned.columns, formatVersion, planned.binaryTypes);
  for await (const batch of batches) yield { text: encoder.encode(batch), rows: batch.length };
}

interface Pending {
  resolve: (text: Buffer) => void;
  reject: (error: Error) => void;
}

/** Worker threads converting batches for the whole restore; close() when done. */
export class CopyEncoderPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextSeq = 0;
  private nextTable = 0;
  private failure: Error | null = null;
  private closing = false;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = startWorkerThread(import.meta.url, "copy-encoder");
      worker.on("message", (reply: EncoderReply) => this.settle(reply));
      worker.on("error", (error) => this.fail(new Error(`a restore worker thread failed: ${error.message}`)));
      worker.on("exit", (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`a restore worker thread exited with code ${code}`));
      });
      return worker;
    });
  }

  /** A table's batches as COPY text, converted by the workers, in file order. */
  async *encode(planned: PlannedTable, batches: AsyncIterable<Buffer[]>, formatVersion: number): AsyncGenerator<EncodedBatch> {
    const table = this.nextTable++;
    const setup: EncoderRequest = {
      kind: "table",
      table,
      fileName: planned.entry.file,
      backupColumns: planned.entry.columns,
      copyColumns: planned.columns,
      formatVersion,
      binaryTypes: planned.binaryTypes,
    };
    for (const worker of this.workers) worker.postMessage(setup);
    const queue: Promise<EncodedBatch>[] = [];
    let firstRow = 0;
    try {
      for await (const batch of batches) {
        queue.push(this.send(table, firstRow, batch));
        firstRow += batch.length;
        if (queue.length >= this.workers.length * IN_FLIGHT_PER_WORKER) yield await queue.shift()!;
      }
      while (queue.length > 0) yield await queue.shift()!;
    } finally {
      const done: EncoderRequest = { kind: "done", table };
      for (const worker of this.workers) worker.postMessage(done);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private send(table: number, firstRow: number, batch: Buffer[]): Promise<EncodedBatch> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.nextSeq++;
    // One fresh buffer for the batch (rows are views into the chunk read, and a small Buffer may share Node's pool): transferred, not copied again.
    let size = 0;
    for (const row of batch) size += row.length;
    const bytes = new Uint8Array(size);
    const ends = new Uint32Array(batch.length);
    let end = 0;
    batch.forEach((row, i) => {
      bytes.set(row, end);
      ends[i] = end += row.length;
    });
    const request: EncoderRequest = { kind: "batch", table, seq, firstRow, bytes, ends };
    const text = new Promise<Buffer>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    this.workers[seq % this.workers.length]!.postMessage(request, [bytes.buffer, ends.buffer]);
    const encoded = text.then((buffer) => ({ text: buffer, rows: batch.length }));
    // Awaited in order by encode(); a later batch's failure must not count as unhandled meanwhile.
    encoded.catch(() => {});
    return encoded;
  }

  private settle(reply: EncoderReply): void {
    const pending = this.pending.get(reply.seq);
    if (!pending) return;
    this.pending.delete(reply.seq);
    if ("text" in reply) pending.resolve(Buffer.from(reply.text.buffer, reply.text.byteOffset, reply.text.byteLength));
    else pending.reject(reply.operational ? new OperationError(reply.error) : new Error(reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
