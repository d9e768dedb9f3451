// Reads `COPY … TO STDOUT` (text format) straight off a pg connection's
// socket: the protocol's CopyData messages are parsed where they arrive and
// each row is handed over as a range of the socket's own buffer, without a
// stream, a copy or a line search per row. (pg-copy-streams, which the drill's
// digest check still uses, copies every chunk into a Readable and the backup
// then split it into lines again: measured as a large share of a backup's CPU.)
//
// PostgreSQL sends each row of a text COPY as one CopyData message ending in
// its line feed (copyto.c, CopySendEndOfRow); a message that does not end in
// one is joined with the next (a server is free to split rows otherwise).
import type pg from "pg";
import { LF } from "../byte-output.ts";

const COPY_DATA = 0x64; // 'd'
const COPY_OUT_RESPONSE = 0x48; // 'H'
const NOTICE = 0x4e; // 'N'
const PARAMETER_STATUS = 0x53; // 'S'
const NOTIFICATION = 0x41; // 'A'
const HEADER_BYTES = 5;

export interface CopyRowSink {
  /** One row: its COPY text line[start, end), without the line feed. */
  row(line: Buffer, start: number, end: number): void;
  /** After the rows of one socket read: a good moment to hand converted output on. */
  chunkDone(): void;
}

export interface CopyOut {
  /** Stops reading the socket (the server waits): the consumer is behind. */
  pause(): void;
  resume(): void;
  /** The row count PostgreSQL reported, once the COPY has finished. */
  readonly done: Promise<number>;
}

type Socket = NodeJS.ReadableStream & { listeners(event: "data"): ((chunk: Buffer) => void)[] };

/** Runs `statement` (a COPY … TO STDOUT) on `client`, feeding every row to `sink`. */
export function copyOut(client: pg.Client, statement: string, sink: CopyRowSink): CopyOut {
  let socket: Socket | null = null;
  /** Whether the socket's data comes here (between the query's start and CopyDone). */
  let attached = false;
  let pgHandler: ((chunk: Buffer) => void) | null = null;
  let rowCount = 0;
  /** A message whose header arrived but not all its body. */
  let partial: Buffer | null = null;
  let partialFilled = 0;
  /** Fewer than HEADER_BYTES of a message's start. */
  let headerCarry: Buffer | null = null;
  /** A row's start, when a message ended before its line feed. */
  let lineCarry: Buffer[] = [];
  let resolveDone!: (rows: number) => void;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<number>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });

  const payload = (buffer: Buffer, start: number, end: number) => {
    if (lineCarry.length === 0 && buffer[end - 1] === LF) return sink.row(buffer, start, end - 1);
    lineCarry.push(Buffer.from(buffer.subarray(start, end)));
    if (buffer[end - 1] !== LF) return;
    const line = Buffer.concat(lineCarry);
    lineCarry = [];
    for (let at = 0; at < line.length; ) {
      const lineEnd = line.indexOf(LF, at);
      sink.row(line, at, lineEnd);
      at = lineEnd + 1;
    }
  };

  /** Gives the rest of the connection's input back to pg (CopyDone, CommandComplete, an error…). */
  const detach = (rest: Buffer) => {
    attached = false;
    socket!.removeListener("data", onData);
    socket!.on("data", pgHandler!);
    socket!.resume();
    if (rest.length > 0) pgHandler!(rest);
  };

  const onData = (input: Buffer) => {
    let chunk = input;
    if (headerCarry) {
      chunk = Buffer.concat([headerCarry, input]);
      headerCarry = null;
    }
    let at = 0;
    if (partial) {
      const take = Math.min(partial.length - partialFilled, chunk.length);
      chunk.copy(partial, partialFilled, 0, take);
      partialFilled += take;
      at = take;
      if (partialFilled < partial.length) return;
      const message = partial;
      partial = null;
      payload(message, 0, message.length);
    }
    while (at < chunk.length) {
      if (chunk.length - at < HEADER_BYTES) {
        headerCarry = Buffer.from(chunk.subarray(at));
        break;
      }
      const code = chunk[at]!;
      const end = at + 1 + chunk.readUInt32BE(at + 1);
      if (code === COPY_DATA) {
        if (end <= chunk.length) {
          payload(chunk, at + HEADER_BYTES, end);
        } else {
          partial = Buffer.allocUnsafe(end - at - HEADER_BYTES);
          partialFilled = chunk.copy(partial, 0, at + HEADER_BYTES);
        }
        at = end;
      } else if (code === COPY_OUT_RESPONSE || code === NOTICE || code === PARAMETER_STATUS || code === NOTIFICATION) {
        // Not ours to act on; pg-copy-streams skips them too. Rare and small: wait for all of it.
        if (end > chunk.length) {
          headerCarry = Buffer.from(chunk.subarray(at));
          break;
        }
        at = end;
      } else {
        sink.chunkDone();
        return detach(chunk.subarray(at));
      }
    }
    sink.chunkDone();
  };

  const query = {
    submit(connection: { stream: Socket; query(text: string): void }) {
      socket = connection.stream;
      pgHandler = socket.listeners("data")[0] ?? null;
      socket.removeListener("data", pgHandler!);
      socket.on("data", onData);
      attached = true;
      connection.query(statement);
    },
    handleCommandComplete(message: { text?: string }) {
      rowCount = Number(/^COPY (\d+)/.exec(message.text ?? "")?.[1] ?? 0);
    },
    handleReadyForQuery() {
      if (lineCarry.length > 0 || partial) rejectDone(new Error("the COPY output ended mid-row"));
      else resolveDone(rowCount);
    },
    handleError(error: Error) {
      // The connection ended while we held its socket: hand it back so pg can finish its bookkeeping.
      if (attached) detach(Buffer.alloc(0));
      rejectDone(error);
    },
  };
  // pg runs any object with submit(connection) (a Submittable: how pg-copy-streams and pg-cursor plug in);
  // its type declarations do not list that overload, hence the cast.
  client.query(query as unknown as pg.QueryConfig);

  return {
    pause: () => {
      if (attached) socket!.pause();
    },
    resume: () => {
      if (attached) socket!.resume();
    },
    done,
  };
}
