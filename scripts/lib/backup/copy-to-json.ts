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
//
// Rows are converted in one pass over their bytes (fields found by the same
// scan that escapes them) into a large output buffer, which is handed on
// whole once it holds OUTPUT_BATCH_BYTES: every layer after this one (gzip,
// hashes, the file) then sees few, large chunks.
import { BACKSLASH, ByteOutput, QUOTE, TAB } from "../byte-output.ts";
import { OperationError } from "../errors.ts";
import { FORMAT_VERSION, ROW_ANNOTATION_KEY, ValueKind, valueKind, type ColumnType } from "./row-encoding.ts";
import type { RowDigest } from "./row-digest.ts";

const HEX = Buffer.from("0123456789abcdef");

const SEPARATOR = Buffer.from(",\n");
const CLOSE_AFTER_ROWS = Buffer.from("\n]\n");
const CLOSE_EMPTY = Buffer.from("[\n]\n");
const OPEN_BRACKET = 0x5b;

/** Output is handed on in chunks of about this size (and at the end). */
export const OUTPUT_BATCH_BYTES = 512 * 1024;
/** A batch's buffer: room for the rows of one more socket read past the batch size (a longer row grows it). */
const BATCH_ALLOCATION_BYTES = OUTPUT_BATCH_BYTES + 256 * 1024;

/** Worst case of one input byte: a control character becomes \u00XX. */
const MAX_EXPANSION = 6;

/**
 * Converts COPY rows, one `row()` call per line, into rows of a table file,
 * each written as ",\n{…}": the same bytes whichever part of a table (a ctid
 * range of it) they come from, so parts convert independently and
 * JsonArrayFile joins them into the array. `take()` hands out what is
 * converted so far once a batch is full; `rest()` hands out the remainder.
 */
export class CopyRowsToJson {
  rows = 0;
  private out = new ByteOutput(BATCH_ALLOCATION_BYTES);
  private readonly kinds: ValueKind[];
  /** `{"a":`, `,"b":`, … as bytes. */
  private readonly keys: Buffer[];
  private readonly keyBytes: number;
  private readonly jsonNames: Buffer[];

  constructor(
    private readonly table: string,
    columns: ColumnType[],
    /** Fed every row's COPY line as it is converted (the summary's rowDigest). */
    private readonly digest?: RowDigest,
  ) {
    this.kinds = columns.map((column) => valueKind(column.type, FORMAT_VERSION));
    this.keys = columns.map((column, i) => Buffer.from(`${i === 0 ? "{" : ","}${JSON.stringify(column.name)}:`));
    this.keyBytes = this.keys.reduce((sum, key) => sum + key.length, 0);
    this.jsonNames = columns.map((column) => Buffer.from(JSON.stringify(column.name)));
  }

  /**
   * The converted bytes, once at least a batch is ready (else null). Call
   * after each socket read: the row digest then hashes that read's rows, so
   * their input need not outlive it.
   */
  take(): Buffer | null {
    this.digest?.flush();
    return this.out.length >= OUTPUT_BATCH_BYTES ? this.handOut() : null;
  }

  /** What is left once the last row was converted. */
  rest(): Buffer {
    this.digest?.flush();
    return this.handOut();
  }

  private handOut(): Buffer {
    const full = this.out.buffer.subarray(0, this.out.length);
    this.out = new ByteOutput(BATCH_ALLOCATION_BYTES);
    return full;
  }

  /** One COPY line, input[start, end) without its line feed. */
  row(input: Buffer, start: number, end: number): void {
    this.digest?.add(input, start, end);
    const out = this.out;
    out.reserve((end - start) * MAX_EXPANSION + this.keyBytes + 8);
    const buffer = out.buffer;
    let at = out.length;
    buffer[at++] = SEPARATOR[0]!;
    buffer[at++] = SEPARATOR[1]!;
    let jsonNulls: Buffer[] | null = null;
    const last = this.kinds.length - 1;
    let i = start;
    for (let column = 0; column <= last; column++) {
      const key = this.keys[column]!;
      for (let k = 0; k < key.length; k++) buffer[at++] = key[k]!;
      const fieldStart = i;
      if (input[i] === BACKSLASH && input[i + 1] === 0x4e) {
        // \N: SQL NULL.
        buffer[at++] = 0x6e;
        buffer[at++] = 0x75;
        buffer[at++] = 0x6c;
        buffer[at++] = 0x6c;
        i += 2;
      } else {
        switch (this.kinds[column]) {
          case ValueKind.Number:
            i = fieldEndOf(input, fieldStart, end);
            if (isNumberText(input, fieldStart)) {
              for (let j = fieldStart; j < i; j++) buffer[at++] = input[j]!;
            } else {
              at = quoted(input, fieldStart, end, buffer, at);
              i = quotedEnd;
            }
            break;
          case ValueKind.Boolean:
            at = copyBytes(input[i] === 0x74 ? TRUE : FALSE, buffer, at);
            i = fieldEndOf(input, fieldStart, end);
            break;
          case ValueKind.RawJson:
            i = fieldEndOf(input, fieldStart, end);
            if (isJsonNull(input, fieldStart, i)) (jsonNulls ??= []).push(this.jsonNames[column]!);
            at = unescapedJson(input, fieldStart, i, buffer, at);
            break;
          default:
            at = quoted(input, fieldStart, end, buffer, at);
            i = quotedEnd;
        }
      }
      // i is at the field's tab (or the line's end): the next field starts after it.
      if (column === last ? i !== end : input[i] !== TAB || i >= end) {
        throw this.columnCountError(column === last ? "more" : "fewer");
      }
      i++;
    }
    buffer[at++] = 0x7d;
    out.length = at;
    if (jsonNulls) {
      out.length--;
      out.bytes(Buffer.from(`,${JSON.stringify(ROW_ANNOTATION_KEY)}:{"jsonNull":[${jsonNulls.join(",")}]}}`));
    }
    this.rows++;
  }

  private columnCountError(which: "fewer" | "more"): OperationError {
    return new OperationError(`unexpected COPY output for table ${this.table}: a row has ${which} than ${this.kinds.length} columns`);
  }
}

/**
 * The array around converted rows, in file order: the first row's ",\n"
 * becomes "[\n" and `close()` ends the array.
 */
export class JsonArrayFile {
  private opened = false;

  /** Call on every batch of rows in order; changes the first one in place. */
  rows(batch: Buffer): Buffer {
    if (!this.opened && batch.length > 0) {
      batch[0] = OPEN_BRACKET;
      this.opened = true;
    }
    return batch;
  }

  close(): Buffer {
    return this.opened ? CLOSE_AFTER_ROWS : CLOSE_EMPTY;
  }
}

const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");

function copyBytes(source: Buffer, buffer: Buffer, at: number): number {
  for (let k = 0; k < source.length; k++) buffer[at++] = source[k]!;
  return at;
}

/** Where the field starting at `start` ends: its tab, or the line's end. Raw tabs only separate fields in COPY text. */
function fieldEndOf(input: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && input[i] !== TAB) i++;
  return i;
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

/** 1 for the bytes a JSON string takes as they are: everything but control characters, the quote and the backslash. */
const PLAIN = new Uint8Array(256).map((_, byte) => (byte >= 0x20 && byte !== QUOTE && byte !== BACKSLASH ? 1 : 0));

/** Where the last quoted() stopped: the field's tab or the line's end (a second result without an allocation). */
let quotedEnd = 0;

/**
 * A COPY-escaped value (from `start` to the next tab or `end`) as a JSON
 * string written at buffer[at]; returns where it ends. COPY writes
 * \\ \n \r \t \b \f as JSON does; \v and the control characters COPY leaves
 * raw need \u00XX, and quotes need a backslash.
 */
function quoted(input: Buffer, start: number, end: number, buffer: Buffer, at: number): number {
  buffer[at++] = QUOTE;
  let i = start;
  for (; i < end; i++) {
    const byte = input[i]!;
    if (PLAIN[byte] === 1) {
      buffer[at++] = byte;
      continue;
    }
    if (byte === TAB) break;
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
  quotedEnd = i;
  return at;
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
function unescapedJson(input: Buffer, start: number, end: number, buffer: Buffer, at: number): number {
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
  return at;
}
