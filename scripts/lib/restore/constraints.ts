// Foreign keys that point back into the table being loaded (User.referredBy)
// or close a cycle cannot be satisfied batch by batch: a row may name a parent
// that comes in a later batch. They are made DEFERRABLE inside the restore's
// transaction and checked once, after every row is in; their original
// definition comes back before commit (and with any rollback, DDL included).
import type pg from "pg";
import { qualifiedName, quoteIdent } from "../db.ts";
import type { ForeignKey } from "../tables.ts";

export async function deferForeignKeys(client: pg.PoolClient, keys: ForeignKey[]): Promise<void> {
  if (keys.length === 0) return;
  for (const fk of keys.filter((key) => !key.deferrable)) {
    await client.query(`ALTER TABLE ${qualifiedName(fk.schema, fk.table)} ALTER CONSTRAINT ${quoteIdent(fk.name)} DEFERRABLE`);
  }
  await client.query(`SET CONSTRAINTS ${keys.map((fk) => qualifiedName(fk.schema, fk.name)).join(", ")} DEFERRED`);
}

/** Checks the deferred keys now (a violation throws) and makes them NOT DEFERRABLE again where they were. */
export async function checkDeferredForeignKeys(client: pg.PoolClient, keys: ForeignKey[]): Promise<void> {
  if (keys.length === 0) return;
  await client.query(`SET CONSTRAINTS ${keys.map((fk) => qualifiedName(fk.schema, fk.name)).join(", ")} IMMEDIATE`);
  for (const fk of keys.filter((key) => !key.deferrable)) {
    await client.query(`ALTER TABLE ${qualifiedName(fk.schema, fk.table)} ALTER CONSTRAINT ${quoteIdent(fk.name)} NOT DEFERRABLE`);
  }
}
