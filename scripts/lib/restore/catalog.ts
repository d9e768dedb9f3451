// What a restore needs to know about the target beyond scripts/lib/tables.ts:
// the unique keys rows can clash on and the sequences behind serial and
// identity columns.
import type pg from "pg";

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

/**
 * Non-primary unique indexes, per table — plain, partial and expression
 * ones. Rows clashing on one are refused and listed by restore's
 * skip-existing mode.
 */
export async function uniqueKeys(db: Db, schema: string): Promise<Map<string, UniqueKey[]>> {
  const result = await db.query<{ table: string } & UniqueKey>(
    `SELECT t.relname AS table, i.relname AS name,
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
      WHERE n.nspname = $1 AND x.indisunique AND NOT x.indisprimary
      ORDER BY t.relname, i.relname`,
    [schema],
  );
  const byTable = new Map<string, UniqueKey[]>();
  for (const { table, ...key } of result.rows) byTable.set(table, [...(byTable.get(table) ?? []), key]);
  return byTable;
}

export interface OwnedSequence {
  table: string;
  column: string;
  /** Schema-qualified, quoted: ready for SQL. */
  sequence: string;
}

/** Sequences owned by a column (serial, bigserial, identity) of the given tables. */
export async function ownedSequences(db: Db, schema: string, tables: string[]): Promise<OwnedSequence[]> {
  const result = await db.query<OwnedSequence>(
    `SELECT t.relname AS table, a.attname AS column,
            quote_ident(sn.nspname) || '.' || quote_ident(s.relname) AS sequence
       FROM pg_depend d
       JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.deptype IN ('a', 'i') AND n.nspname = $1 AND t.relname = ANY ($2::text[])
      ORDER BY t.relname, a.attname`,
    [schema, tables],
  );
  return result.rows;
}
