// One COPY's rows as table-file JSON, with flow control: rows come off the
// socket (copy-out.ts), are converted (copy-to-json.ts) and handed on in
// batches; when the receiver is full the socket is paused until it asks for
// more. The same loop runs on the main thread (one job) and in each worker
// of `--jobs N` (copy-workers.ts).
import type { CopyOut, CopyRowSink } from "./copy-out.ts";
import type { CopyRowsToJson } from "./copy-to-json.ts";
import { OperationError } from "../errors.ts";

export interface JsonReceiver {
  /** A batch of the file's bytes; false: full, wait for resume(). */
  deliver(chunk: Buffer): boolean;
  /** Rows converted so far, after every socket read. */
  onRows?(rows: number): void;
}

/**
 * Runs `start` (a COPY on a connection) into `converter`, delivering its
 * rows (JsonArrayFile puts the array around them). Resolves with the row
 * count once the last batch was delivered and the count matches the server's.
 */
export function convertCopy(
  start: (sink: CopyRowSink) => CopyOut,
  converter: CopyRowsToJson,
  receiver: JsonReceiver,
  label: string,
): { resume(): void; done: Promise<number> } {
  let copy: CopyOut | null = null;
  const sink: CopyRowSink = {
    row: (line, from, to) => converter.row(line, from, to),
    chunkDone() {
      receiver.onRows?.(converter.rows);
      const batch = converter.take();
      if (batch && !receiver.deliver(batch)) copy?.pause();
    },
  };
  copy = start(sink);
  const done = copy.done.then((serverRows) => {
    if (serverRows !== converter.rows) {
      throw new OperationError(`table ${label}: PostgreSQL sent ${serverRows} rows but ${converter.rows} were written`);
    }
    const rest = converter.rest();
    if (rest.length > 0) receiver.deliver(rest);
    return converter.rows;
  });
  return { resume: () => copy?.resume(), done };
}
