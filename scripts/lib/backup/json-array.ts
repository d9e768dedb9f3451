// The table file format: a JSON array with one row per line,
//   [
//   {"id":1,…},
//   {"id":2,…}
//   ]
// (written by copy-to-json.ts). The reader here splits it back into row texts
// and checks the structure as it goes.
import { OperationError } from "../errors.ts";

const LF = 0x0a;
const COMMA = 0x2c;

/**
 * Splits a table file's content into rows (their bytes, without the trailing
 * ","), one batch per chunk read, checking the array structure: "[" first,
 * rows separated by ",\n", "]" last. Holds back one row to know whether it is
 * the last. Batches rather than single rows: restore handles millions of rows,
 * and one async step per row would cost more than the rows themselves.
 * Throws an OperationError naming `fileName`.
 */
export async function* jsonArrayRowBatches(content: AsyncIterable<Buffer>, fileName: string): AsyncGenerator<Buffer[]> {
  let line = 0;
  let opened = false;
  let closed = false;
  // The row held back, without its trailing "," (heldComma says whether it had one): one view per row.
  let heldRow: Buffer | null = null;
  let heldComma = false;
  const broken = (reason: string) =>
    new OperationError(`${fileName}: line ${line}: ${reason}; the file is not as the backup wrote it — restore from another backup set`);

  /** The line `source[start, end)`. */
  function take(source: Buffer, start: number, end: number, batch: Buffer[]): void {
    line++;
    const length = end - start;
    if (closed) {
      if (length === 0) return;
      throw broken("data after the closing ]");
    }
    if (!opened) {
      if (length !== 1 || source[start] !== 0x5b) throw broken('expected "[" (the start of the JSON array)');
      opened = true;
      return;
    }
    if (length === 1 && source[start] === 0x5d) {
      if (heldRow) {
        if (heldComma) throw broken('the last row ends with ","');
        batch.push(heldRow);
        heldRow = null;
      }
      closed = true;
      return;
    }
    if (heldRow) {
      if (!heldComma) throw broken('the previous row does not end with ","');
      batch.push(heldRow);
    }
    heldComma = length > 0 && source[end - 1] === COMMA;
    heldRow = source.subarray(start, heldComma ? end - 1 : end);
  }

  // A line longer than a chunk (a value of many megabytes) is kept as its pieces and joined once, when it ends.
  let carry: Buffer[] = [];
  for await (const chunk of content) {
    const batch: Buffer[] = [];
    let start = 0;
    let newline = chunk.indexOf(LF);
    while (newline !== -1) {
      if (carry.length > 0) {
        const joined = Buffer.concat([...carry, chunk.subarray(start, newline)]);
        take(joined, 0, joined.length, batch);
        carry = [];
      } else {
        take(chunk, start, newline, batch);
      }
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) carry.push(start === 0 ? chunk : chunk.subarray(start));
    if (batch.length > 0) yield batch;
  }
  const last: Buffer[] = [];
  if (carry.length > 0) {
    const joined = Buffer.concat(carry);
    take(joined, 0, joined.length, last);
  }
  if (last.length > 0) yield last;
  if (!closed) {
    line++;
    throw broken("the file ends before the closing ] (truncated)");
  }
}
