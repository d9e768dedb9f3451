// A worker thread of db:restore --jobs (copy-encoders.ts): turns batches of
// a table file's JSON rows into COPY data with the same strict encoder the
// main thread uses (copyRowsEncoder), one encoder per table. A refused
// row comes back as its error message, numbered by its row in the file.
import { parentPort } from "node:worker_threads";
import { copyRowsEncoder } from "../backup/json-to-copy-binary.ts";
import { OperationError } from "../errors.ts";
import type { EncoderReply, EncoderRequest } from "./copy-encoders.ts";

const port = parentPort;
if (!port) throw new Error("copy-encoder.worker.ts runs only as a worker thread (copy-encoders.ts starts it)");

const encoders = new Map<number, ReturnType<typeof copyRowsEncoder>>();
port.on("message", (request: EncoderRequest) => {
  if (request.kind === "table") {
    encoders.set(request.table, copyRowsEncoder(request.fileName, request.backupColumns, request.copyColumns, request.formatVersion, request.binaryTypes));
    return;
  }
  if (request.kind === "done") {
    encoders.delete(request.table);
    return;
  }
  const encoder = encoders.get(request.table)!;
  let reply: EncoderReply;
  try {
    const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
    const rows: Buffer[] = [];
    let start = 0;
    for (const end of request.ends) {
      rows.push(bytes.subarray(start, end));
      start = end;
    }
    encoder.rows = request.firstRow;
    // A copy of exactly the text's bytes: transferring the encoder's buffer would hand over more than the text.
    const text = new Uint8Array(encoder.encode(rows));
    reply = { seq: request.seq, text };
    port.postMessage(reply, [text.buffer]);
  } catch (error) {
    reply = { seq: request.seq, error: (error as Error).message, operational: error instanceof OperationError };
    port.postMessage(reply);
  }
});
