// A row as the diff compares it: its key and its other values, each the exact
// bytes the row format holds for a column (row-encoding.ts), in one column
// order both sides share. Two rows are equal when their records are equal. A
// key is held as a one-byte-per-byte ("latin1") string, usable as a Map key;
// values as bytes, off V8's heap, compared in one memcmp. Per column: a tag (SQL NULL,
// jsonb's JSON null, or a value), then a value's length (4 bytes) and bytes.
import { ByteOutput } from "../byte-output.ts";
import { redactForLog } from "../redact.ts";
import { Token, type RowParser } from "../backup/row-parser.ts";

const SQL_NULL = 0;
const JSON_NULL = 1;
const VALUE = 2;

/** Keys are made in this buffer and copied out as a string only: one allocation per key, not two. */
const scratch = new ByteOutput(1024);

/** The values of `columns` (indexes into the parser's columns) of the row the parser just read, as a record. */
export function encodeColumns(row: Buffer, parser: RowParser, columns: readonly number[]): string {
  scratch.length = 0;
  writeColumns(row, parser, columns, scratch);
  return scratch.buffer.toString("latin1", 0, scratch.length);
}

/** encodeColumns' record as bytes of its own. */
export function encodeColumnBytes(row: Buffer, parser: RowParser, columns: readonly number[]): Buffer {
  const out = new ByteOutput(64);
  writeColumns(row, parser, columns, out);
  return out.buffer.subarray(0, out.length);
}

function writeColumns(row: Buffer, parser: RowParser, columns: readonly number[], out: ByteOutput): void {
  for (const column of columns) {
    if (parser.token[column] === Token.Null) {
      out.byte(parser.jsonNull(column) ? JSON_NULL : SQL_NULL);
      continue;
    }
    const start = parser.start[column]!;
    const end = parser.end[column]!;
    out.reserve(5);
    out.buffer[out.length] = VALUE;
    out.buffer.writeUInt32LE(end - start, out.length + 1);
    out.length += 5;
    out.bytes(row, start, end);
  }
}

/** Each column's part of a record (tag and bytes), to find which columns differ and to show values. */
export function decodeColumns(record: Buffer): string[] {
  const parts: string[] = [];
  for (let at = 0; at < record.length; ) {
    const start = at;
    at += record[at] === VALUE ? 5 + record.readUInt32LE(at + 1) : 1;
    parts.push(record.toString("latin1", start, at));
  }
  return parts;
}

const SHOWN_VALUE_CHARACTERS = 60;

/** One decoded part as a person reads it: NULL, the text of a string, the JSON of anything else; emails and wallets masked. */
function showValue(part: string): string {
  const tag = part.charCodeAt(0);
  if (tag === SQL_NULL) return "NULL";
  if (tag === JSON_NULL) return "null (JSON)";
  const json = Buffer.from(part.slice(5), "latin1").toString("utf8");
  const text = json.startsWith('"') ? (JSON.parse(json) as string) : json;
  const short = text.length > SHOWN_VALUE_CHARACTERS ? `${text.slice(0, SHOWN_VALUE_CHARACTERS)}…` : text;
  return redactForLog(short);
}

/** `id=42`, or `userId=7, achievementId=3`: a record shown with its column names. */
export function showRecord(record: string, columns: readonly string[]): string {
  return decodeColumns(Buffer.from(record, "latin1"))
    .map((part, i) => `${columns[i]}=${showValue(part)}`)
    .join(", ");
}
