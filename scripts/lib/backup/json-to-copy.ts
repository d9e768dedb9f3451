// The way back in: a table file's JSON rows turned into `COPY … FROM STDIN`
// text, byte by byte — the inverse of copy-to-json.ts. Every row is first
// read by the strict RowParser (the one db:verify-backup uses), so only
// well-formed JSON of the backup's row format reaches COPY. Every value is
// PostgreSQL's own text for it (see row-encoding.ts), so COPY hands it to the
// type's input function and the value comes back exactly; COPY is also the
// fastest way into a table (no per-row statement, no JSON work on the server).
//
//   JSON null            -> \N (SQL NULL), or the jsonb value null when the
//                           row's annotation names the column
//   number               -> its text, untouched (no double-precision rounding)
//   true / false         -> t / f
//   string               -> its text, JSON escapes undone, COPY's applied
//   jsonb column         -> the JSON value's own text, COPY-escaped
import { BACKSLASH, ByteOutput, CR, LF, QUOTE, TAB } from "../byte-output.ts";
import { OperationError } from "../errors.ts";
import { ValueKind, type ColumnType } from "./row-encoding.ts";
import { RowFormatError, RowParser, Token } from "./row-parser.ts";

const SQL_NULL = Buffer.from("\\N");
const JSON_NULL = Buffer.from("null");

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

/**
 * The message for a row the parser refused. Restore reads only sets that
 * passed their checksums, so the row is as it was written: damaged together
 * with its summary, or written by a tool this one does not read back.
 */
export function refusedRowMessage(fileName: string, row: number, reason: string): string {
  return (
    `${fileName}: row ${row}: ${reason}. The file matches its summary's checksums, so it was written like this ` +
    `(altered along with its summary, or by another tool). Restore from another backup set; ` +
    `if every set of this table fails the same way, the cause is not damage: restore the other tables (--tables) and report this message`
  );
}

/** The file's column index of each COPY column. */
export function copyColumnIndexes(fileName: string, backupColumns: ColumnType[], copyColumns: string[]): number[] {
  return copyColumns.map((name) => {
    const index = backupColumns.findIndex((column) => column.name === name);
    if (index === -1) throw new Error(`column ${name} is not in ${fileName}`);
    return index;
  });
}

export class JsonRowsToCopyText {
  /** Rows encoded so far; a malformed row is named by its number in the file. */
  rows = 0;
  private readonly parser: RowParser;
  /** Backup column index of each COPY column. */
  private readonly output: number[];

  /**
   * `backupColumns`: the file's columns (the summary's entry); `copyColumns`:
   * the columns of the COPY statement, in its order, each one of the file's;
   * `formatVersion`: the summary's.
   */
  constructor(
    private readonly fileName: string,
    backupColumns: ColumnType[],
    copyColumns: string[],
    formatVersion: number,
  ) {
    this.parser = new RowParser(backupColumns, formatVersion);
    this.output = copyColumnIndexes(fileName, backupColumns, copyColumns);
  }

  /** The COPY text of a batch of rows (each a row's JSON bytes as readTableRowBatches gives them). */
  encode(rows: Buffer[]): Buffer {
    let size = 0;
    for (const row of rows) size += row.length;
    const out = new ByteOutput(size + rows.length * 8 + 64);
    for (const row of rows) {
      this.rows++;
      try {
        this.parser.parse(row);
      } catch (error) {
        if (!(error instanceof RowFormatError)) throw error;
        throw new OperationError(refusedRowMessage(this.fileName, this.rows, error.message));
      }
      this.write(row, out);
    }
    return out.buffer.subarray(0, out.length);
  }

  private write(row: Buffer, out: ByteOutput): void {
    const { start, end, token, kinds, escaped } = this.parser;
    // A row's COPY text is at most twice its JSON (a jsonb value's backslashes double; nothing else grows) plus a
    // separator per column: reserved once, so the values below are written without a check each.
    out.reserve(row.length * 2 + this.output.length);
    for (let i = 0; i < this.output.length; i++) {
      if (i > 0) out.buffer[out.length++] = TAB;
      const column = this.output[i]!;
      const kind = token[column];
      if (kind === Token.Null) {
        const text = this.parser.jsonNull(column) ? JSON_NULL : SQL_NULL;
        copyBytes(text, 0, text.length, out);
      }
      else if (kinds[column] === ValueKind.RawJson) rawJson(row, start[column]!, end[column]!, out);
      else if (kind === Token.Number) copyBytes(row, start[column]!, end[column]!, out);
      else if (kind === Token.String) {
        if (escaped[column] === 0) copyBytes(row, start[column]! + 1, end[column]! - 1, out);
        else unescapedString(row, start[column]!, end[column]!, out, COPY_TEXT);
      } else out.buffer[out.length++] = kind === Token.True ? 0x74 : 0x66;
    }
    out.buffer[out.length++] = LF;
  }
}

/**
 * `source[start, end)` onto `out`, whose room the caller reserved. Up to 64
 * bytes a loop: Buffer#copy costs ~100 ns a call whatever the length (it
 * makes a view of the range), and most values here are shorter than that.
 */
export function copyBytes(source: Buffer, start: number, end: number, out: ByteOutput): void {
  const buffer = out.buffer;
  let at = out.length;
  if (end - start > 64) {
    source.copy(buffer, at, start, end);
    out.length = at + end - start;
    return;
  }
  for (let i = start; i < end; i++) buffer[at++] = source[i]!;
  out.length = at;
}

/** How a JSON string's escapes are written out: per one-letter escape, and for a \u escape's character. */
export interface EscapeStyle {
  letters: Record<number, Buffer>;
  codePoint(code: number, out: ByteOutput): void;
}

/** COPY text's: the characters COPY gives a meaning to escaped, the others as UTF-8. */
const COPY_TEXT: EscapeStyle = {
  letters: COPY_ESCAPE,
  codePoint(code, out) {
    if (code === TAB) out.bytes(COPY_ESCAPE[0x74]!);
    else if (code === LF) out.bytes(COPY_ESCAPE[0x6e]!);
    else if (code === CR) out.bytes(COPY_ESCAPE[0x72]!);
    else if (code === BACKSLASH) out.bytes(COPY_ESCAPE[BACKSLASH]!);
    else out.bytes(Buffer.from(String.fromCodePoint(code), "utf8"));
  },
};

/** A JSON string's characters (`start`, `end` include the quotes; already checked), its escapes written in `style`. */
export function unescapedString(row: Buffer, start: number, end: number, out: ByteOutput, style: EscapeStyle): void {
  let from = start + 1;
  const last = end - 1;
  let backslash = row.indexOf(BACKSLASH, from);
  while (backslash !== -1 && backslash < last) {
    copyBytes(row, from, backslash, out);
    const escape = row[backslash + 1]!;
    if (escape === 0x75) from = unicodeEscape(row, backslash, out, style);
    else {
      out.bytes(style.letters[escape]!);
      from = backslash + 2;
    }
    backslash = row.indexOf(BACKSLASH, from);
  }
  copyBytes(row, from, last, out);
}

/** `\uXXXX` (a surrogate pair takes two) at `at`, written in `style`; returns the index after it. */
function unicodeEscape(row: Buffer, at: number, out: ByteOutput, style: EscapeStyle): number {
  let code = parseInt(row.toString("latin1", at + 2, at + 6), 16);
  let next = at + 6;
  if (code >= 0xd800 && code <= 0xdbff) {
    code = 0x10000 + ((code - 0xd800) << 10) + (parseInt(row.toString("latin1", next + 2, next + 6), 16) - 0xdc00);
    next += 6;
  }
  style.codePoint(code, out);
  return next;
}

/**
 * A jsonb value's text (already checked) as COPY text: backslashes doubled,
 * and the tabs and line breaks JSON allows between tokens escaped, so the
 * value stays one field of one line. Room for twice its length is reserved
 * (write()).
 */
function rawJson(row: Buffer, start: number, end: number, out: ByteOutput): void {
  const buffer = out.buffer;
  let at = out.length;
  for (let i = start; i < end; i++) {
    const byte = row[i]!;
    if (byte === BACKSLASH || byte === TAB || byte === LF || byte === CR) {
      buffer[at++] = BACKSLASH;
      buffer[at++] = byte === BACKSLASH ? BACKSLASH : byte === TAB ? 0x74 : byte === LF ? 0x6e : 0x72;
    } else {
      buffer[at++] = byte;
    }
  }
  out.length = at;
}
