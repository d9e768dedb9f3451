// Turns `COPY table TO STDOUT` (text format: PostgreSQL's own output text of
// every value) into the table file's JSON rows, byte by byte, without
// decoding strings. Measured: plain COPY plus this conversion is several times
// faster than making the server build JSON with row_to_json.
//
// Each value is PostgreSQL's own text for it, which its input function reads
// back exactly (json-to-copy.ts hands it to COPY, which calls the input
// function); row-encoding.ts says how each type is written:
//   SQL NULL                    -> null
//   integer/numeric/float types -> a JSON number ("NaN", "Infinity" as strings)
//   boolean                     -> true / false
//   jsonb                       -> the JSON itself (PostgreSQL's canonical text)
//   anything else               -> a JSON string of the text
//                                  (json kept byte for byte, timestamps, text, bytea "\x…", enums, arrays "{a,b}", …)
// COPY's escapes for \\ \n \r \t \b \f are JSON's own, so text passes through
// almost untouched.
import { Transform, type TransformCallback } from "node:stream";
import { BACKSLASH, ByteOutput, LF, QUOTE, TAB } from "../byte-output.ts";
import { OperationError } from "../errors.ts";
import { FORMAT_VERSION, ROW_ANNOTATION_KEY, ValueKind, valueKind, type ColumnType } from "./row-encoding.ts";
import type { RowDigest } from "./row-digest.ts";

const HEX = Buffer.from("0123456789abcdef");

const OPEN = Buffer.from("[\n");
const SEPARATOR = Buffer.from(",\n");
const CLOSE_AFTER_ROWS = Buffer.from("\n]\n");
const CLOSE_EMPTY = Buffer.from("]\n");
const NULL = Buffer.from("null");
const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");

export class CopyTextToJsonArray extends Transform {
  rows = 0;
  /** The start of a row not yet ended, in the chunks it arrived in: joined once, when its line ends. */
  private pending: Buffer[] = [];
  private readonly kinds: ValueKind[];
  /** `{"a":`, `,"b":`, … as bytes. */
  private readonly keys: Buffer[];
  private readonly jsonNames: Buffer[];

  constructor(
    private readonly table: string,
    private readonly columns: ColumnType[],
    private readonly onRows: (rows: number) => void = () => {},
    /** Fed every row's COPY line as it is converted (the summary's rowDigest). */
    private readonly digest?: RowDigest,
  ) {
    super();
    this.kinds = columns.map((column) => valueKind(column.type, FORMAT_VERSION));
    this.keys = columns.map((column, i) => Buffer.from(`${i === 0 ? "{" : ","}${JSON.stringify(column.name)}:`));
    this.jsonNames = columns.map((column) => Buffer.from(JSON.stringify(column.name)));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // A value of many megabytes spans many chunks: look for the line's end in the new chunk only.
    const lastLineEnd = chunk.lastIndexOf(LF);
    if (lastLineEnd === -1) {
      this.pending.push(chunk);
      return callback();
    }
    const input = this.pending.length > 0 ? Buffer.concat([...this.pending, chunk]) : chunk;
    const end = input.length - (chunk.length - lastLineEnd - 1);
    this.pending = end < input.length ? [Buffer.from(input.subarray(end))] : [];
    const out = new ByteOutput(Math.ceil(end * 1.25) + 64);
    try {
      for (let start = 0; start < end; ) {
        const lineEnd = input.indexOf(LF, start);
        this.row(input, start, lineEnd, out);
        start = lineEnd + 1;
      }
    } catch (error) {
      return callback(error as Error);
    }
    this.onRows(this.rows);
    callback(null, out.buffer.subarray(0, out.length));
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending.length > 0) return callback(new OperationError(`the COPY output of table ${this.table} ended mid-row (connection lost?)`));
    callback(null, this.rows === 0 ? Buffer.concat([OPEN, CLOSE_EMPTY]) : CLOSE_AFTER_ROWS);
  }

  private row(input: Buffer, start: number, end: number, out: ByteOutput): void {
    this.digest?.add(input, start, end);
    out.bytes(this.rows === 0 ? OPEN : SEPARATOR);
    let jsonNulls: Buffer[] | null = null;
    let fieldStart = start;
    for (let column = 0; column < this.columns.length; column++) {
      let fieldEnd = column === this.columns.length - 1 ? end : input.indexOf(TAB, fieldStart);
      if (fieldEnd === -1 || fieldEnd > end) {
        throw new OperationError(`unexpected COPY output for table ${this.table}: a row has fewer than ${this.columns.length} columns`);
      }
      out.bytes(this.keys[column]!);
      if (fieldEnd - fieldStart === 2 && input[fieldStart] === BACKSLASH && input[fieldStart + 1] === 0x4e) {
        out.bytes(NULL);
      } else {
        switch (this.kinds[column]) {
          case ValueKind.Number:
            if (isNumberText(input, fieldStart)) out.bytes(input, fieldStart, fieldEnd);
            else quoted(input, fieldStart, fieldEnd, out);
            break;
          case ValueKind.Boolean:
            out.bytes(input[fieldStart] === 0x74 ? TRUE : FALSE);
            break;
          case ValueKind.RawJson:
            if (isJsonNull(input, fieldStart, fieldEnd)) (jsonNulls ??= []).push(this.jsonNames[column]!);
            unescapedJson(input, fieldStart, fieldEnd, out);
            break;
          default:
            quoted(input, fieldStart, fieldEnd, out);
        }
      }
      fieldStart = fieldEnd + 1;
    }
    if (jsonNulls) out.bytes(Buffer.from(`,${JSON.stringify(ROW_ANNOTATION_KEY)}:{"jsonNull":[${jsonNulls.join(",")}]}`));
    out.byte(0x7d);
    this.rows++;
  }
}

const isDigit = (byte: number | undefined) => byte !== undefined && byte >= 0x30 && byte <= 0x39;

/** PostgreSQL prints numbers as JSON does, except NaN and ±Infinity, which stay strings. */
function isNumberText(input: Buffer, start: number): boolean {
  return isDigit(input[start]) || (input[start] === 0x2d && isDigit(input[start + 1]));
}

/** A jsonb value that is the JSON null (jsonb prints it as exactly "null"). */
function isJsonNull(input: Buffer, start: number, end: number): boolean {
  return end - start === 4 && input[start] === 0x6e && input[start + 1] === 0x75 && input[start + 2] === 0x6c && input[start + 3] === 0x6c;
}

/**
 * A COPY-escaped value as a JSON string. COPY writes \\ \n \r \t \b \f as
 * JSON does; \v and the control characters COPY leaves raw need \u00XX, and
 * quotes need a backslash.
 */
function quoted(input: Buffer, start: number, end: number, out: ByteOutput): void {
  out.reserve((end - start) * 6 + 2);
  const buffer = out.buffer;
  let at = out.length;
  buffer[at++] = QUOTE;
  for (let i = start; i < end; i++) {
    const byte = input[i]!;
    if (byte === BACKSLASH) {
      const next = input[++i]!;
      if (next === 0x76) {
        at = controlEscape(buffer, at, 0x0b);
      } else {
        buffer[at++] = BACKSLASH;
        buffer[at++] = next;
      }
    } else if (byte === QUOTE) {
      buffer[at++] = BACKSLASH;
      buffer[at++] = QUOTE;
    } else if (byte < 0x20) {
      at = controlEscape(buffer, at, byte);
    } else {
      buffer[at++] = byte;
    }
  }
  buffer[at++] = QUOTE;
  out.length = at;
}

function controlEscape(buffer: Buffer, at: number, byte: number): number {
  buffer[at++] = BACKSLASH;
  buffer[at++] = 0x75;
  buffer[at++] = 0x30;
  buffer[at++] = 0x30;
  buffer[at++] = HEX[byte >> 4]!;
  buffer[at++] = HEX[byte & 0x0f]!;
  return at;
}

const UNESCAPED: Record<number, number> = { 0x74: TAB, 0x62: 0x08, 0x66: 0x0c, 0x76: 0x0b, [BACKSLASH]: BACKSLASH };

/**
 * A jsonb value, COPY escapes undone. PostgreSQL writes jsonb on one line
 * (its strings escape their line breaks), so the file keeps one row per line.
 */
function unescapedJson(input: Buffer, start: number, end: number, out: ByteOutput): void {
  out.reserve(end - start);
  const buffer = out.buffer;
  let at = out.length;
  for (let i = start; i < end; i++) {
    const byte = input[i]!;
    if (byte !== BACKSLASH) buffer[at++] = byte;
    else {
      const unescaped = UNESCAPED[input[++i]!];
      // \n or \r: a raw line break, which jsonb's output never has; the file must keep one row per line.
      if (unescaped === undefined) throw new OperationError(`unexpected line break in a jsonb value's text (COPY escape \\${String.fromCharCode(input[i]!)})`);
      buffer[at++] = unescaped;
    }
  }
  out.length = at;
}
