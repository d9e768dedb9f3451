// Catalog lookups restore needs beyond tables.ts: the unique keys rows can
// clash on, the foreign keys (from any schema) that point into the restored
// tables, and the sequences behind serial and identity columns. Every lookup
// names tables by their real, schema-qualified relation.
import type pg from "pg";
import { tableKey, type ForeignKey, type TableRef } from "../tables.ts";

type Db = pg.PoolClient | pg.Pool | pg.Client;

export interface UniqueKey {
  name: string;
  /** The key columns in order, when every key is a plain column; null for an expression index (lower(email)). */
  keyColumns: string[] | null;
  /** Each key as SQL over the table's bare column names (pg_get_indexdef), e.g. `lower(email)`. */
  keyExpressions: string[];
  /** A partial index's WHERE condition over bare column names; null for a whole-table index. */
  predicate: string | null;
  /** Every column the index reads (keys, expressions, predicate): checked only when the restore loads them all. */
  columns: string[];
}

/** `WHERE <column> IN (…)` over the tables that exist: names that do not are left out (to_regclass gives NULL). */
const RELATIONS = `(SELECT to_regclass(name) FROM unnest($1::text[]) AS name)`;

/**
 * Non-primary unique indexes, per table (by tableKey) — plain, partial and
 * expression ones, a partitioned table's own. Rows clashing on one are
 * refused and listed by restore's skip-existing mode.
 */
export async function uniqueKeys(db: Db, tables: TableRef[]): Promise<Map<string, UniqueKey[]>> {
  const result = await db.query<{ schema: string; table: string } & UniqueKey>(
    `SELECT n.nspname AS schema, t.relname AS table, i.relname AS name,
            CASE WHEN x.indexprs IS NULL THEN
              ARRAY(SELECT a.attname FROM unnest(x.indkey[0:x.indnkeyatts - 1]::int2[]) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[]
            END AS "keyColumns",
            ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k ORDER BY k)::text[] AS "keyExpressions",
            pg_get_expr(x.indpred, x.indrelid, true) AS predicate,
            ARRAY(SELECT DISTINCT a.attname FROM pg_depend d
                    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = d.refobjsubid
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indexrelid
                     AND d.refclassid = 'pg_class'::regclass AND d.refobjid = x.indrelid AND d.refobjsubid > 0)::text[] AS columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE t.oid IN ${RELATIONS} AND x.indisunique AND NOT x.indisprimary
      ORDER BY n.nspname, t.relname, i.relname`,
    [tables.map(tableKey)],
  );
  const byTable = new Map<string, UniqueKey[]>();
  for (const { schema, table, ...key } of result.rows) {
    const owner = tableKey({ schema, name: table });
    byTable.set(owner, [...(byTable.get(owner) ?? []), key]);
  }
  return byTable;
}

/** Every foreign key of the database that references one of `tables`, whatever schema its own table is in. */
export async function foreignKeysInto(db: Db, tables: TableRef[]): Promise<ForeignKey[]> {
  const result = await db.query<ForeignKey>(
    `SELECT c.conname AS name, n.nspname AS schema, t.relname AS table, rn.nspname AS "referencedSchema", r.relname AS "referencedTable",
            r.relkind = 'p' AS "referencedPartitioned", c.condeferrable AS deferrable,
            ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.i)::text[] AS columns,
            ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.i)::text[] AS "referencedColumns"
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid IN ${RELATIONS}
      ORDER BY n.nspname, t.relname, c.conname`,
    [tables.map(tableKey)],
  );
  return result.rows;
}

export interface OwnedSequence {
  table: string;
  column: string;
  /** Schema-qualified, quoted: ready for SQL. */
  sequence: string;
  /** schema.name, for reports. */
  label: string;
}

/** Sequences owned by a column (serial, bigserial, identity) of the given tables. */
export async function ownedSequences(db: Db, tables: TableRef[]): Promise<(OwnedSequence & { schema: string })[]> {
  const result = await db.query<OwnedSequence & { schema: string }>(
    `SELECT n.nspname AS schema, t.relname AS table, a.attname AS column,
            quote_ident(sn.nspname) || '.' || quote_ident(s.relname) AS sequence, sn.nspname || '.' || s.relname AS label
       FROM pg_depend d
       JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.deptype IN ('a', 'i') AND t.oid IN ${RELATIONS}
      ORDER BY n.nspname, t.relname, a.attname`,
    [tables.map(tableKey)],
  );
  return result.rows;
}
