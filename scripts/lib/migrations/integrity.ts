// Row counts of every table before and after a migration: a table whose count
// fell without the plan declaring it (a table the migration drops, truncates
// or deletes from) means data vanished — a cascade, a trigger, a DO block.
import type pg from "pg";
import { countTableRows, discoverTables } from "../tables.ts";
import { MIGRATIONS_TABLE } from "../migrations-state.ts";

/** "schema.table" -> exact row count. Prisma's own bookkeeping table is left out. */
export type RowCounts = Record<string, number>;

/** Every table of `schemas`, each counted alone (ONLY: an inheritance parent without its children's rows). */
export async function countEveryTable(db: pg.Pool, schemas: string[]): Promise<RowCounts> {
  const tables = (await discoverTables(db, schemas)).filter((table) => table.name !== MIGRATIONS_TABLE);
  const counts = await countTableRows(db, tables);
  return Object.fromEntries(tables.map((table, i) => [`${table.schema}.${table.name}`, counts[i]!]));
}

export interface CountChange {
  table: string;
  before: number;
  /** null: the table no longer exists. */
  after: number | null;
  /** The plan said this table would lose rows. */
  declared: boolean;
}

export interface IntegrityResult {
  /** Every table whose count fell (or which disappeared). */
  decreases: CountChange[];
  /** The decreases the plan did not declare: the alert. */
  unexpected: CountChange[];
}

export function compareCounts(before: RowCounts, after: RowCounts, declaredRowLoss: string[]): IntegrityResult {
  const declared = new Set(declaredRowLoss);
  const decreases = Object.entries(before)
    .map(([table, rows]) => ({ table, before: rows, after: after[table] ?? null, declared: declared.has(table) }))
    .filter((change) => change.before > 0 && (change.after === null || change.after < change.before));
  return { decreases, unexpected: decreases.filter((change) => !change.declared) };
}

export function formatCountTable(before: RowCounts, after: RowCounts): string[] {
  const tables = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const width = Math.max(5, ...tables.map((table) => table.length));
  return [
    `  ${"table".padEnd(width)}  ${"before".padStart(10)}  ${"after".padStart(10)}`,
    ...tables.map((table) => {
      const b = before[table];
      const a = after[table];
      const mark = b !== undefined && (a === undefined || a < b) ? "  ↓" : "";
      return `  ${table.padEnd(width)}  ${(b ?? "-").toString().padStart(10)}  ${(a ?? "(gone)").toString().padStart(10)}${mark}`;
    }),
  ];
}
