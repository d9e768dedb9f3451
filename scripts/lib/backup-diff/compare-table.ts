// One table compared between two sides (sides.ts). Keyed tables first by an
// aligned join (aligned-join.ts): the sides read in step, as two copies of a
// table nearly always come in the same order, holding only the rows that are
// out of step, and checking for duplicate keys by hash (key-hashes.ts). A
// table without a primary key, or one whose sides are too far out of step for
// the row budget, is compared by a hash join on the key (on the whole row for
// a table without one, counting copies, as a multiset): side A indexed in a
// Map, side B streamed past it. Larger than the row budget, a table is first
// split by key hash into partition files (spill.ts), then joined one
// partition at a time: memory stays at about one budget of rows, whatever
// the table's size.
import path from "node:path";
import { OperationError } from "../errors.ts";
import { alignedJoin } from "./aligned-join.ts";
import { Findings, type ChangedRow } from "./findings.ts";
import { KeyHashes, repeatedKey } from "./key-hashes.ts";
import { layoutOf, RowValues, type Layout } from "./layout.ts";
import { showRecord } from "./row-record.ts";
import { eachRow, SideRows } from "./side-rows.ts";
import { PartitionWriter, readPartition, withScratchDirectory } from "./spill.ts";
import type { TableSide } from "./sides.ts";

export type { ChangedRow };

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
  /** 1: compared in memory (aligned or by one hash join); more: spilled to that many partition files per side. */
  partitions: number;
}

export interface CompareOptions {
  show: number;
  /** Rows held in memory at once: out of step (aligned), or of one side (hash join); beyond it, the hash join spills to disk. */
  rowBudget: number;
  /** Where the scratch directory goes (default: the system's temporary directory). */
  scratchParent?: string;
}

/** Spilling uses twice the partitions the sizes ask for, so that an uneven spread still fits the budget. */
const PARTITION_HEADROOM = 2;
const MAX_PARTITIONS = 256;

/** In a keyed join's index: a key B holds and A does not (B holding it again is a duplicate). */
const ONLY_IN_B = -1;

/**
 * One partition's join: side A's records indexed by key, then side B's
 * matched against them — one Map operation per row on each side. Values are
 * held as bytes, off V8's heap (views into the batches or a partition file's
 * bytes), and compared with memcmp.
 */
class PartitionJoin {
  /** Keyed: key → its position in valuesOfA, or ONLY_IN_B. */
  private readonly keys = new Map<string, number>();
  /** A's values by position; null once B has matched the key (B matching it again is a duplicate). */
  private readonly valuesOfA: (Buffer | null)[] = [];
  /** Whole rows: row → copies in A not yet matched (negative: copies only in B). */
  private readonly copies = new Map<string, number>();

  constructor(private readonly layout: Layout, private readonly findings: Findings, private readonly sources: { a: string; b: string }) {}

  addA(key: string, values: Buffer): void {
    if (!this.layout.keyed) {
      this.copies.set(key, (this.copies.get(key) ?? 0) + 1);
      return;
    }
    const size = this.keys.size;
    this.keys.set(key, this.valuesOfA.length);
    if (this.keys.size === size) throw this.duplicate(this.sources.a, key);
    this.valuesOfA.push(values);
  }

  matchB(key: string, values: Buffer): void {
    if (!this.layout.keyed) {
      const left = this.copies.get(key) ?? 0;
      if (left > 0) this.findings.same++;
      this.copies.set(key, left - 1);
      return;
    }
    const position = this.keys.get(key);
    if (position === undefined) {
      this.keys.set(key, ONLY_IN_B);
      this.findings.missingFrom("A", key, 1);
      return;
    }
    const inA = position === ONLY_IN_B ? null : this.valuesOfA[position]!;
    if (inA === null) throw this.duplicate(this.sources.b, key);
    this.valuesOfA[position] = null;
    this.findings.pair(key, inA, values);
  }

  finish(): void {
    for (const [key, position] of this.keys) if (position !== ONLY_IN_B && this.valuesOfA[position] !== null) this.findings.missingFrom("B", key, 1);
    for (const [row, left] of this.copies) if (left !== 0) this.findings.missingFrom(left > 0 ? "B" : "A", row, Math.abs(left));
  }

  private duplicate(source: string, key: string): OperationError {
    return duplicateKey(source, key, this.layout);
  }
}

function duplicateKey(source: string, key: string, layout: Layout): OperationError {
  return new OperationError(`${source}: holds the key ${showRecord(key, layout.keyColumns)} twice, which its primary key forbids; the set is damaged — do not rely on it`);
}

export async function compareTable(a: TableSide, b: TableSide, options: CompareOptions): Promise<TableComparison> {
  const layout = layoutOf(a, b);
  // Nothing is read before the rows are asked for; the live side reads the compared columns in A's order.
  const values = new RowValues(layout, a.read(layout.common).columns, b.read(layout.common).columns, a.formatVersion === b.formatVersion ? a.formatVersion : null);
  const rowsOf = (side: TableSide) => new SideRows(side, side.read(layout.common), layout, values);
  let findings = new Findings(layout, values, options.show);
  if (layout.keyed && (await compareAligned(layout, a, b, rowsOf, findings, { whole: values.whole, rowBudget: options.rowBudget }))) {
    return comparison(layout, findings, 1);
  }

  findings = new Findings(layout, values, options.show);
  const largest = Math.max(a.rows, b.rows);
  const partitions = largest <= options.rowBudget ? 1 : Math.min(MAX_PARTITIONS, Math.ceil((PARTITION_HEADROOM * largest) / options.rowBudget));
  if (partitions === 1) {
    const join = new PartitionJoin(layout, findings, { a: a.source, b: b.source });
    const [rowsA, rowsB] = [rowsOf(a), rowsOf(b)];
    await eachRow(rowsA, () => join.addA(rowsA.key(), rowsA.values()));
    await eachRow(rowsB, () => join.matchB(rowsB.key(), rowsB.values()));
    join.finish();
  } else {
    await withScratchDirectory(async (dir) => {
      const files = (side: string) => Array.from({ length: partitions }, (_, i) => path.join(dir, `${side}-${i}`));
      for (const [side, label] of [[a, "a"], [b, "b"]] as const) {
        const writer = await PartitionWriter.create(files(label));
        try {
          const rows = rowsOf(side);
          await eachRow(rows, () => writer.add(rows.key(), rows.values()), () => writer.flush());
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
  return comparison(layout, findings, partitions);
}

/** The aligned join, then each side's duplicate-key check; false: out of step beyond the budget (nothing found kept). */
async function compareAligned(
  layout: Layout,
  a: TableSide,
  b: TableSide,
  rowsOf: (side: TableSide) => SideRows,
  findings: Findings,
  options: { whole: boolean; rowBudget: number },
): Promise<boolean> {
  const [hashesA, hashesB] = [new KeyHashes(a.rows), new KeyHashes(b.rows)];
  if (!(await alignedJoin({ rows: rowsOf(a), hashes: hashesA }, { rows: rowsOf(b), hashes: hashesB }, findings, options))) return false;
  for (const [side, hashes] of [[a, hashesA], [b, hashesB]] as const) {
    const suspects = hashes.repeated();
    if (suspects.size === 0) continue;
    const key = await repeatedKey(rowsOf(side), suspects);
    if (key !== null) throw duplicateKey(side.source, key, layout);
  }
  return true;
}

function comparison(layout: ReturnType<typeof layoutOf>, findings: Findings, partitions: number): TableComparison {
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
