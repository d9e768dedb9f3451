// The way back in, in COPY's binary format (`COPY … FROM STDIN (FORMAT
// binary)`): each row read by the same strict RowParser as json-to-copy.ts,
// then each value written as the bytes its type's receive function reads.
// The server is spared the text input of every value — parsing a timestamp
// costs it more than storing one (measured with psql's \copy of 100,000
// users' tables, the indexes dropped: 2.7–3.0 s in binary, 3.6–4.2 s as text). Only the types
// below are converted, and only from the text PostgreSQL writes for them
// under the backup's session settings (ISO dates, UTC, hex bytea): any other
// spelling of a value, which a file the backup wrote never holds, is refused
// with the row's number, never guessed at. A table with a column of any
// other type is loaded as COPY text (binaryEncodings() says which).
//
//   text, varchar, char(n), enum labels, json   -> the characters, as UTF-8
//   jsonb                                       -> version 1, then the JSON text
//   smallint, integer, bigint                   -> 2, 4, 8 bytes, big-endian
//   double precision                            -> IEEE 754, big-endian
//   boolean                                     -> 1 byte
//   date                                        -> days since 2000-01-01 (4 bytes)
//   timestamp [with time zone]                  -> microseconds since 2000-01-01 00:00 UTC (8 bytes)
//   uuid, bytea                                 -> their bytes
import { ByteOutput } from "../byte-output.ts";
import { OperationError } from "../errors.ts";
import { copyBytes, copyColumnIndexes, JsonRowsToCopyText, refusedRowMessage, unescapedString, type EscapeStyle } from "./json-to-copy.ts";
import { ValueKind, type ColumnType } from "./row-encoding.ts";
import { RowFormatError, RowParser, Token } from "./row-parser.ts";

/** The start of a binary COPY stream: signature, flags, header extension length. */
export const BINARY_COPY_HEADER = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
/** Its end: a field count of -1. */
export const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);

const Encoding = { Text: 0, Jsonb: 1, Int2: 2, Int4: 3, Int8: 4, Float8: 5, Bool: 6, Date: 7, Timestamp: 8, TimestampTz: 9, Uuid: 10, Bytea: 11 } as const;
type Encoding = (typeof Encoding)[keyof typeof Encoding];

const EXACT_TYPES: Record<string, Encoding> = {
  text: Encoding.Text,
  enum: Encoding.Text,
  json: Encoding.Text,
  bpchar: Encoding.Text,
  "character varying": Encoding.Text,
  jsonb: Encoding.Jsonb,
  smallint: Encoding.Int2,
  integer: Encoding.Int4,
  bigint: Encoding.Int8,
  "double precision": Encoding.Float8,
  boolean: Encoding.Bool,
  date: Encoding.Date,
  "timestamp without time zone": Encoding.Timestamp,
  "timestamp with time zone": Encoding.TimestampTz,
  uuid: Encoding.Uuid,
  bytea: Encoding.Bytea,
};

function encodingOf(binaryType: string): Encoding | undefined {
  const plain = binaryType
    .replace(/^(character varying|character)\(\d+\)$/, (_, name: string) => (name === "character" ? "bpchar" : name))
    .replace(/^timestamp\(\d\) (with|without) time zone$/, "timestamp $1 time zone");
  return EXACT_TYPES[plain];
}

/**
 * The encodings of the columns, in order, when every one has one (else null:
 * load as COPY text). `binaryTypes`: per column, the type whose binary form
 * its values take (the catalog's: a domain's base type, "enum" for an enum).
 */
export function binaryEncodings(binaryTypes: string[]): Encoding[] | null {
  const encodings = binaryTypes.map(encodingOf);
  return encodings.every((encoding) => encoding !== undefined) ? (encodings as Encoding[]) : null;
}

/**
 * The encoder of a table file's rows for its COPY: binary when `binaryTypes`
 * (per COPY column, as binaryEncodings() takes them) is given and every
 * column has an encoding, else text.
 */
export function copyRowsEncoder(
  fileName: string,
  backupColumns: ColumnType[],
  copyColumns: string[],
  formatVersion: number,
  binaryTypes: string[] | null,
): JsonRowsToCopyText | JsonRowsToCopyBinary {
  const encodings = binaryTypes && binaryEncodings(binaryTypes);
  return encodings
    ? new JsonRowsToCopyBinary(fileName, backupColumns, copyColumns, formatVersion, encodings)
    : new JsonRowsToCopyText(fileName, backupColumns, copyColumns, formatVersion);
}

/** JSON's escapes written as the characters themselves. */
const RAW_CHARACTERS: EscapeStyle = {
  letters: Object.fromEntries(
    [[0x22, 0x22], [0x5c, 0x5c], [0x2f, 0x2f], [0x62, 0x08], [0x66, 0x0c], [0x6e, 0x0a], [0x72, 0x0d], [0x74, 0x09]].map(([letter, byte]) => [letter, Buffer.from([byte!])]),
  ),
  codePoint: (code, out) => out.bytes(Buffer.from(String.fromCodePoint(code), "utf8")),
};

const JSON_NULL = Buffer.from("null");
const US_PER_DAY = 86_400_000_000;
/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const EPOCH_DAYS = 10_957;
/** Within this many days of 2000, a timestamp's microseconds are exact in a double (2^53 µs is ±104,249 days). */
const EXACT_DAYS = 100_000;

class ValueRefused extends Error {}
const refuse = (reason: string): never => {
  throw new ValueRefused(reason);
};

export class JsonRowsToCopyBinary {
  /** Rows encoded so far; a malformed row is named by its number in the file. */
  rows = 0;
  private readonly parser: RowParser;
  /** Backup column index of each COPY column. */
  private readonly output: number[];
  private readonly names: string[];

  /** As JsonRowsToCopyText's, with the COPY columns' encodings (binaryEncodings()). */
  constructor(
    private readonly fileName: string,
    backupColumns: ColumnType[],
    copyColumns: string[],
    formatVersion: number,
    private readonly encodings: Encoding[],
  ) {
    this.parser = new RowParser(backupColumns, formatVersion);
    this.output = copyColumnIndexes(fileName, backupColumns, copyColumns);
    this.names = copyColumns;
  }

  /** The binary COPY tuples of a batch of rows (without the stream's header and trailer). */
  encode(rows: Buffer[]): Buffer {
    let size = 0;
    for (const row of rows) size += row.length;
    const out = new ByteOutput(size + rows.length * (2 + this.output.length * 13) + 64);
    for (const row of rows) {
      this.rows++;
      let column = -1;
      try {
        this.parser.parse(row);
        // A value's bytes are never more than its JSON, or 13 bytes with its length and a jsonb version: reserved once.
        out.reserve(row.length + 2 + this.output.length * 13);
        out.length = out.buffer.writeInt16BE(this.output.length, out.length);
        for (column = 0; column < this.output.length; column++) this.field(row, column, out);
      } catch (error) {
        if (error instanceof RowFormatError) throw new OperationError(refusedRowMessage(this.fileName, this.rows, error.message));
        if (error instanceof ValueRefused) {
          const reason = `column "${this.names[column]}": ${error.message}, not as PostgreSQL writes it`;
          throw new OperationError(refusedRowMessage(this.fileName, this.rows, reason));
        }
        throw error;
      }
    }
    return out.buffer.subarray(0, out.length);
  }

  private field(row: Buffer, index: number, out: ByteOutput): void {
    const { parser } = this;
    const column = this.output[index]!;
    const encoding = this.encodings[index]!;
    const token = parser.token[column] as Token;
    const start = parser.start[column]!;
    const end = parser.end[column]!;
    if (token === Token.Null && !parser.jsonNull(column)) {
      out.length = out.buffer.writeInt32BE(-1, out.length);
      return;
    }
    const lengthAt = out.length;
    out.length += 4;
    const buffer = out.buffer;
    switch (encoding) {
      case Encoding.Jsonb:
        buffer[out.length++] = 1;
        if (token === Token.Null) copyBytes(JSON_NULL, 0, JSON_NULL.length, out);
        else copyBytes(row, start, end, out);
        break;
      case Encoding.Text:
        if (token === Token.Null) copyBytes(JSON_NULL, 0, JSON_NULL.length, out);
        else if (parser.kinds[column] === ValueKind.RawJson) copyBytes(row, start, end, out);
        else if (token !== Token.String) refuse("not a string");
        else if (parser.escaped[column] === 0) copyBytes(row, start + 1, end - 1, out);
        else unescapedString(row, start, end, out, RAW_CHARACTERS);
        break;
      case Encoding.Int2:
        out.length = buffer.writeInt16BE(integer(row, token, start, end, 0x8000), out.length);
        break;
      case Encoding.Int4:
        out.length = buffer.writeInt32BE(integer(row, token, start, end, 0x8000_0000), out.length);
        break;
      case Encoding.Int8:
        out.length = buffer.writeBigInt64BE(bigint(row, token, start, end), out.length);
        break;
      case Encoding.Float8:
        out.length = buffer.writeDoubleBE(float8(row, token, start, end), out.length);
        break;
      case Encoding.Bool:
        if (token !== Token.True && token !== Token.False) refuse("not true or false");
        buffer[out.length++] = token === Token.True ? 1 : 0;
        break;
      case Encoding.Date:
        out.length = buffer.writeInt32BE(canonicalDate(row, token, start, end) ?? date(plainString(row, token, start, end)), out.length);
        break;
      case Encoding.Timestamp:
      case Encoding.TimestampTz: {
        const withZone = encoding === Encoding.TimestampTz;
        writeInt64(canonicalTimestamp(row, token, start, end, withZone) ?? timestamp(plainString(row, token, start, end), withZone), out);
        break;
      }
      case Encoding.Uuid:
        uuid(plainString(row, token, start, end), out);
        break;
      case Encoding.Bytea:
        bytea(row, token, start, end, out);
        break;
    }
    // out.buffer, not `buffer`: a value's writer may have grown it.
    out.buffer.writeInt32BE(out.length - lengthAt - 4, lengthAt);
  }
}

/** A string value without escapes, as text (dates, timestamps and uuids are ASCII). */
function plainString(row: Buffer, token: Token, start: number, end: number): string {
  if (token !== Token.String) refuse("not a string");
  const text = row.toString("latin1", start + 1, end - 1);
  if (text.includes("\\")) refuse(`"${text}" holds an escape`);
  return text;
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const ZERO = 0x30;

/** The number the digits row[at, at + count) spell, or -1 when one is not a digit. */
function digits(row: Buffer, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = row[i]! - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** A smallint or integer: within [-limit, limit). */
function integer(row: Buffer, token: Token, start: number, end: number, limit: number): number {
  const negative = row[start] === 0x2d;
  const length = end - start - (negative ? 1 : 0);
  // JSON's grammar has no leading zeros, so up to 10 digits are an exact double: read in place.
  const magnitude = token === Token.Number && length <= 10 ? digits(row, end - length, length) : -1;
  if (magnitude === -1) {
    const text = row.toString("latin1", start, end);
    return refuse(INTEGER.test(text) ? `${text} is out of range` : `${text} is not an integer`);
  }
  const value = negative ? -magnitude : magnitude;
  if (value < -limit || value >= limit) refuse(`${row.toString("latin1", start, end)} is out of range`);
  return value;
}

const INT8_LIMIT = 2n ** 63n;

function bigint(row: Buffer, token: Token, start: number, end: number): bigint {
  const text = row.toString("latin1", start, end);
  if (token !== Token.Number || !INTEGER.test(text)) refuse(`${text} is not an integer`);
  const value = BigInt(text);
  if (value < -INT8_LIMIT || value >= INT8_LIMIT) refuse(`${text} is out of range`);
  return value;
}

const SPECIAL_FLOATS: Record<string, number> = { '"NaN"': NaN, '"Infinity"': Infinity, '"-Infinity"': -Infinity };

/**
 * PostgreSQL's float8in reads a number with strtod, as JavaScript does, and
 * refuses one that overflows or underflows to zero: so is it here.
 */
function float8(row: Buffer, token: Token, start: number, end: number): number {
  const text = row.toString("latin1", start, end);
  if (token === Token.String) return SPECIAL_FLOATS[text] ?? refuse(`${text} is not a number`);
  if (token !== Token.Number) refuse("not a number");
  const value = Number(text);
  const underflow = value === 0 && /[1-9]/.test(text.split(/[eE]/)[0]!);
  if (!Number.isFinite(value) || underflow) refuse(`${text} is out of range for double precision`);
  return value;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (astronomical year: 1 BC is 0). */
function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

const DATE = /^([0-9]{4,})-([0-9]{2})-([0-9]{2})$/;
const TIMESTAMP = /^([0-9]{4,})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?(?:([+-])([0-9]{2})(?::([0-9]{2})(?::([0-9]{2}))?)?)?$/;

/** Splits off a trailing " BC", saying whether it was there. */
function era(text: string): { text: string; bc: boolean } {
  return text.endsWith(" BC") ? { text: text.slice(0, -3), bc: true } : { text, bc: false };
}

/** Days since 2000-01-01 of a year (as written, with its era), month and day, checked as PostgreSQL's date input checks them. */
function daysOf(written: number, month: number, day: number, bc: boolean): number {
  if (written === 0) refuse("year 0");
  const year = bc ? 1 - written : written;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) refuse(`${written}-${month}-${day} is not a date`);
  return civilDays(year, month, day) - EPOCH_DAYS;
}

/**
 * The common case read in place, without making a string: "YYYY-MM-DD" at
 * row[from] (a four-digit year in our era). Null when the text is anything
 * else (the general reader then takes it, or refuses it).
 */
function canonicalDays(row: Buffer, from: number): number | null {
  if (row[from + 4] !== 0x2d || row[from + 7] !== 0x2d) return null;
  const year = digits(row, from, 4);
  const month = digits(row, from + 5, 2);
  const day = digits(row, from + 8, 2);
  return year < 0 || month < 0 || day < 0 ? null : daysOf(year, month, day, false);
}

function canonicalDate(row: Buffer, token: Token, start: number, end: number): number | null {
  return token === Token.String && end - start === 12 ? canonicalDays(row, start + 1) : null;
}

function date(value: string): number {
  if (value === "infinity") return 0x7fffffff;
  if (value === "-infinity") return -0x80000000;
  const { text, bc } = era(value);
  const match = DATE.exec(text) ?? refuse(`"${value}" is not a date`);
  return daysOf(Number(match[1]), Number(match[2]), Number(match[3]), bc);
}

const INFINITY = 2n ** 63n - 1n;

/** What a fraction of n digits is multiplied by to give microseconds. */
const FRACTION_SCALE = [1, 100_000, 10_000, 1000, 100, 10, 1];

/** Microseconds from a day's count and its time of day (seconds, microseconds), exact. */
function microseconds(days: number, seconds: number, micros: number): number | bigint {
  return Math.abs(days) < EXACT_DAYS ? days * US_PER_DAY + seconds * 1_000_000 + micros : BigInt(days) * BigInt(US_PER_DAY) + BigInt(seconds * 1_000_000 + micros);
}

/**
 * The common case read in place: "YYYY-MM-DD HH:MM:SS[.ffffff]" in our era,
 * and "+00" after it with a time zone (the backup's sessions are in UTC).
 * Null for anything else (the general reader then takes it, or refuses it).
 */
function canonicalTimestamp(row: Buffer, token: Token, start: number, end: number, withZone: boolean): number | null | bigint {
  const from = start + 1;
  let to = end - 1;
  if (token !== Token.String || to - from < 19) return null;
  if (withZone) {
    if (row[to - 3] !== 0x2b || row[to - 2] !== ZERO || row[to - 1] !== ZERO) return null;
    to -= 3;
  }
  if (row[from + 10] !== 0x20 || row[from + 13] !== 0x3a || row[from + 16] !== 0x3a) return null;
  const h = digits(row, from + 11, 2);
  const m = digits(row, from + 14, 2);
  const s = digits(row, from + 17, 2);
  if (h < 0 || m < 0 || s < 0) return null;
  let micros = 0;
  const fraction = to - from - 20;
  if (to - from > 19) {
    if (row[from + 19] !== 0x2e || fraction < 1 || fraction > 6) return null;
    const value = digits(row, from + 20, fraction);
    if (value < 0) return null;
    micros = value * FRACTION_SCALE[fraction]!;
  }
  const days = canonicalDays(row, from);
  if (days === null) return null;
  if (h > 23 || m > 59 || s > 59) refuse(`"${row.toString("latin1", from, end - 1)}" is not a time of day`);
  return microseconds(days, (h * 60 + m) * 60 + s, micros);
}

/** Microseconds since 2000-01-01 00:00 (UTC for a timestamp with time zone). */
function timestamp(value: string, withZone: boolean): number | bigint {
  if (value === "infinity") return INFINITY;
  if (value === "-infinity") return -INFINITY - 1n;
  const { text, bc } = era(value);
  const match = TIMESTAMP.exec(text) ?? refuse(`"${value}" is not a timestamp`);
  const [, year, month, day, hours, minutes, seconds, fraction, sign, zoneHours, zoneMinutes, zoneSeconds] = match;
  if ((sign !== undefined) !== withZone) refuse(`"${value}" ${withZone ? "has no" : "has a"} time zone offset`);
  const [h, m, s] = [Number(hours), Number(minutes), Number(seconds)];
  if (h > 23 || m > 59 || s > 59) refuse(`"${value}" is not a time of day`);
  const [zh, zm, zs] = [Number(zoneHours ?? 0), Number(zoneMinutes ?? 0), Number(zoneSeconds ?? 0)];
  // PostgreSQL's limit for an offset: under 16 hours.
  if (zh > 15 || zm > 59 || zs > 59) refuse(`"${value}" has no valid time zone offset`);
  const offset = (sign === "-" ? -1 : 1) * (zh * 3600 + zm * 60 + zs);
  const days = daysOf(Number(year), Number(month), Number(day), bc);
  return microseconds(days, (h * 60 + m) * 60 + s - offset, fraction === undefined ? 0 : Number(fraction.padEnd(6, "0")));
}

function writeInt64(value: number | bigint, out: ByteOutput): void {
  if (typeof value === "bigint") {
    out.length = out.buffer.writeBigInt64BE(value, out.length);
    return;
  }
  const high = Math.floor(value / 0x1_0000_0000);
  out.length = out.buffer.writeInt32BE(high, out.length);
  out.length = out.buffer.writeUInt32BE(value - high * 0x1_0000_0000, out.length);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uuid(value: string, out: ByteOutput): void {
  if (!UUID.test(value)) refuse(`"${value}" is not a uuid`);
  out.length += out.buffer.write(value.replaceAll("-", ""), out.length, "hex");
}

const HEX = /^[0-9a-f]*$/;

/** PostgreSQL's hex output, `\x0aff`, whose backslash JSON writes as `\\`. */
function bytea(row: Buffer, token: Token, start: number, end: number, out: ByteOutput): void {
  if (token !== Token.String) refuse("not a string");
  const hex = row.toString("latin1", start + 4, end - 1);
  if (row.toString("latin1", start + 1, start + 4) !== "\\\\x" || hex.length % 2 !== 0 || !HEX.test(hex)) refuse("not hex bytea (\\x…)");
  out.length += out.buffer.write(hex, out.length, "hex");
}
