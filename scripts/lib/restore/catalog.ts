// What a restore needs to know about the target beyond scripts/lib/tables.ts:
// the unique keys rows can clash on, which types survive the jsonb fast path,
// and the sequences behind serial and identity columns.
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

/**
 * Tables whose every column has a type that converts through jsonb without
 * loss. jsonb stores numbers as numeric (a float's -0 becomes 0) and
 * re-formats json values (key order, duplicate keys, spacing), so tables with
 * float, json or composite columns take the (slower) json path instead.
 */
export async function jsonbSafeTables(db: Db, schema: string): Promise<Set<string>> {
  const result = await db.query<{ table: string }>(
    `SELECT c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
        AND NOT EXISTS (
          SELECT 1 FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
            JOIN pg_type base ON base.oid = coalesce(e.oid, t.oid)
           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             AND NOT (base.typtype = 'e' OR base.oid = ANY (ARRAY[
               'bool', 'int2', 'int4', 'int8', 'numeric', 'text', 'varchar', 'bpchar', 'bytea', 'uuid', 'date',
               'time', 'timetz', 'timestamp', 'timestamptz', 'interval', 'jsonb', 'inet', 'cidr', 'macaddr'
             ]::regtype[]::oid[])))`,
    [schema],
  );
  return new Set(result.rows.map((row) => row.table));
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
