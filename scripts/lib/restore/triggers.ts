// User triggers must not fire while a restore loads rows: a BEFORE INSERT
// trigger would rewrite them (lower-cased emails, updated_at = now()), an
// AFTER INSERT audit trigger would add rows the backup already holds. As
// `pg_restore --disable-triggers` does, each enabled user trigger of the
// restored tables (a partitioned table's partitions included) is disabled
// inside the restore's transaction and put back in its exact state (ENABLE,
// ENABLE REPLICA, ENABLE ALWAYS) before commit; a rollback undoes both.
// Internal triggers (foreign keys, deferred unique checks) stay on. Other
// sessions cannot write meanwhile: the restore holds the tables' EXCLUSIVE lock.
import type pg from "pg";
import { quoteIdent } from "../db.ts";
import { OperationError } from "../errors.ts";
import { tableKey, type TableInfo } from "../tables.ts";

export interface DisabledTrigger {
  /** The table it is on, schema.name (a partition for triggers cloned from a partitioned table). */
  table: string;
  /** The same table, quoted for SQL. */
  relation: string;
  trigger: string;
  /** pg_trigger.tgenabled before the restore: O (origin), R (replica) or A (always). */
  state: "O" | "R" | "A";
}

const ENABLE: Record<DisabledTrigger["state"], string> = { O: "ENABLE", R: "ENABLE REPLICA", A: "ENABLE ALWAYS" };

export async function disableUserTriggers(client: pg.PoolClient, tables: TableInfo[]): Promise<DisabledTrigger[]> {
  const relations = tables.flatMap((table) => [tableKey(table), ...table.partitions.map((partition) => tableKey(partition))]);
  if (relations.length === 0) return [];
  const triggers = await client.query<DisabledTrigger>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS relation, n.nspname || '.' || c.relname AS table, t.tgname AS trigger, t.tgenabled AS state
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgrelid IN (SELECT to_regclass(name) FROM unnest($1::text[]) AS name)
      ORDER BY 1, t.tgname`,
    [relations],
  );
  for (const { relation, trigger, table } of triggers.rows) {
    try {
      // ONLY: each relation's own trigger, so the state of each partition's copy is put back as it was.
      await client.query(`ALTER TABLE ONLY ${relation} DISABLE TRIGGER ${quoteIdent(trigger)}`);
    } catch (error) {
      if ((error as { code?: string }).code !== "42501") throw error;
      throw new OperationError(
        `${table} has user trigger ${trigger}, which db:restore must disable so that it does not rewrite or add rows while the backup's rows load, ` +
          `and only the table's owner may do that (${(error as Error).message}) — run the restore as the owner of ${table} (or a superuser)`,
      );
    }
  }
  return triggers.rows;
}

/** Puts every trigger disableUserTriggers turned off back in its state. */
export async function restoreTriggers(client: pg.PoolClient, triggers: DisabledTrigger[]): Promise<void> {
  for (const { relation, trigger, state } of triggers) {
    await client.query(`ALTER TABLE ONLY ${relation} ${ENABLE[state]} TRIGGER ${quoteIdent(trigger)}`);
  }
}
