// One table compared between two sides (sides.ts): a hash join on the primary
// key (on the whole row for a table without one, counting copies, as a
// multiset). Side A is held in a Map and side B streamed past it. A table
// larger than the row budget is first split by key hash into partition files
// (spill.ts), then joined one partition at a time: memory stays at about one
// budget of rows, whatever the table's size.
import path from "node:path";
import { OperationError } from "../errors.ts";
import { RowFormatError, RowParser } from "../backup/row-parser.ts";
import { decodeColumns, encodeColumnBytes, encodeColumns, showRecord } from "./row-record.ts";
import { PartitionWriter, readPartition, withScratchDirectory } from "./spill.ts";
import type { ColumnType } from "../backup/row-encoding.ts";
import type { TableSide } from "./sides.ts";

export interface ChangedRow {
  key: string;
  columns: string[];
}

export interface TableComparison {
  /** The primary key rows were matched by, or null: matched as whole rows. */
  key: string[] | null;
  /** Columns one side has and the other has not (rows are compared on the columns both have). */
  columnsOnlyInA: string[];
  columnsOnlyInB: string[];
  onlyInA: number;
  onlyInB: number;
  changed: number;
  same: number;
  /** Up to `show` of each, smallest keys first; emails and wallets masked. */
  shown: { onlyInA: string[]; onlyInB: string[]; changed: ChangedRow[] };
  /** Changed rows per column that differs. */
  changedColumns: Record<string, number>;
  /** 1: compared in memory; more: spilled to that many partition files per side. */
  partitions: number;
}

export interface CompareOptions {
  show: number;
  /** Rows of one side held in memory at once; a larger table spills to disk. */
  rowBudget: number;
  /** Where the scratch directory goes (default: the system's temporary directory). */
  scratchParent?: string;
}

/** Spilling uses twice the partitions the sizes ask for, so that an uneven spread still fits the budget. */
const PARTITION_HEADROOM = 2;
const MAX_PARTITIONS = 256;

interface Layout {
  keyColumns: string[];
  /** The columns compared beyond the key (none when rows are matched whole). */
  valueColumns: string[];
  keyed: boolean;
}

function layoutOf(a: TableSide, b: TableSide): Layout & { common: string[]; columnsOnlyInA: string[]; columnsOnlyInB: string[] } {
  const inB = new Set(b.columns.map((column) => column.name));
  const inA = new Set(a.columns.map((column) => column.name));
  const common = a.columns.map((column) => column.name).filter((name) => inB.has(name));
  const recorded = a.primaryKey && b.primaryKey ? (a.primaryKey.join() === b.primaryKey.join() ? a.primaryKey : []) : (a.primaryKey ?? b.primaryKey ?? []);
  const key = recorded.length > 0 && recorded.every((name) => inB.has(name) && inA.has(name)) ? recorded : [];
  const columnsOnlyInA = a.columns.map((column) => column.name).filter((name) => !inB.has(name));
  const columnsOnlyInB = b.columns.map((column) => column.name).filter((name) => !inA.has(name));
  if (key.length === 0) return { keyColumns: common, valueColumns: [], keyed: false, common, columnsOnlyInA, columnsOnlyInB };
  return { keyColumns: key, valueColumns: common.filter((name) => !key.includes(name)), keyed: true, common, columnsOnlyInA, columnsOnlyInB };
}

/**
 * How a row's values are held. When both sides' rows hold the same columns,
 * of the same types, in the same order (the usual case: the same schema), a row's JSON text as
 * read is its values — the backup writes equal values as equal bytes —
 * and no copy is encoded. Otherwise the compared columns are encoded
 * (row-record.ts). Either way, values that differ are taken apart column by
 * column; rows whose bytes differ but whose columns all compare equal (a
 * file written differently, never by this tool) count as the same.
 */
class RowValues {
  /** The rows' JSON text is comparable as it is. */
  readonly whole: boolean;
  private readonly parser: RowParser;
  private readonly valueIndexes: number[];

  constructor(private readonly layout: Layout, columnsA: ColumnType[], columnsB: ColumnType[], formatVersion: number | null) {
    const shape = (columns: ColumnType[]) => columns.map((column) => `${column.name}\0${column.type}`).join("\0");
    this.whole = layout.keyed && formatVersion !== null && shape(columnsA) === shape(columnsB);
    this.parser = new RowParser(columnsA, formatVersion ?? 0);
    const index = new Map(columnsA.map((column, i) => [column.name, i]));
    this.valueIndexes = layout.valueColumns.map((name) => index.get(name)!);
  }

  /** The bytes of a row's values record (a view into the batch: copy them to keep them). */
  of(row: Buffer, parser: RowParser, valueIndexes: number[]): Buffer {
    if (!this.layout.keyed) return NO_VALUES;
    return this.whole ? row : encodeColumnBytes(row, parser, valueIndexes);
  }

  /** The value columns in which two rows' values differ. */
  differingColumns(a: Buffer, b: Buffer): string[] {
    const [partsA, partsB] = this.whole ? [this.columnsOf(a), this.columnsOf(b)] : [decodeColumns(a), decodeColumns(b)];
    return this.layout.valueColumns.filter((_, i) => partsA[i] !== partsB[i]);
  }

  private columnsOf(row: Buffer): string[] {
    this.parser.parse(row);
    return decodeColumns(encodeColumnBytes(row, this.parser, this.valueIndexes));
  }
}

const NO_VALUES = Buffer.alloc(0);

/** A side's rows as [key, values] records, in batches; every row read by the strict parser first. */
async function* recordBatches(
  side: TableSide,
  read: { columns: ColumnType[]; batches: AsyncIterable<Buffer[]> },
  layout: Layout,
  values: RowValues,
): AsyncGenerator<[string, Buffer][]> {
  const parser = new RowParser(read.columns, side.formatVersion);
  const index = new Map(read.columns.map((column, i) => [column.name, i]));
  const keyIndexes = layout.keyColumns.map((name) => index.get(name)!);
  const valueIndexes = layout.valueColumns.map((name) => index.get(name)!);
  let rowNumber = 0;
  for await (const batch of read.batches) {
    const records: [string, Buffer][] = [];
    for (const row of batch) {
      rowNumber++;
      try {
        parser.parse(row);
      } catch (error) {
        if (!(error instanceof RowFormatError)) throw error;
        throw new OperationError(`${side.source}: row ${rowNumber}: ${error.message}; the file is not as the backup wrote it — do not rely on this set`);
      }
      records.push([encodeColumns(row, parser, keyIndexes), values.of(row, parser, valueIndexes)]);
    }
    yield records;
  }
}

/** Keeps the `limit` entries with the smallest sort keys, made only when they are kept. */
class Smallest<T> {
  private readonly entries: { sort: string; value: T }[] = [];
  constructor(private readonly limit: number) {}

  offer(sort: string, make: () => T): void {
    const entries = this.entries;
    if (this.limit === 0 || (entries.length === this.limit && sort >= entries[entries.length - 1]!.sort)) return;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (entries[middle]!.sort < sort) low = middle + 1;
      else high = middle;
    }
    entries.splice(low, 0, { sort, value: make() });
    if (entries.length > this.limit) entries.pop();
  }

  values(): T[] {
    return this.entries.map((entry) => entry.value);
  }
}

/** What the partitions found, added up. */
class Findings {
  onlyInA = 0;
  onlyInB = 0;
  changed = 0;
  same = 0;
  readonly changedColumns = new Map<string, number>();
  readonly shownA: Smallest<string>;
  readonly shownB: Smallest<string>;
  readonly shownChanged: Smallest<ChangedRow>;

  constructor(private readonly layout: Layout, private readonly values: RowValues, show: number) {
    this.shownA = new Smallest(show);
    this.shownB = new Smallest(show);
    this.shownChanged = new Smallest(show);
  }

  private show(key: string, copies: number): string {
    const shown = showRecord(key, this.layout.keyColumns);
    return copies > 1 ? `${shown} (${copies} copies)` : shown;
  }

  missingFrom(side: "A" | "B", key: string, copies: number): void {
    if (side === "B") {
      this.onlyInA += copies;
      this.shownA.offer(key, () => this.show(key, copies));
    } else {
      this.onlyInB += copies;
      this.shownB.offer(key, () => this.show(key, copies));
    }
  }

  differ(key: string, inA: Buffer, inB: Buffer): void {
    const columns = this.values.differingColumns(inA, inB);
    if (columns.length === 0) {
      this.same++;
      return;
    }
    this.changed++;
    for (const column of columns) this.changedColumns.set(column, (this.changedColumns.get(column) ?? 0) + 1);
    this.shownChanged.offer(key, () => ({ key: this.show(key, 1), columns }));
  }
}

/** In a keyed join's map: B has had this key (a second time is a duplicate). */
const SEEN_IN_B = null;

/**
 * One partition's join: side A's records in a Map, then side B's matched
 * against it. Values are held as bytes, off V8's heap (views into a
 * partition file's bytes, or copies of rows), and compared with memcmp.
 */
class PartitionJoin {
  /** Keyed: key → A's values, or SEEN_IN_B once B had the key. Whole rows: row → copies in A not yet matched (negative: copies only in B). */
  private readonly values = new Map<string, Buffer | typeof SEEN_IN_B>();
  private readonly copies = new Map<string, number>();

  constructor(private readonly layout: Layout, private readonly findings: Findings, private readonly sources: { a: string; b: string }) {}

  addA(key: string, values: Buffer): void {
    if (!this.layout.keyed) {
      this.copies.set(key, (this.copies.get(key) ?? 0) + 1);
      return;
    }
    if (this.values.has(key)) throw this.duplicate(this.sources.a, key);
    this.values.set(key, values);
  }

  matchB(key: string, values: Buffer): void {
    if (!this.layout.keyed) {
      const left = this.copies.get(key) ?? 0;
      if (left > 0) this.findings.same++;
      this.copies.set(key, left - 1);
      return;
    }
    const inA = this.values.get(key);
    if (inA === SEEN_IN_B) throw this.duplicate(this.sources.b, key);
    this.values.set(key, SEEN_IN_B);
    if (inA === undefined) this.findings.missingFrom("A", key, 1);
    else if (inA.equals(values)) this.findings.same++;
    else this.findings.differ(key, inA, values);
  }

  finish(): void {
    for (const [key, inA] of this.values) if (inA !== SEEN_IN_B) this.findings.missingFrom("B", key, 1);
    for (const [row, left] of this.copies) if (left !== 0) this.findings.missingFrom(left > 0 ? "B" : "A", row, Math.abs(left));
  }

  private duplicate(source: string, key: string): OperationError {
    return new OperationError(`${source}: holds the key ${showRecord(key, this.layout.keyColumns)} twice, which its primary key forbids; the set is damaged — do not rely on it`);
  }
}

export async function compareTable(a: TableSide, b: TableSide, options: CompareOptions): Promise<TableComparison> {
  const layout = layoutOf(a, b);
  // Nothing is read before the batches are iterated (A first); the live side reads the compared columns in A's order.
  const readA = a.read(layout.common);
  const readB = b.read(layout.common);
  const values = new RowValues(layout, readA.columns, readB.columns, a.formatVersion === b.formatVersion ? a.formatVersion : null);
  const findings = new Findings(layout, values, options.show);
  const largest = Math.max(a.rows, b.rows);
  const partitions = largest <= options.rowBudget ? 1 : Math.min(MAX_PARTITIONS, Math.ceil((PARTITION_HEADROOM * largest) / options.rowBudget));

  if (partitions === 1) {
    const join = new PartitionJoin(layout, findings, { a: a.source, b: b.source });
    for await (const batch of recordBatches(a, readA, layout, values)) for (const [key, row] of batch) join.addA(key, Buffer.from(row));
    for await (const batch of recordBatches(b, readB, layout, values)) for (const [key, row] of batch) join.matchB(key, row);
    join.finish();
  } else {
    await withScratchDirectory(async (dir) => {
      const files = (side: string) => Array.from({ length: partitions }, (_, i) => path.join(dir, `${side}-${i}`));
      for (const [side, read, label] of [[a, readA, "a"], [b, readB, "b"]] as const) {
        const writer = await PartitionWriter.create(files(label));
        try {
          for await (const batch of recordBatches(side, read, layout, values)) {
            for (const [key, row] of batch) writer.add(key, row);
            await writer.flush();
          }
        } finally {
          await writer.close();
        }
      }
      const [filesA, filesB] = [files("a"), files("b")];
      for (let partition = 0; partition < partitions; partition++) {
        const join = new PartitionJoin(layout, findings, { a: a.source, b: b.source });
        for (const [key, row] of await readPartition(filesA[partition]!)) join.addA(key, row);
        for (const [key, row] of await readPartition(filesB[partition]!)) join.matchB(key, row);
        join.finish();
      }
    }, options.scratchParent);
  }

  return {
    key: layout.keyed ? layout.keyColumns : null,
    columnsOnlyInA: layout.columnsOnlyInA,
    columnsOnlyInB: layout.columnsOnlyInB,
    onlyInA: findings.onlyInA,
    onlyInB: findings.onlyInB,
    changed: findings.changed,
    same: findings.same,
    shown: { onlyInA: findings.shownA.values(), onlyInB: findings.shownB.values(), changed: findings.shownChanged.values() },
    changedColumns: Object.fromEntries([...findings.changedColumns].sort(([x], [y]) => (x < y ? -1 : 1))),
    partitions,
  };
}
