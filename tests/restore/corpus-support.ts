// The corpus of foreign schemas (tests/fixtures/schemas/*.sql) and the
// comparison of two whole databases in SQL: every table read FROM ONLY and
// with its inheritance children, every sequence's state, every trigger's state.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { createSchemaTemplate, createTestDatabase, type TestDatabase } from "../helpers/database.ts";

export const CORPUS_DIR = path.join(PROJECT_ROOT, "tests", "fixtures", "schemas");

export interface CorpusSchema {
  name: string;
  /** DDL: applied to the source and, identically, to the restore target. */
  schemaSql: string;
  /** Rows, applied to the source only. */
  dataSql: string;
  /** The schemas the backup covers ("-- schemas: a,b" on the first line; default public). */
  schemas: string[];
}

export function corpusSchemas(): CorpusSchema[] {
  return readdirSync(CORPUS_DIR)
    .filter((file) => file.endsWith(".sql"))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(CORPUS_DIR, file), "utf8");
      const [schemaSql, dataSql] = text.split(/^-- @data$/m);
      if (dataSql === undefined) throw new Error(`${file} has no "-- @data" line`);
      const declared = /^-- schemas: (.+)$/m.exec(schemaSql!)?.[1];
      return { name: file.replace(/\.sql$/, ""), schemaSql: schemaSql!, dataSql, schemas: declared ? declared.split(",") : ["public"] };
    });
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

export interface DatabaseContents {
  /** "<table> only" / "<table> with children" -> row count and md5 of the rows' text, sorted. */
  tables: Record<string, string>;
  /** sequence -> "last_value is_called". */
  sequences: Record<string, string>;
  /** table.trigger -> pg_trigger.tgenabled. */
  triggers: Record<string, string>;
}

/** Everything a restore must give back, computed by PostgreSQL. */
export async function databaseContents(db: pg.Pool): Promise<DatabaseContents> {
  const relations = await db.query<{ name: string; kind: string }>(
    `SELECT c.oid::regclass::text AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'S') AND ${USER_SCHEMAS} ORDER BY 1`,
  );
  const contents: DatabaseContents = { tables: {}, sequences: {}, triggers: {} };
  const digest = async (from: string) =>
    (
      await db.query<{ d: string }>(
        `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C")), '') AS d FROM ${from} t`,
      )
    ).rows[0]!.d;
  for (const { name, kind } of relations.rows) {
    if (kind === "S") {
      const state = await db.query<{ s: string }>(`SELECT last_value || ' ' || is_called AS s FROM ${name}`);
      contents.sequences[name] = state.rows[0]!.s;
      continue;
    }
    if (kind === "r") contents.tables[`${name} only`] = await digest(`ONLY ${name}`);
    contents.tables[`${name} with children`] = await digest(name);
  }
  const triggers = await db.query<{ name: string; enabled: string }>(
    `SELECT t.tgrelid::regclass || '.' || t.tgname AS name, t.tgenabled::text AS enabled FROM pg_trigger t WHERE NOT t.tgisinternal ORDER BY 1`,
  );
  for (const row of triggers.rows) contents.triggers[row.name] = row.enabled;
  return contents;
}

/** Every constraint and index definition, in every user schema (restore drops and rebuilds some). */
export async function definitions(db: pg.Pool): Promise<string[]> {
  const result = await db.query<{ d: string }>(
    `SELECT c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) || ' ' || c.convalidated AS d
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE ${USER_SCHEMAS} AND c.conrelid <> 0
     UNION ALL
     SELECT pg_get_indexdef(x.indexrelid) || ' ' || x.indisvalid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS}
     ORDER BY 1`,
  );
  return result.rows.map((row) => row.d);
}

export interface CorpusPair {
  corpus: CorpusSchema;
  /** The corpus schema with its rows. */
  source: TestDatabase;
  /** The same schema, no rows. */
  target: TestDatabase;
  drop(): Promise<void>;
}

/** A source and an identical empty target for one corpus schema. */
export async function corpusPair(name: string): Promise<CorpusPair> {
  const corpus = corpusSchemas().find((schema) => schema.name === name);
  if (!corpus) throw new Error(`no corpus schema ${name}`);
  const template = await createSchemaTemplate(corpus.schemaSql);
  try {
    const [source, target] = await Promise.all([createTestDatabase({ template: template.name }), createTestDatabase({ template: template.name })]);
    await source.pool.query(corpus.dataSql);
    return { corpus, source, target, drop: async () => void (await Promise.all([source.drop(), target.drop()])) };
  } finally {
    await template.drop();
  }
}
