// A growable byte buffer for the byte-level row converters (backup/copy-to-json.ts,
// backup/json-to-copy.ts): one allocation per chunk in the common case.

/** The bytes both converters look for. */
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export class ByteOutput {
  buffer: Buffer;
  length = 0;
  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }
  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
  bytes(source: Buffer, start = 0, end = source.length): void {
    this.reserve(end - start);
    if (end - start > 32) {
      source.copy(this.buffer, this.length, start, end);
      this.length += end - start;
      return;
    }
    // Keys and short values: a loop beats Buffer.copy's per-call overhead.
    const buffer = this.buffer;
    let at = this.length;
    for (let i = start; i < end; i++) buffer[at++] = source[i]!;
    this.length = at;
  }
  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }
}

