// The one reader of a table file's rows, used by db:verify-backup and by
// db:restore (through json-to-copy.ts), so both accept exactly the same files.
// Strict JSON (RFC 8259): valid UTF-8, the number grammar, no raw control
// characters in strings, only JSON's escapes, \u with four hex digits and no
// lone surrogate, nothing after the closing brace. On top of JSON, the row
// format: each column exactly once (in any order), no other key, and each
// value of a kind the backup writes for the column's type (row-encoding.ts).
// A file that breaks any of it is refused, never loaded differently.
import { isUtf8 } from "node:buffer";
import { BACKSLASH, CR, LF, QUOTE, TAB } from "../byte-output.ts";
import { ROW_ANNOTATION_KEY, ValueKind, valueKind, type ColumnType } from "./row-encoding.ts";

const SPACE = 0x20;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export const Token = { Null: 0, True: 1, False: 2, Number: 3, String: 4, Structure: 5 } as const;
export type Token = (typeof Token)[keyof typeof Token];

/** The literal tokens' bytes, indexed by Token. */
const LITERALS = [Buffer.from("null"), Buffer.from("true"), Buffer.from("false")];

const TOKEN_NAMES = ["null", "true", "false", "a number", "a string", "an object or array"];
const bits = (...tokens: Token[]) => tokens.reduce<number>((mask, token) => mask | (1 << token), 0);
/** Which tokens each kind of column may hold, as a bit mask by Token. */
const ALLOWED: Record<ValueKind, number> = {
  [ValueKind.Number]: bits(Token.Null, Token.Number, Token.String),
  [ValueKind.Boolean]: bits(Token.Null, Token.True, Token.False),
  [ValueKind.RawJson]: bits(Token.Null, Token.True, Token.False, Token.Number, Token.String, Token.Structure),
  [ValueKind.String]: bits(Token.Null, Token.String),
};

/** What a byte inside a string is: plain (0), the closing quote, an escape, a control character or part of a non-ASCII character. */
const PLAIN = 0;
const STRING_END = 1;
const ESCAPE = 2;
const CONTROL = 3;
const NON_ASCII = 4;
const IN_STRING = new Uint8Array(256).map((_, byte) =>
  byte === QUOTE ? STRING_END : byte === BACKSLASH ? ESCAPE : byte < 0x20 ? CONTROL : byte >= 0x80 ? NON_ASCII : PLAIN,
);

/** Why a row is not in the backup's row format (the message names no file or row: callers add them). */
export class RowFormatError extends Error {}

function fail(reason: string): never {
  throw new RowFormatError(reason);
}

const isDigit = (byte: number | undefined) => byte !== undefined && byte >= ZERO && byte <= 0x39;
const isWhitespace = (byte: number | undefined) => byte === SPACE || byte === TAB || byte === LF || byte === CR;

function hexDigit(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= ZERO && byte <= 0x39) return byte - ZERO;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

function hex4(row: Buffer, at: number): number {
  const a = hexDigit(row[at]);
  const b = hexDigit(row[at + 1]);
  const c = hexDigit(row[at + 2]);
  const d = hexDigit(row[at + 3]);
  return a < 0 || b < 0 || c < 0 || d < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

function startsWith(row: Buffer, at: number, expected: Buffer): boolean {
  if (at + expected.length > row.length) return false;
  for (let i = 0; i < expected.length; i++) if (row[at + i] !== expected[i]) return false;
  return true;
}

function skipWhitespace(row: Buffer, at: number): number {
  // The backup writes no whitespace between tokens: one comparison settles the common case (JSON's whitespace is all <= 0x20).
  if (row[at]! > SPACE) return at;
  while (isWhitespace(row[at])) at++;
  return at;
}

/**
 * Parses rows of one table file. After parse(row), `start`/`end`/`token` give
 * each column's value bytes and kind, and jsonNull(column) whether the row's
 * annotation marks it as the JSON value null.
 */
export class RowParser {
  readonly kinds: ValueKind[];
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly token: Uint8Array;
  /** 1 where the column's value is a string holding a backslash escape (else its text is the bytes between the quotes). */
  readonly escaped: Uint8Array;
  private readonly count: number;
  private readonly columns: ColumnType[];
  /** `"name":` of each column, as the backup writes it: matched in one comparison with its colon. */
  private readonly keys: Buffer[];
  private readonly indexByName: Map<string, number>;
  // Stamped with the row number, so nothing is cleared between rows.
  private readonly seen: Float64Array;
  private readonly jsonNullIn: Float64Array;
  private stamp = 0;
  /** The last string scanned held \u0000. */
  private nul = false;
  /** The last string scanned held a backslash escape. */
  private escape = false;
  /** The row has a byte beyond ASCII (only strings may): its UTF-8 is then checked. */
  private nonAscii = false;

  constructor(columns: ColumnType[], formatVersion: number) {
    this.columns = columns;
    this.count = columns.length;
    this.kinds = columns.map((column) => valueKind(column.type, formatVersion));
    this.keys = columns.map((column) => Buffer.from(`${JSON.stringify(column.name)}:`));
    this.indexByName = new Map(columns.map((column, i) => [column.name, i]));
    this.start = new Int32Array(this.count);
    this.end = new Int32Array(this.count);
    this.token = new Uint8Array(this.count);
    this.escaped = new Uint8Array(this.count);
    this.seen = new Float64Array(this.count);
    this.jsonNullIn = new Float64Array(this.count);
  }

  jsonNull(column: number): boolean {
    return this.jsonNullIn[column] === this.stamp;
  }

  /** Checks one row (its bytes, without the line's trailing ","); throws a RowFormatError. */
  parse(row: Buffer): void {
    const stamp = ++this.stamp;
    this.nonAscii = false;
    let at = skipWhitespace(row, 0);
    if (row[at] !== OPEN_BRACE) fail("not a JSON object");
    at = skipWhitespace(row, at + 1);
    let field = 0;
    let found = 0;
    let annotation: [number, number] | null = null;
    if (row[at] === CLOSE_BRACE) at++;
    else {
      for (;;) {
        let column: number;
        const expected = this.keys[field];
        if (expected && startsWith(row, at, expected)) {
          column = field;
          at = skipWhitespace(row, at + expected.length);
        } else {
          if (row[at] !== QUOTE) fail("expected a column name");
          const keyEnd = this.string(row, at);
          const name = JSON.parse(row.toString("utf8", at, keyEnd)) as string;
          at = keyEnd;
          if (name === ROW_ANNOTATION_KEY) column = -1;
          else {
            const index = this.indexByName.get(name);
            if (index === undefined) fail(`column "${name}" is not in the summary`);
            column = index;
          }
          at = skipWhitespace(row, at);
          if (row[at] !== COLON) fail('expected ":" after a column name');
          at = skipWhitespace(row, at + 1);
        }
        const valueStart = at;
        this.nul = false;
        this.escape = false;
        const token = this.value(row, at);
        at = this.valueEnd;
        if (column === -1) {
          if (annotation) fail("its annotation appears twice");
          if (token !== Token.Structure) fail("its annotation is not an object");
          annotation = [valueStart, at];
        } else {
          if (this.seen[column] === stamp) fail(`column "${this.columns[column]!.name}" appears twice`);
          const kind = this.kinds[column]!;
          if ((ALLOWED[kind] & (1 << token)) === 0) {
            const { name, type } = this.columns[column]!;
            fail(`column "${name}" (${type}) holds ${TOKEN_NAMES[token]}, which the backup never writes for that type`);
          }
          if (this.nul && kind !== ValueKind.RawJson) fail(`column "${this.columns[column]!.name}" holds \\u0000, which PostgreSQL text cannot`);
          this.seen[column] = stamp;
          this.start[column] = valueStart;
          this.end[column] = at;
          this.token[column] = token;
          this.escaped[column] = this.escape ? 1 : 0;
          found++;
        }
        field++;
        at = skipWhitespace(row, at);
        if (row[at] === COMMA) {
          at = skipWhitespace(row, at + 1);
          continue;
        }
        if (row[at] === CLOSE_BRACE) {
          at++;
          break;
        }
        fail('expected "," or "}" after a value');
      }
    }
    if (skipWhitespace(row, at) !== row.length) fail('text after the closing "}"');
    if (this.nonAscii && !isUtf8(row)) fail("not valid UTF-8");
    if (found !== this.count) {
      const missing = this.columns.filter((_, i) => this.seen[i] !== stamp).map((column) => column.name);
      fail(`no value for ${missing.join(", ")}`);
    }
    if (annotation) this.annotate(row, annotation[0], annotation[1], stamp);
  }

  private annotate(row: Buffer, start: number, end: number, stamp: number): void {
    const note = JSON.parse(row.toString("utf8", start, end)) as Record<string, unknown>;
    const names = note.jsonNull;
    if (Object.keys(note).length !== 1 || !Array.isArray(names) || names.length === 0) fail("its annotation is not {\"jsonNull\":[…]}");
    for (const name of names) {
      const index = typeof name === "string" ? this.indexByName.get(name) : undefined;
      if (index === undefined || this.kinds[index] !== ValueKind.RawJson) fail(`its annotation names ${JSON.stringify(name)}, not a jsonb column`);
      if (this.token[index] !== Token.Null) fail(`its annotation names "${name}", whose value is not null`);
      if (this.jsonNullIn[index] === stamp) fail(`its annotation names "${name}" twice`);
      this.jsonNullIn[index] = stamp;
    }
  }

  /** Set by value(): the index just past the value. */
  private valueEnd = 0;

  /** The JSON value at `at` (strictly checked); its end goes to valueEnd. */
  private value(row: Buffer, at: number): Token {
    const first = row[at];
    if (first === QUOTE) {
      this.valueEnd = this.string(row, at);
      return Token.String;
    }
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      this.valueEnd = this.structure(row, at);
      return Token.Structure;
    }
    if (first === MINUS || isDigit(first)) {
      this.valueEnd = this.number(row, at);
      return Token.Number;
    }
    const literal = first === 0x74 ? Token.True : first === 0x66 ? Token.False : first === 0x6e ? Token.Null : -1;
    if (literal !== -1 && startsWith(row, at, LITERALS[literal]!)) {
      this.valueEnd = at + LITERALS[literal]!.length;
      return literal as Token;
    }
    let end = at;
    while (end < row.length && end < at + 40 && !isWhitespace(row[end]) && row[end] !== COMMA && row[end] !== CLOSE_BRACE && row[end] !== CLOSE_BRACKET) end++;
    fail(`"${row.toString("utf8", at, end)}" is not a JSON value`);
  }

  /** The index just past the string that opens at `at`. */
  private string(row: Buffer, at: number): number {
    const length = row.length;
    let i = at + 1;
    for (;;) {
      let kind: number;
      while (i < length && (kind = IN_STRING[row[i]!]!) === PLAIN) i++;
      if (i >= length) fail("a string is not closed");
      kind = IN_STRING[row[i]!]!;
      if (kind === STRING_END) return i + 1;
      if (kind === NON_ASCII) {
        this.nonAscii = true;
        i++;
      } else if (kind === ESCAPE) {
        this.escape = true;
        const escape = row[i + 1];
        if (escape === 0x75) i = this.unicodeEscape(row, i);
        else if (
          escape === QUOTE || escape === BACKSLASH || escape === 0x2f || escape === 0x62 ||
          escape === 0x66 || escape === 0x6e || escape === 0x72 || escape === 0x74
        ) {
          i += 2;
        } else {
          fail(`"\\${escape === undefined ? "" : String.fromCharCode(escape)}" is not a JSON escape`);
        }
      } else {
        fail(`a string holds a raw control character (0x${row[i]!.toString(16).padStart(2, "0")}); JSON writes it as \\u00XX`);
      }
    }
  }

  /** `\uXXXX` at `at` (a surrogate pair takes two); returns the index after it. */
  private unicodeEscape(row: Buffer, at: number): number {
    const code = hex4(row, at + 2);
    if (code < 0) fail("a \\u escape is not four hex digits");
    if (code === 0) this.nul = true;
    if (code >= 0xdc00 && code <= 0xdfff) fail("a \\u escape is a lone low surrogate (not a character)");
    if (code < 0xd800 || code > 0xdbff) return at + 6;
    const low = row[at + 6] === BACKSLASH && row[at + 7] === 0x75 ? hex4(row, at + 8) : -1;
    if (low < 0xdc00 || low > 0xdfff) fail("a \\u escape is a lone high surrogate (not a character)");
    return at + 12;
  }

  /** The index just past the number that starts at `at` (JSON's grammar, nothing else). */
  private number(row: Buffer, at: number): number {
    let i = at;
    if (row[i] === MINUS) i++;
    if (row[i] === ZERO) i++;
    else if (isDigit(row[i])) while (isDigit(row[i])) i++;
    else fail("a number has no digits");
    if (row[i] === DOT) {
      i++;
      if (!isDigit(row[i])) fail("a number has no digits after its decimal point");
      while (isDigit(row[i])) i++;
    }
    if (row[i] === 0x65 || row[i] === 0x45) {
      i++;
      if (row[i] === PLUS || row[i] === MINUS) i++;
      if (!isDigit(row[i])) fail("a number has no digits in its exponent");
      while (isDigit(row[i])) i++;
    }
    return i;
  }

  /** The index just past the object or array that opens at `at`, every value in it checked. */
  private structure(row: Buffer, at: number): number {
    const stack: number[] = [];
    let i = at;
    for (;;) {
      // A value starts at i.
      const byte = row[i];
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        stack.push(byte);
        i = skipWhitespace(row, i + 1);
        const close = byte === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (row[i] === close) {
          stack.pop();
          i++;
        } else {
          if (byte === OPEN_BRACE) i = this.memberKey(row, i);
          continue;
        }
      } else {
        this.value(row, i);
        i = this.valueEnd;
      }
      // After a value.
      for (;;) {
        if (stack.length === 0) return i;
        i = skipWhitespace(row, i);
        const open = stack[stack.length - 1];
        if (row[i] === COMMA) {
          i = skipWhitespace(row, i + 1);
          if (open === OPEN_BRACE) i = this.memberKey(row, i);
          break;
        }
        if (row[i] === (open === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
          stack.pop();
          i++;
          continue;
        }
        fail(i >= row.length ? "an object or array is not closed" : "expected \",\" or a closing bracket inside a JSON value");
      }
    }
  }

  /** `"key" :` inside an object; returns where its value starts. */
  private memberKey(row: Buffer, at: number): number {
    if (row[at] !== QUOTE) fail("expected a key inside a JSON object");
    let i = skipWhitespace(row, this.string(row, at));
    if (row[i] !== COLON) fail('expected ":" inside a JSON object');
    i = skipWhitespace(row, i + 1);
    return i;
  }
}
