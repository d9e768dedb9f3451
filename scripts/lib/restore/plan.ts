// What a restore will do, decided before any row moves: which backup tables
// go into which database tables, in what order, which foreign keys must be
// deferred (self-references, cycles), and which checks each row gets.
import type { BackupTableEntry } from "../backup/index.ts";
import { OperationError, UsageError } from "../errors.ts";
import { MIGRATIONS_TABLE } from "../migrations-state.ts";
import { foreignKeyOrder, type ForeignKey, type TableInfo } from "../tables.ts";
import type { UniqueKey } from "./catalog.ts";
import { compareColumns, compareMigrations, describeDifferences, hasDifferences, type SchemaDifferences } from "./schema-check.ts";

export type RestoreMode = "empty" | "skip-existing" | "replace";
export const RESTORE_MODES: readonly RestoreMode[] = ["empty", "skip-existing", "replace"];


export interface PlannedTable {
  table: TableInfo;
  entry: BackupTableEntry;
  /** Columns written, in the table's column order: backup ∩ database, generated columns left out. */
  columns: string[];
  /** skip-existing: rows whose primary key is present are skipped. */
  skipExisting: boolean;
  /** Unique keys a new row may clash on with a row already there. */
  uniqueChecks: UniqueKey[];
  /** Foreign keys checked row by row, so a missing parent is reported with the row's key. */
  parentChecks: ForeignKey[];
}

export interface RestorePlan {
  tables: PlannedTable[];
  /** Self-references and cycle-closing keys: checked once, at the end of the load. */
  deferredForeignKeys: ForeignKey[];
  differences: SchemaDifferences;
  warnings: string[];
}

export interface PlanInput {
  entries: BackupTableEntry[];
  backupMigrations: string[];
  databaseMigrations: string[];
  databaseTables: TableInfo[];
  uniqueKeys: Map<string, UniqueKey[]>;
  mode: RestoreMode;
  /** --tables as the user typed them; undefined = every table in the set. */
  requestedTables?: string[];
  allowSchemaMismatch: boolean;
}

/** users, User, point-transactions, PointTransaction, pointtransaction: all name the same table. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function fileStem(entry: BackupTableEntry): string {
  return entry.file.replace(/-backup-.*$/, "");
}

/** The backup entries --tables names (by table, model or file name), or a UsageError listing the choices. */
export function selectEntries(entries: BackupTableEntry[], requested?: string[]): BackupTableEntry[] {
  // Compared with the target, never loaded: it records the target's own schema history.
  const loadable = entries.filter((entry) => entry.name !== MIGRATIONS_TABLE);
  if (!requested) return loadable;
  const selected = new Set<BackupTableEntry>();
  for (const name of requested) {
    const wanted = normalise(name);
    if (wanted === normalise(MIGRATIONS_TABLE)) {
      throw new UsageError(`${MIGRATIONS_TABLE} is compared with the target, never restored; leave it out of --tables`);
    }
    const match = loadable.find((entry) =>
      [entry.name, entry.model ?? "", fileStem(entry)].some((candidate) => candidate && normalise(candidate) === wanted),
    );
    if (!match) {
      throw new UsageError(`--tables: the backup set has no table "${name}"; it has ${loadable.map((e) => e.name).join(", ")}`);
    }
    selected.add(match);
  }
  return [...selected];
}

function schemaDifferences(input: PlanInput, entries: BackupTableEntry[], byName: Map<string, TableInfo>): SchemaDifferences {
  return {
    migrations: compareMigrations(input.backupMigrations, input.databaseMigrations),
    tablesOnlyInBackup: entries.filter((entry) => !byName.has(entry.name)).map((entry) => entry.name),
    columns: entries.flatMap((entry) => {
      const table = byName.get(entry.name);
      const difference = table ? compareColumns(entry, table) : null;
      return difference ? [difference] : [];
    }),
  };
}

/** Columns the backup leaves empty that the database will not fill either: the load would fail on them. */
function unfillableColumns(entry: BackupTableEntry, table: TableInfo): string[] {
  const inBackup = new Set(entry.columns.map((column) => column.name));
  return table.columns
    .filter((column) => !inBackup.has(column.name) && column.notNull && !column.hasDefault && !column.identity && !column.generated)
    .map((column) => column.name);
}

export function planRestore(input: PlanInput): RestorePlan {
  const byName = new Map(input.databaseTables.map((table) => [table.name, table]));
  const entries = selectEntries(input.entries, input.requestedTables);
  const differences = schemaDifferences(input, entries, byName);
  const warnings: string[] = [];
  if (hasDifferences(differences)) {
    const details = describeDifferences(differences);
    if (!input.allowSchemaMismatch) {
      throw new OperationError(
        `the backup was taken from a different schema than the target database has — ${details.join("; ")} — nothing was changed. ` +
          `Bring the database to the backup's migrations (pnpm prisma migrate deploy) or, if the differences are expected, ` +
          `rerun with --allow-schema-mismatch (columns only in the backup are then dropped).`,
      );
    }
    warnings.push(...details.map((line) => `schema mismatch accepted: ${line}`));
  }

  const present = entries.filter((entry) => byName.has(entry.name));
  for (const entry of present) {
    const unfillable = unfillableColumns(entry, byName.get(entry.name)!);
    if (unfillable.length > 0) {
      throw new OperationError(
        `${entry.name}: the database requires ${unfillable.join(", ")} (NOT NULL, no default) but the backup has no such column; ` +
          `nothing was changed. Restore into a database at the backup's migrations.`,
      );
    }
  }

  const selectedTables = present.map((entry) => byName.get(entry.name)!);
  const selectedNames = new Set(selectedTables.map((table) => table.name));
  if (input.mode === "replace") refuseDanglingChildren(input.databaseTables, selectedNames);

  const { order, selfReferences, cycleBreakers } = foreignKeyOrder(selectedTables);
  const deferredForeignKeys = [...selfReferences, ...cycleBreakers];
  const deferred = new Set(deferredForeignKeys.map((fk) => fk.name));
  const entryByName = new Map(present.map((entry) => [entry.name, entry]));
  const skipExisting = input.mode === "skip-existing";

  const tables = order.map((name): PlannedTable => {
    const table = byName.get(name)!;
    const entry = entryByName.get(name)!;
    const inBackup = new Set(entry.columns.map((column) => column.name));
    const columns = table.columns.filter((column) => inBackup.has(column.name) && !column.generated).map((column) => column.name);
    const loaded = (names: string[]) => names.every((column) => columns.includes(column));
    return {
      table,
      entry,
      columns,
      skipExisting,
      uniqueChecks: skipExisting ? (input.uniqueKeys.get(name) ?? []).filter((key) => loaded(key.columns)) : [],
      // Parents outside the restore are checked in every mode; parents inside it only where rows may be skipped.
      parentChecks: table.foreignKeys.filter(
        (fk) => !deferred.has(fk.name) && (skipExisting || !selectedNames.has(fk.referencedTable)) && loaded(fk.columns),
      ),
    };
  });
  return { tables, deferredForeignKeys, differences, warnings };
}

/** Replace empties the selected tables; a table outside the selection that references one would lose its rows too. */
function refuseDanglingChildren(databaseTables: TableInfo[], selected: Set<string>): void {
  const dangling = databaseTables.flatMap((table) =>
    selected.has(table.name) ? [] : table.foreignKeys.filter((fk) => selected.has(fk.referencedTable)),
  );
  if (dangling.length === 0) return;
  const children = [...new Set(dangling.map((fk) => fk.table))].sort();
  throw new OperationError(
    `--mode replace would empty ${[...new Set(dangling.map((fk) => fk.referencedTable))].sort().join(", ")}, which ` +
      `${children.join(", ")} reference${children.length === 1 ? "s" : ""}; nothing was changed. ` +
      `Add ${children.join(", ")} to --tables, or use --mode skip-existing.`,
  );
}
