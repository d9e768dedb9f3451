// What a restore needs to know about the target beyond scripts/lib/tables.ts:
// the unique keys rows can clash on and the sequences behind serial and
// identity columns.
import type pg from "pg";

type Db = pg.PoolClient | pg.Pool | pg.Client;

export interface UniqueKey {
  name: string;
  columns: string[];
}

/**
 * Non-primary unique indexes on plain columns, per table. Partial and
 * expression indexes are left out: a clash on one of those still stops the
 * restore (PostgreSQL raises it), it just is not reported row by row.
 */
export async function uniqueKeys(db: Db, schema: string): Promise<Map<string, UniqueKey[]>> {
  const result = await db.query<{ table: string; name: string; columns: string[] }>(
    `SELECT t.relname AS table, i.relname AS name,
            ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, n)
                  JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND x.indisunique AND NOT x.indisprimary
        AND x.indpred IS NULL AND x.indexprs IS NULL
      ORDER BY t.relname, i.relname`,
    [schema],
  );
  const byTable = new Map<string, UniqueKey[]>();
  for (const row of result.rows) {
    byTable.set(row.table, [...(byTable.get(row.table) ?? []), { name: row.name, columns: row.columns }]);
  }
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
