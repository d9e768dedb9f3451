// One side's rows for a table, one at a time: each row read by the strict
// parser first (a row it refuses fails the diff, naming the row), then its
// key and values records (row-record.ts, layout.ts) and the key's hash
// (key-hashes.ts) made only when asked for. A new batch is read only when the
// last one is used up: next() answers without a promise for every other row,
// so the diff costs no async step per row.
import { OperationError } from "../errors.ts";
import { RowFormatError, RowParser, Token } from "../backup/row-parser.ts";
import { encodeColumns } from "./row-record.ts";
import type { ColumnType } from "../backup/row-encoding.ts";
import type { Layout, RowValues } from "./layout.ts";
import type { TableSide } from "./sides.ts";

export class SideRows {
  /** The current row's bytes (a view into its batch; batches are never reused). */
  row: Buffer = Buffer.alloc(0);
  private readonly batches: AsyncIterator<Buffer[]>;
  private batch: Buffer[] = [];
  private at = 0;
  private rowNumber = 0;
  private readonly parser: RowParser;
  private readonly keyIndexes: number[];
  private readonly valueIndexes: number[];

  constructor(
    private readonly side: TableSide,
    read: { columns: ColumnType[]; batches: AsyncIterable<Buffer[]> },
    layout: Layout,
    private readonly rowValues: RowValues,
  ) {
    this.batches = read.batches[Symbol.asyncIterator]();
    this.parser = new RowParser(read.columns, side.formatVersion);
    const index = new Map(read.columns.map((column, i) => [column.name, i]));
    this.keyIndexes = layout.keyColumns.map((name) => index.get(name)!);
    this.valueIndexes = layout.valueColumns.map((name) => index.get(name)!);
  }

  /** Moves to the next row: true when there is one; a promise of it when a batch must be read first. */
  next(): boolean | Promise<boolean> {
    if (this.at < this.batch.length) {
      this.take(this.batch[this.at++]!);
      return true;
    }
    return this.nextBatch();
  }

  /** The current row's key record, a string usable as a Map key. */
  key(): string {
    return encodeColumns(this.row, this.parser, this.keyIndexes);
  }

  /** The current row's values record (RowValues.of). */
  values(): Buffer {
    return this.rowValues.of(this.row, this.parser, this.valueIndexes);
  }

  /**
   * A 53-bit hash of the current row's key: two 32-bit multiplicative hashes
   * (FNV-1a's and MurmurHash2's multipliers) over each key column's tag, bytes
   * and length, joined into one exact double.
   */
  keyHash(): number {
    const { row, parser } = this;
    let first = 0x811c9dc5;
    let second = 0x9747b28c;
    for (const column of this.keyIndexes) {
      const tag = parser.token[column] === Token.Null ? (parser.jsonNull(column) ? 1 : 2) : 3;
      first = Math.imul(first ^ tag, 0x01000193);
      second = Math.imul(second ^ tag, 0x5bd1e995);
      if (tag !== 3) continue;
      const end = parser.end[column]!;
      for (let at = parser.start[column]!; at < end; at++) {
        const byte = row[at]!;
        first = Math.imul(first ^ byte, 0x01000193);
        second = Math.imul(second ^ byte, 0x5bd1e995);
      }
      first = Math.imul(first ^ (end - parser.start[column]!), 0x01000193);
    }
    second ^= second >>> 13;
    return (first >>> 0) * 0x200000 + (second & 0x1fffff);
  }

  /** Reads what is left without parsing it: a side given up on still ends its read (a live table's COPY, a file's checksum). */
  async drain(): Promise<void> {
    while (!(await this.batches.next()).done);
  }

  private async nextBatch(): Promise<boolean> {
    for (;;) {
      const result = await this.batches.next();
      if (result.done) return false;
      this.batch = result.value;
      this.at = 0;
      if (this.batch.length > 0) {
        this.take(this.batch[this.at++]!);
        return true;
      }
    }
  }

  private take(row: Buffer): void {
    this.rowNumber++;
    this.row = row;
    try {
      this.parser.parse(row);
    } catch (error) {
      if (!(error instanceof RowFormatError)) throw error;
      throw new OperationError(`${this.side.source}: row ${this.rowNumber}: ${error.message}; the file is not as the backup wrote it — do not rely on this set`);
    }
  }
}

/** The rest of the side's rows, each handed to `visit` (which reads it through `rows`); `afterBatch` runs after each batch read. */
export async function eachRow(rows: SideRows, visit: () => void, afterBatch?: () => Promise<void>): Promise<void> {
  for (;;) {
    let more = rows.next();
    if (more instanceof Promise) {
      await afterBatch?.();
      more = await more;
    }
    if (!more) break;
    visit();
  }
  await afterBatch?.();
}
