// The way back in: a table file's JSON rows turned into `COPY … FROM STDIN`
// text, byte by byte — the inverse of copy-to-json.ts. Every value is
// PostgreSQL's own text for it (see row-encoding.ts), so COPY hands it to the
// type's input function and the value comes back exactly; COPY is also the
// fastest way into a table (no per-row statement, no JSON work on the server).
//
//   JSON null            -> \N (SQL NULL), or the json value null when the
//                           row's annotation names the column
//   number               -> its text, untouched (no double-precision rounding)
//   true / false         -> t / f
//   string               -> its text, JSON escapes undone, COPY's applied
//   json / jsonb column  -> the JSON value's own text, COPY-escaped
import { BACKSLASH, ByteOutput, CR, LF, QUOTE, TAB } from "../byte-output.ts";
import { OperationError } from "../errors.ts";
import { ROW_ANNOTATION_KEY, isJsonType, type ColumnType } from "./row-encoding.ts";

const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const SQL_NULL = Buffer.from("\\N");
const JSON_NULL = Buffer.from("null");
const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");

const enum Token {
  Null,
  True,
  False,
  Number,
  String,
  Structure,
}

/** JSON's one-letter escapes and what COPY text needs for the same character. */
const COPY_ESCAPE: Record<number, Buffer> = {
  [QUOTE]: Buffer.from('"'),
  [BACKSLASH]: Buffer.from("\\\\"),
  0x2f: Buffer.from("/"),
  0x62: Buffer.from("\\b"),
  0x66: Buffer.from("\\f"),
  0x6e: Buffer.from("\\n"),
  0x72: Buffer.from("\\r"),
  0x74: Buffer.from("\\t"),
};

export class JsonRowsToCopyText {
  /** Rows encoded so far; a malformed row is named by its number in the file. */
  rows = 0;
  private readonly count: number;
  /** `"name":` of each backup column, in the order the backup writes them. */
  private readonly keys: Buffer[];
  private readonly indexByName: Map<string, number>;
  private readonly isJson: boolean[];
  /** Backup column index of each COPY column. */
  private readonly output: number[];
  // Per backup column, for the row being encoded (stamped with the row number, so nothing is cleared between rows).
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly token: Uint8Array;
  private readonly seenInRow: Float64Array;
  private readonly jsonNullInRow: Float64Array;

  /**
   * `backupColumns`: the file's columns (the summary's entry); `copyColumns`:
   * the columns of the COPY statement, in its order, each one of the file's.
   */
  constructor(
    private readonly fileName: string,
    private readonly backupColumns: ColumnType[],
    copyColumns: string[],
  ) {
    this.count = backupColumns.length;
    this.keys = backupColumns.map((column) => Buffer.from(`${JSON.stringify(column.name)}:`));
    this.indexByName = new Map(backupColumns.map((column, i) => [column.name, i]));
    this.isJson = backupColumns.map((column) => isJsonType(column.type));
    this.output = copyColumns.map((name) => {
      const index = this.indexByName.get(name);
      if (index === undefined) throw new Error(`column ${name} is not in ${fileName}`);
      return index;
    });
    this.start = new Int32Array(this.count);
    this.end = new Int32Array(this.count);
    this.token = new Uint8Array(this.count);
    this.seenInRow = new Float64Array(this.count);
    this.jsonNullInRow = new Float64Array(this.count);
  }

  /** The COPY text of a batch of rows (each a row's JSON bytes as readTableRowBatches gives them). */
  encode(rows: Buffer[]): Buffer {
    let size = 0;
    for (const row of rows) size += row.length;
    const out = new ByteOutput(size + rows.length * 8 + 64);
    for (const row of rows) {
      this.rows++;
      this.parse(row);
      this.write(row, out);
    }
    return out.buffer.subarray(0, out.length);
  }

  private malformed(reason: string): OperationError {
    return new OperationError(
      `${this.fileName}: row ${this.rows}: ${reason}; the file does not have the backup's row format — restore from another backup set`,
    );
  }

  /** Finds every value's bytes and kind; the annotation (if any) marks JSON nulls. */
  private parse(row: Buffer): void {
    const stamp = this.rows;
    if (row[0] !== OPEN_BRACE) throw this.malformed("not a JSON object");
    let at = 1;
    let field = 0;
    let found = 0;
    if (row[at] === CLOSE_BRACE) at++;
    else {
      for (;;) {
        let column: number;
        const expected = this.keys[field];
        if (expected && startsWith(row, at, expected)) {
          column = field;
          at += expected.length;
        } else {
          if (row[at] !== QUOTE) throw this.malformed("expected a column name");
          const keyEnd = this.stringEnd(row, at);
          const name = JSON.parse(row.toString("utf8", at, keyEnd)) as string;
          if (row[keyEnd] !== COLON) throw this.malformed(`expected ":" after "${name}"`);
          at = keyEnd + 1;
          if (name === ROW_ANNOTATION_KEY) column = -1;
          else {
            const index = this.indexByName.get(name);
            if (index === undefined) throw this.malformed(`column "${name}" is not in the summary`);
            column = index;
          }
        }
        const valueStart = at;
        const first = row[at];
        let token: Token;
        if (first === QUOTE) {
          at = this.stringEnd(row, at);
          token = Token.String;
        } else if (first === OPEN_BRACE || first === OPEN_BRACKET) {
          at = this.structureEnd(row, at);
          token = Token.Structure;
        } else {
          while (at < row.length && row[at] !== COMMA && row[at] !== CLOSE_BRACE) at++;
          token = this.literal(row, valueStart, at);
        }
        if (column === -1) this.annotate(row, valueStart, at, stamp);
        else {
          if (this.seenInRow[column] === stamp) throw this.malformed(`column "${this.backupColumns[column]!.name}" appears twice`);
          this.seenInRow[column] = stamp;
          this.start[column] = valueStart;
          this.end[column] = at;
          this.token[column] = token;
          found++;
        }
        field++;
        if (row[at] === COMMA) {
          at++;
          continue;
        }
        if (row[at] === CLOSE_BRACE) {
          at++;
          break;
        }
        throw this.malformed('expected "," or "}" after a value');
      }
    }
    if (at !== row.length) throw this.malformed('text after the closing "}"');
    if (found !== this.count) {
      const missing = this.backupColumns.filter((_, i) => this.seenInRow[i] !== stamp).map((column) => column.name);
      throw this.malformed(`no value for ${missing.join(", ")}`);
    }
  }

  private literal(row: Buffer, start: number, end: number): Token {
    if (sameBytes(row, start, end, JSON_NULL)) return Token.Null;
    if (sameBytes(row, start, end, TRUE)) return Token.True;
    if (sameBytes(row, start, end, FALSE)) return Token.False;
    // The number's own syntax is left to the column type's input function, which rejects a bad one.
    const first = row[start]!;
    if (end > start && (first === 0x2d || (first >= 0x30 && first <= 0x39))) return Token.Number;
    throw this.malformed(`"${row.toString("utf8", start, Math.min(end, start + 40))}" is not a JSON value`);
  }

  private annotate(row: Buffer, start: number, end: number, stamp: number): void {
    let names: unknown;
    try {
      names = (JSON.parse(row.toString("utf8", start, end)) as { jsonNull?: unknown }).jsonNull;
    } catch {
      throw this.malformed("its annotation is not valid JSON");
    }
    if (!Array.isArray(names)) throw this.malformed("its annotation has no jsonNull list");
    for (const name of names) {
      const index = this.indexByName.get(name as string);
      if (index === undefined || !this.isJson[index]) throw this.malformed(`its annotation names "${name}", not a json column`);
      this.jsonNullInRow[index] = stamp;
    }
  }

  /** The index just past the string that opens at `at`. */
  private stringEnd(row: Buffer, at: number): number {
    let quote = row.indexOf(QUOTE, at + 1);
    while (quote !== -1) {
      let backslashes = 0;
      while (row[quote - 1 - backslashes] === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
      quote = row.indexOf(QUOTE, quote + 1);
    }
    throw this.malformed("a string is not closed");
  }

  /** The index just past the object or array that opens at `at`. */
  private structureEnd(row: Buffer, at: number): number {
    let depth = 0;
    while (at < row.length) {
      const byte = row[at]!;
      if (byte === QUOTE) {
        at = this.stringEnd(row, at);
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return at + 1;
      }
      at++;
    }
    throw this.malformed("an object or array is not closed");
  }

  private write(row: Buffer, out: ByteOutput): void {
    const stamp = this.rows;
    for (let i = 0; i < this.output.length; i++) {
      if (i > 0) out.byte(TAB);
      const column = this.output[i]!;
      const start = this.start[column]!;
      const end = this.end[column]!;
      const token = this.token[column];
      if (token === Token.Null) out.bytes(this.jsonNullInRow[column] === stamp ? JSON_NULL : SQL_NULL);
      else if (this.isJson[column]) rawJson(row, start, end, out);
      else if (token === Token.Number) out.bytes(row, start, end);
      else if (token === Token.String) this.unescapedString(row, start, end, out);
      else if (token === Token.True) out.byte(0x74);
      else if (token === Token.False) out.byte(0x66);
      else throw this.malformed(`column "${this.backupColumns[column]!.name}" holds an object or array but is not a json column`);
    }
    out.byte(LF);
  }

  /** A JSON string's characters (`start`, `end` include the quotes) as COPY text. */
  private unescapedString(row: Buffer, start: number, end: number, out: ByteOutput): void {
    let from = start + 1;
    const last = end - 1;
    let backslash = row.indexOf(BACKSLASH, from);
    while (backslash !== -1 && backslash < last) {
      out.bytes(row, from, backslash);
      const escape = row[backslash + 1]!;
      if (escape === 0x75) {
        from = this.unicodeEscape(row, backslash, out);
      } else {
        const replacement = COPY_ESCAPE[escape];
        if (!replacement) throw this.malformed(`"\\${String.fromCharCode(escape)}" is not a JSON escape`);
        out.bytes(replacement);
        from = backslash + 2;
      }
      backslash = row.indexOf(BACKSLASH, from);
    }
    out.bytes(row, from, last);
  }

  /** `\uXXXX` (a surrogate pair takes two) at `at`, written as UTF-8 or a COPY escape; returns the index after it. */
  private unicodeEscape(row: Buffer, at: number, out: ByteOutput): number {
    let code = parseInt(row.toString("latin1", at + 2, at + 6), 16);
    let next = at + 6;
    if (code >= 0xd800 && code <= 0xdbff && row[next] === BACKSLASH && row[next + 1] === 0x75) {
      const low = parseInt(row.toString("latin1", next + 2, next + 6), 16);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        next += 6;
      }
    }
    if (Number.isNaN(code)) throw this.malformed("a \\u escape is not four hex digits");
    if (code === 0) throw this.malformed("a string holds \\u0000, which PostgreSQL text cannot");
    if (code === TAB) out.bytes(COPY_ESCAPE[0x74]!);
    else if (code === LF) out.bytes(COPY_ESCAPE[0x6e]!);
    else if (code === CR) out.bytes(COPY_ESCAPE[0x72]!);
    else if (code === BACKSLASH) out.bytes(COPY_ESCAPE[BACKSLASH]!);
    else out.bytes(Buffer.from(String.fromCodePoint(code), "utf8"));
    return next;
  }
}

function sameBytes(row: Buffer, start: number, end: number, expected: Buffer): boolean {
  return end - start === expected.length && startsWith(row, start, expected);
}

function startsWith(row: Buffer, at: number, expected: Buffer): boolean {
  if (at + expected.length > row.length) return false;
  for (let i = 0; i < expected.length; i++) if (row[at + i] !== expected[i]) return false;
  return true;
}

/** A json value's text as COPY text: backslashes doubled, raw tabs (whitespace the file keeps) escaped. */
function rawJson(row: Buffer, start: number, end: number, out: ByteOutput): void {
  out.reserve((end - start) * 2);
  const buffer = out.buffer;
  let at = out.length;
  for (let i = start; i < end; i++) {
    const byte = row[i]!;
    if (byte === BACKSLASH) {
      buffer[at++] = BACKSLASH;
      buffer[at++] = BACKSLASH;
    } else if (byte === TAB) {
      buffer[at++] = BACKSLASH;
      buffer[at++] = 0x74;
    } else {
      buffer[at++] = byte;
    }
  }
  out.length = at;
}
