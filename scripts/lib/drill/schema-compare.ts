// Is the restored database's schema exactly what the set's migrations build?
// The drill copies the freshly migrated database (CREATE DATABASE … TEMPLATE)
// before restoring into it, and compares the two catalogs afterwards: every
// relation (with its kind, options, partition bound, row security, grants and
// comment), column (type, NOT NULL, default, identity, generated, collation),
// constraint and index definition and its validity, trigger and its enabled
// state, sequence definition, enum label, function body and policy of every
// user schema. A restore that lost an index, left a key NOT VALID, a trigger
// disabled or a sequence redefined shows up here.
//
// Why not `prisma migrate diff`: with this project's Wasm schema engine
// (engine "js" in prisma.config.ts) Prisma 6.19 refuses --from-url and
// --from-schema-datasource ("not supported when defining an adapter"), and
// `prisma db pull` — the other way to bring a live database into a diff —
// panics in the Wasm engine (RuntimeError: unreachable) on a table with a
// CHECK constraint. Both verified on PostgreSQL 15. The catalog comparison
// covers what `migrate diff` compares and more (triggers, functions, grants).
import type pg from "pg";

type Db = pg.Pool | pg.Client;

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/** Object identity -> its definition. */
const FINGERPRINT_QUERIES: string[] = [
  `SELECT 'relation ' || n.nspname || '.' || c.relname,
          concat_ws(' | ', c.relkind, c.relpersistence, c.relreplident, c.relrowsecurity, c.relforcerowsecurity, c.reloptions::text,
                    pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid), c.relacl::text, obj_description(c.oid, 'pg_class'),
                    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I')`,
  `SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname,
          concat_ws(' | ', (SELECT count(*) FROM pg_attribute b WHERE b.attrelid = a.attrelid AND b.attnum BETWEEN 1 AND a.attnum AND NOT b.attisdropped),
                    format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                    co.collname, col_description(c.oid, a.attnum), a.attacl::text)
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
    WHERE ${USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped`,
  `SELECT 'constraint ' || n.nspname || '.' || coalesce(r.relname, t.typname, '') || '.' || c.conname,
          concat_ws(' | ', pg_get_constraintdef(c.oid), c.convalidated)
     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
     LEFT JOIN pg_class r ON r.oid = c.conrelid LEFT JOIN pg_type t ON t.oid = c.contypid
    WHERE ${USER_SCHEMAS}`,
  `SELECT 'index ' || n.nspname || '.' || i.relname,
          concat_ws(' | ', pg_get_indexdef(x.indexrelid), x.indisvalid, x.indisready, x.indisclustered, x.indisreplident)
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
    WHERE ${USER_SCHEMAS}`,
  `SELECT 'trigger ' || n.nspname || '.' || c.relname || '.' || t.tgname, concat_ws(' | ', pg_get_triggerdef(t.oid), t.tgenabled)
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMAS} AND NOT t.tgisinternal`,
  `SELECT 'sequence ' || n.nspname || '.' || c.relname,
          concat_ws(' | ', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMAS}`,
  `SELECT 'type ' || n.nspname || '.' || t.typname,
          concat_ws(' | ', t.typtype, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
                    (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE ${USER_SCHEMAS} AND t.typtype IN ('e', 'd')`,
  `SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', md5(pg_get_functiondef(p.oid))
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE ${USER_SCHEMAS} AND p.prokind IN ('f', 'p')`,
  `SELECT 'policy ' || schemaname || '.' || tablename || '.' || policyname, concat_ws(' | ', permissive, roles::text, cmd, qual, with_check)
     FROM pg_policies WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
];

/** Every schema object of the user schemas, keyed by what it is, valued by its definition. */
export async function schemaFingerprint(db: Db): Promise<Map<string, string>> {
  const fingerprint = new Map<string, string>();
  for (const query of FINGERPRINT_QUERIES) {
    const result = await db.query<{ key: string; definition: string }>({ text: query, rowMode: "array" } as pg.QueryConfig);
    for (const row of result.rows as unknown as [string, string][]) fingerprint.set(row[0], row[1] ?? "");
  }
  return fingerprint;
}

/** One line per object that differs between the restored database and the one the migrations built. */
export function schemaDifferences(restored: Map<string, string>, migrated: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [key, definition] of migrated) {
    const found = restored.get(key);
    if (found === undefined) lines.push(`${key} is missing from the restored database (the migrations create it: ${definition})`);
    else if (found !== definition) lines.push(`${key} differs — restored: ${found}; from the migrations: ${definition}`);
  }
  for (const [key, definition] of restored) if (!migrated.has(key)) lines.push(`${key} is in the restored database but no migration creates it (${definition})`);
  return lines.sort();
}
