// When each definition dropped for the load (index-rebuild.ts) is built back:
// a table's keys and indexes as soon as its rows are in, and a foreign key as
// soon as its table and the table it references are both loaded with their
// keys — while the client reads the next file ahead (read-ahead.ts) — so that
// data breaking a key fails the restore right after those two tables, not
// after every table (pg_restore checks them all at the end). A foreign key
// into a table this restore does not load by that name (a partitioned table,
// whose partitions are loaded, or a table outside --tables) is checked after
// every table is loaded.
import { tableKey, type TableRef } from "../tables.ts";
import type { DroppedDefinition } from "./index-rebuild.ts";

const keyOf = (schema: string, table: string) => tableKey({ schema, name: table });

export class RebuildSchedule {
  private readonly loaded = new Set<string>();
  private pendingForeignKeys: DroppedDefinition[];
  private readonly keysAndIndexes: DroppedDefinition[];

  /** `dropped`: what dropForBulkLoad dropped, in its order. */
  constructor(dropped: DroppedDefinition[]) {
    this.keysAndIndexes = dropped.filter((item) => item.kind !== "foreign key");
    this.pendingForeignKeys = dropped.filter((item) => item.kind === "foreign key");
  }

  /** What to build now that `table`'s rows are in: its own keys and indexes, then every foreign key that became ready. */
  afterLoad(table: TableRef): DroppedDefinition[] {
    const key = tableKey(table);
    this.loaded.add(key);
    const own = this.keysAndIndexes.filter((item) => keyOf(item.schema, item.table) === key);
    const ready = this.pendingForeignKeys.filter((fk) => this.isReady(fk));
    this.pendingForeignKeys = this.pendingForeignKeys.filter((fk) => !ready.includes(fk));
    return [...own, ...ready];
  }

  /** The foreign keys still to check once every table is loaded. */
  remaining(): DroppedDefinition[] {
    return this.pendingForeignKeys;
  }

  /** Both tables loaded by name (a table reached only through its partitions, or not loaded, never is). */
  private isReady(fk: DroppedDefinition): boolean {
    return fk.references !== undefined && this.loaded.has(keyOf(fk.schema, fk.table)) && this.loaded.has(tableKey(fk.references));
  }
}
