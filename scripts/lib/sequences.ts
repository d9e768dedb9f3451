// Sequences from the catalog: every sequence of the selected schemas, the
// columns that draw from it (OWNED BY, identity, or a DEFAULT nextval(…)
// without OWNED BY, as pagila has), and its state. Backup records the state;
// restore sets it back (restore/sequences.ts).
import type pg from "pg";
import { qualifiedName } from "./db.ts";
import type { TableRef } from "./tables.ts";

type Db = pg.Pool | pg.PoolClient | pg.Client;

export interface SequenceUse {
  schema: string;
  table: string;
  column: string;
}

export interface SequenceInfo extends TableRef {
  /** bigint as text; negative for a descending sequence. */
  increment: string;
  usedBy: SequenceUse[];
}

export interface SequenceState {
  lastValue: string;
  isCalled: boolean;
}

export async function discoverSequences(db: Db, schemas: string[]): Promise<SequenceInfo[]> {
  const result = await db.query<SequenceInfo>(
    `SELECT n.nspname AS schema, s.relname AS name, q.seqincrement::text AS increment,
            coalesce((SELECT json_agg(DISTINCT jsonb_build_object('schema', un.nspname, 'table', u.relname, 'column', a.attname))
                        FROM (SELECT d.refobjid AS rel, d.refobjsubid AS att FROM pg_depend d
                               WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid
                                 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
                              UNION
                              SELECT ad.adrelid, ad.adnum FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
                               WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = s.oid) l
                        JOIN pg_class u ON u.oid = l.rel JOIN pg_namespace un ON un.oid = u.relnamespace
                        JOIN pg_attribute a ON a.attrelid = l.rel AND a.attnum = l.att), '[]') AS "usedBy"
       FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace JOIN pg_sequence q ON q.seqrelid = s.oid
      WHERE s.relkind = 'S' AND n.nspname = ANY ($1::text[])
      ORDER BY n.nspname, s.relname`,
    [schemas],
  );
  return result.rows;
}

/** last_value and is_called of each sequence, in one statement. Reading needs SELECT on the sequence. */
export async function readSequenceStates(db: Db, sequences: TableRef[]): Promise<SequenceState[]> {
  if (sequences.length === 0) return [];
  const selects = sequences.map(
    (sequence, i) => `SELECT ${i} AS i, last_value::text AS "lastValue", is_called AS "isCalled" FROM ${qualifiedName(sequence.schema, sequence.name)}`,
  );
  const result = await db.query<SequenceState & { i: number }>(`${selects.join(" UNION ALL ")} ORDER BY i`);
  return result.rows.map(({ lastValue, isCalled }) => ({ lastValue, isCalled }));
}
