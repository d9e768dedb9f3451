// Lookups in the live database by values as the backup holds them (each
// column's text): the backup's text is cast to the column's type, so the
// table's own indexes answer, and a value compares as PostgreSQL compares it.
import type pg from "pg";
import { quoteIdent } from "../db.ts";
import { tableRelation, type TableInfo } from "../tables.ts";

/** Values of some columns of one row, as the backup's text (null = SQL NULL). */
export type Tuple = (string | null)[];

/** Tuples sent per statement. */
const LOOKUP_BATCH = 5000;

function columnType(table: TableInfo, column: string): string {
  const info = table.columns.find((candidate) => candidate.name === column);
  if (!info) throw new Error(`${table.schema}.${table.name} has no column ${column}`);
  return info.type;
}

/** `t.a = (e.v->>0)::type AND …`: row t has the tuple in e.v. */
export function matchesTuple(table: TableInfo, columns: string[], alias: string, tuple: string): string {
  return columns.map((column, i) => `${alias}.${quoteIdent(column)} = (${tuple}->>${i})::${columnType(table, column)}`).join(" AND ");
}

/**
 * Which of `tuples` (values of `columns`) rows of the live table have. For
 * each one found, by its index in `tuples`: whether each group of
 * `nullGroups` is all NULL in that row (a foreign key ON DELETE SET NULL cut).
 */
export async function liveRows(
  client: pg.PoolClient,
  table: TableInfo,
  columns: string[],
  tuples: Tuple[],
  nullGroups: string[][] = [],
): Promise<Map<number, boolean[]>> {
  const found = new Map<number, boolean[]>();
  const nulls = nullGroups.map((group) => `(${group.map((column) => `t.${quoteIdent(column)} IS NULL`).join(" AND ")})`);
  const sql = `SELECT e.i::int - 1 AS i, x.nulls
       FROM json_array_elements($1::json) WITH ORDINALITY e(v, i)
       CROSS JOIN LATERAL (SELECT ARRAY[${nulls.join(", ")}]::boolean[] AS nulls FROM ${tableRelation(table)} t
                            WHERE ${matchesTuple(table, columns, "t", "e.v")} LIMIT 1) x`;
  for (let from = 0; from < tuples.length; from += LOOKUP_BATCH) {
    const batch = tuples.slice(from, from + LOOKUP_BATCH);
    const result = await client.query<{ i: number; nulls: boolean[] }>(sql, [JSON.stringify(batch)]);
    for (const row of result.rows) found.set(from + row.i, row.nulls);
  }
  return found;
}
