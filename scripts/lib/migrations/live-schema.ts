// The schema model read from the target database's catalog (db:safe-migrate):
// what the pending migrations will really find — tables, column types and
// nullability, enums, indexes, constraints — wins over any replay of the
// history. Function bodies are not read (a called function counts as unknown).
import type pg from "pg";
import { emptySchemaModel, tableConstraints, type ColumnType, type ConstraintKind, type SchemaModel } from "./schema-model.ts";

const CONSTRAINT_KINDS: Record<string, ConstraintKind> = { p: "primary", u: "unique", f: "foreign", c: "check", x: "exclusion" };
const LENGTH_TYPES = new Set(["varchar", "bpchar", "bit", "varbit"]);
const PRECISION_TYPES = new Set(["timestamp", "timestamptz", "time", "timetz"]);

/** format_type's modifier, as the parser would give it for the same declaration. */
function modifiers(base: string, typmod: number): number[] {
  if (typmod < 0) return [];
  if (LENGTH_TYPES.has(base)) return [typmod - 4];
  if (base === "numeric") return [((typmod - 4) >> 16) & 0xffff, (typmod - 4) & 0xffff];
  if (PRECISION_TYPES.has(base)) return [typmod];
  return [];
}

function typeOf(name: string, schema: string, typmod: number, array: boolean): ColumnType {
  const builtin = schema === "pg_catalog";
  return { name, schema: builtin ? null : schema, mods: builtin ? modifiers(name, typmod) : [], array };
}

export async function readCatalogModel(db: pg.Pool, schema: string): Promise<SchemaModel> {
  const model = emptySchemaModel();
  const columns = await db.query<{
    table: string; column: string | null; type: string; type_schema: string; typmod: number; array: boolean; not_null: boolean; has_default: boolean;
  }>(
    `SELECT c.relname AS table, a.attname AS column,
            coalesce(et.typname, t.typname) AS type, coalesce(etn.nspname, tn.nspname) AS type_schema,
            a.atttypmod AS typmod, et.oid IS NOT NULL AS array, a.attnotnull AS not_null, a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' AS has_default
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_namespace tn ON tn.oid = t.typnamespace
       LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
       LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm')
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  for (const row of columns.rows) {
    const key = `${schema}.${row.table}`;
    let table = model.tables.get(key);
    if (!table) model.tables.set(key, (table = { key, columns: new Map(), columnsKnown: true }));
    if (row.column === null) continue;
    table.columns.set(row.column, { name: row.column, type: typeOf(row.type, row.type_schema, row.typmod, row.array), notNull: row.not_null, hasDefault: row.has_default });
  }
  const types = await db.query<{ schema: string; name: string; kind: string; labels: string[] | null }>(
    `SELECT n.nspname AS schema, t.typname AS name, t.typtype AS kind,
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))`,
  );
  for (const row of types.rows) {
    if (row.kind === "e") model.enums.set(`${row.schema}.${row.name}`, row.labels ?? []);
    else model.types.add(`${row.schema}.${row.name}`);
  }
  const indexes = await db.query<{ name: string; table: string; unique: boolean; partial: boolean; columns: Array<string | null> }>(
    `SELECT i.relname AS name, c.relname AS table, x.indisunique AS unique, x.indpred IS NOT NULL AS partial,
            ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, position)
                  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.position) AS columns
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1`,
    [schema],
  );
  for (const row of indexes.rows) {
    const columns = row.columns.every((c): c is string => c !== null) ? row.columns : null;
    model.indexes.set(`${schema}.${row.name}`, { table: `${schema}.${row.table}`, columns, unique: row.unique, partial: row.partial });
  }
  const constraints = await db.query<{ name: string; kind: string; table: string; validated: boolean; columns: string[]; references: string | null; definition: string }>(
    `SELECT co.conname AS name, co.contype AS kind, c.relname AS table, co.convalidated AS validated,
            ARRAY(SELECT a.attname::text FROM unnest(co.conkey) k(attnum) JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS columns,
            CASE WHEN co.confrelid <> 0 THEN (SELECT rn.nspname || '.' || r.relname FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE r.oid = co.confrelid) END AS references,
            pg_get_constraintdef(co.oid) AS definition
       FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND co.contype IN ('p', 'u', 'f', 'c', 'x')`,
    [schema],
  );
  for (const row of constraints.rows) {
    const notNullOf = /^CHECK \(\("?((?:[^"]|"")+?)"? IS NOT NULL\)\)/.exec(row.definition)?.[1]?.replaceAll('""', '"');
    tableConstraints(model, `${schema}.${row.table}`).set(row.name, {
      name: row.name,
      kind: CONSTRAINT_KINDS[row.kind]!,
      columns: row.columns,
      validated: row.validated,
      ...(row.references ? { references: row.references } : {}),
      ...(notNullOf ? { notNullOf } : {}),
    });
  }
  return model;
}
