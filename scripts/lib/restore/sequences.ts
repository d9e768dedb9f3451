// After a restore, serial and identity sequences must hand out values past
// the restored rows, or the app's next insert fails on a duplicate key.
// Sequences are only ever moved forward (skip-existing may restore rows below
// values already handed out). setval is not transactional, so it runs last.
import type pg from "pg";
import { qualifiedName, quoteIdent } from "../db.ts";
import { ownedSequences } from "./catalog.ts";

export interface SequenceReset {
  table: string;
  column: string;
  sequence: string;
  /** The value the sequence was (or, in a dry run, would be) set to: the column's maximum. */
  value: string;
}

export async function resetSequences(
  client: pg.PoolClient,
  schema: string,
  tables: string[],
  apply: boolean,
): Promise<SequenceReset[]> {
  const resets: SequenceReset[] = [];
  for (const owned of await ownedSequences(client, schema, tables)) {
    const result = await client.query<{ value: string }>(
      `SELECT x.m::text AS value
         FROM (SELECT max(${quoteIdent(owned.column)})::bigint AS m FROM ${qualifiedName(schema, owned.table)}) x,
              ${owned.sequence} s
        WHERE x.m IS NOT NULL AND (x.m > s.last_value OR (NOT s.is_called AND x.m = s.last_value))`,
    );
    const value = result.rows[0]?.value;
    if (value === undefined) continue;
    if (apply) await client.query(`SELECT setval($1::regclass, $2::bigint)`, [owned.sequence, value]);
    resets.push({ ...owned, value });
  }
  return resets;
}
