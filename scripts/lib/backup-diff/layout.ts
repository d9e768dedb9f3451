// How one table's rows are compared between two sides: which columns are the
// key and which the values (layoutOf), and how a row's values are held
// (RowValues).
import { RowParser } from "../backup/row-parser.ts";
import { decodeColumns, encodeColumnBytes } from "./row-record.ts";
import type { ColumnType } from "../backup/row-encoding.ts";
import type { TableSide } from "./sides.ts";

export interface Layout {
  keyColumns: string[];
  /** The columns compared beyond the key (none when rows are matched whole). */
  valueColumns: string[];
  keyed: boolean;
}

/**
 * Matched by the primary key both sides record (the one side that records
 * one, for sets written before formatVersion 2), when both sides hold its
 * columns; else as whole rows over the columns both sides hold.
 */
export function layoutOf(a: TableSide, b: TableSide): Layout & { common: string[]; columnsOnlyInA: string[]; columnsOnlyInB: string[] } {
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

const NO_VALUES = Buffer.alloc(0);

/**
 * How a row's values are held. When both sides' rows hold the same columns,
 * of the same types, in the same order (the usual case: the same schema), a row's JSON text as
 * read is its values — the backup writes equal values as equal bytes —
 * and no copy is encoded. Otherwise the compared columns are encoded
 * (row-record.ts). Either way, values that differ are taken apart column by
 * column; rows whose bytes differ but whose columns all compare equal (a
 * file written differently, never by this tool) count as the same.
 */
export class RowValues {
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

  /** The bytes of a row's values record: the row itself (a view into its batch), or an encoded copy. */
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
