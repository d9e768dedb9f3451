// The table file format: a JSON array with one row per line,
//   [
//   {"id":1,…},
//   {"id":2,…}
//   ]
// (written by copy-to-json.ts). The reader here splits it back into row texts
// and checks the structure as it goes.
import { OperationError } from "../errors.ts";

const LF = 0x0a;

/**
 * Splits a table file's content into row texts, checking the array structure:
 * "[" first, rows separated by ",\n", "]" last. Holds back one row to know
 * whether it is the last. Throws an OperationError naming `fileName`.
 */
export async function* jsonArrayRows(content: AsyncIterable<Buffer>, fileName: string): AsyncGenerator<string> {
  let carry: Buffer | null = null;
  let line = 0;
  let opened = false;
  let closed = false;
  let heldRow: Buffer | null = null;
  const broken = (reason: string) => new OperationError(`${fileName}: line ${line}: ${reason}`);

  function* take(text: Buffer): Generator<string> {
    line++;
    if (closed) {
      if (text.length === 0) return;
      throw broken("data after the closing ]");
    }
    if (!opened) {
      if (text.length !== 1 || text[0] !== 0x5b) throw broken('expected "[" (the start of the JSON array)');
      opened = true;
      return;
    }
    if (text.length === 1 && text[0] === 0x5d) {
      if (heldRow) {
        if (heldRow[heldRow.length - 1] === 0x2c) throw broken('the last row ends with ","');
        yield heldRow.toString("utf8");
        heldRow = null;
      }
      closed = true;
      return;
    }
    if (heldRow) {
      if (heldRow[heldRow.length - 1] !== 0x2c) throw broken('the previous row does not end with ","');
      yield heldRow.toString("utf8", 0, heldRow.length - 1);
    }
    heldRow = text;
  }

  for await (const chunk of content) {
    let start = 0;
    let newline = chunk.indexOf(LF);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      const text: Buffer = carry ? Buffer.concat([carry, piece]) : piece;
      carry = null;
      yield* take(text);
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
    }
  }
  if (carry && carry.length > 0) yield* take(carry);
  if (!closed) {
    line++;
    throw broken("the file ends before the closing ] (truncated)");
  }
}
