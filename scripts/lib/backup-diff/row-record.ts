// A row as the diff compares it: its key and its other values, each the exact
// bytes the row format holds for a column (row-encoding.ts), in one column
// order both sides share. Two rows are equal when their records are equal, so
// a record is held as a one-byte-per-byte ("latin1") string: compact in V8,
// usable as a Map key, compared in one step. Per column: a tag (SQL NULL,
// jsonb's JSON null, or a value), then a value's length (4 bytes) and bytes.
import { redactForLog } from "../redact.ts";
import { Token, type RowParser } from "../backup/row-parser.ts";

const SQL_NULL = 0;
const JSON_NULL = 1;
const VALUE = 2;

/** Writes the values of `columns` (indexes into the parser's columns) of the row the parser just read. */
export function encodeColumns(row: Buffer, parser: RowParser, columns: readonly number[]): string {
  let length = 0;
  for (const column of columns) length += parser.token[column] === Token.Null ? 1 : 5 + parser.end[column]! - parser.start[column]!;
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const column of columns) {
    if (parser.token[column] === Token.Null) {
      out[at++] = parser.jsonNull(column) ? JSON_NULL : SQL_NULL;
      continue;
    }
    const start = parser.start[column]!;
    const end = parser.end[column]!;
    out[at++] = VALUE;
    out.writeUInt32LE(end - start, at);
    at += 4;
    at += row.copy(out, at, start, end);
  }
  return out.toString("latin1");
}

/** Each column's part of a record (tag and bytes), to find which columns differ and to show values. */
export function decodeColumns(record: string): string[] {
  const bytes = Buffer.from(record, "latin1");
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; ) {
    const start = at;
    at += bytes[at] === VALUE ? 5 + bytes.readUInt32LE(at + 1) : 1;
    parts.push(record.slice(start, at));
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
  return decodeColumns(record)
    .map((part, i) => `${columns[i]}=${showValue(part)}`)
    .join(", ");
}
