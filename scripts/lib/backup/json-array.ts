// The table file format: a JSON array with one row per line,
//   [
//   {"id":1,…},
//   {"id":2,…}
//   ]
// where each row is the JSON PostgreSQL itself produced (row_to_json). The
// writer turns a binary COPY stream of that one json column into this format
// without parsing the rows; the reader splits it back into row texts and
// checks the structure as it goes.
import { Transform, type TransformCallback } from "node:stream";
import { OperationError } from "../errors.ts";

const COPY_SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const COPY_HEADER_FIXED = COPY_SIGNATURE.length + 8;
const OPEN = Buffer.from("[\n");
const SEPARATOR = Buffer.from(",\n");
const CLOSE_AFTER_ROWS = Buffer.from("\n]\n");
const CLOSE_EMPTY = Buffer.from("]\n");
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/**
 * PostgreSQL's JSON escapes every control character inside strings, so a raw
 * line break can only be insignificant whitespace kept by a `json` (not
 * `jsonb`) column. It becomes a space: same JSON value, one row per line.
 */
function oneLine(row: Buffer): Buffer {
  if (row.indexOf(LF) === -1 && row.indexOf(CR) === -1) return row;
  const copy = Buffer.from(row);
  for (let i = 0; i < copy.length; i++) if (copy[i] === LF || copy[i] === CR) copy[i] = SPACE;
  return copy;
}

/**
 * Binary COPY output of `SELECT row_to_json(t) …` in, JSON-array file out.
 * Binary framing (length-prefixed fields) needs no unescaping, unlike COPY's
 * text format, so row bytes pass through untouched.
 */
export class CopyRowsToJsonArray extends Transform {
  rows = 0;
  private pending: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private trailerSeen = false;

  constructor(
    private readonly table: string,
    private readonly onRows: (rows: number) => void = () => {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let position = 0;
    if (!this.headerDone) {
      if (buffer.length < COPY_HEADER_FIXED) {
        this.pending = buffer;
        return callback();
      }
      if (!buffer.subarray(0, COPY_SIGNATURE.length).equals(COPY_SIGNATURE)) {
        return callback(new OperationError(`unexpected COPY output for table ${this.table} (no binary COPY signature)`));
      }
      const extension = buffer.readUInt32BE(COPY_SIGNATURE.length + 4);
      if (buffer.length < COPY_HEADER_FIXED + extension) {
        this.pending = buffer;
        return callback();
      }
      position = COPY_HEADER_FIXED + extension;
      this.headerDone = true;
    }

    const out: Buffer[] = [];
    const rowsBefore = this.rows;
    while (!this.trailerSeen && buffer.length - position >= 2) {
      const fields = buffer.readInt16BE(position);
      if (fields === -1) {
        this.trailerSeen = true;
        position += 2;
        break;
      }
      if (buffer.length - position < 6) break;
      const length = buffer.readInt32BE(position + 2);
      if (fields !== 1 || length < 0) {
        return callback(new OperationError(`unexpected COPY row for table ${this.table} (${fields} fields, length ${length})`));
      }
      if (buffer.length - position - 6 < length) break;
      out.push(this.rows === 0 ? OPEN : SEPARATOR, oneLine(buffer.subarray(position + 6, position + 6 + length)));
      this.rows++;
      position += 6 + length;
    }
    // Copy the unfinished remainder so the large chunk it came from can be freed.
    this.pending = Buffer.from(buffer.subarray(position));
    if (this.rows !== rowsBefore) this.onRows(this.rows);
    callback(null, out.length > 0 ? Buffer.concat(out) : undefined);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.trailerSeen || this.pending.length > 0) {
      return callback(new OperationError(`the COPY output of table ${this.table} ended early (connection lost?)`));
    }
    callback(null, this.rows === 0 ? Buffer.concat([OPEN, CLOSE_EMPTY]) : CLOSE_AFTER_ROWS);
  }
}

/**
 * Splits a table file's content into row texts, checking the array structure:
 * "[" first, rows separated by ",\n", "]" last. Holds back one row to know
 * whether it is the last. Throws an OperationError naming `fileName`.
 */
export async function* jsonArrayRows(content: AsyncIterable<Buffer>, fileName: string): AsyncGenerator<string> {
  let carry: Buffer | null = null;
  let line = 0;
  let opened = false;
  let closed = false;
  let heldRow: Buffer | null = null;
  const broken = (reason: string) => new OperationError(`${fileName}: line ${line}: ${reason}`);

  function* take(text: Buffer): Generator<string> {
    line++;
    if (closed) {
      if (text.length === 0) return;
      throw broken("data after the closing ]");
    }
    if (!opened) {
      if (text.length !== 1 || text[0] !== 0x5b) throw broken('expected "[" (the start of the JSON array)');
      opened = true;
      return;
    }
    if (text.length === 1 && text[0] === 0x5d) {
      if (heldRow) {
        if (heldRow[heldRow.length - 1] === 0x2c) throw broken('the last row ends with ","');
        yield heldRow.toString("utf8");
        heldRow = null;
      }
      closed = true;
      return;
    }
    if (heldRow) {
      if (heldRow[heldRow.length - 1] !== 0x2c) throw broken('the previous row does not end with ","');
      yield heldRow.toString("utf8", 0, heldRow.length - 1);
    }
    heldRow = text;
  }

  for await (const chunk of content) {
    let start = 0;
    let newline = chunk.indexOf(LF);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      const text: Buffer = carry ? Buffer.concat([carry, piece]) : piece;
      carry = null;
      yield* take(text);
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
    }
  }
  if (carry && carry.length > 0) yield* take(carry);
  if (!closed) {
    line++;
    throw broken("the file ends before the closing ] (truncated)");
  }
}
