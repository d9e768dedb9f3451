// What a restore will do, decided before any row moves: which backup tables
// go into which database tables (matched by schema and name), in what order,
// which foreign keys must be deferred (self-references, cycles), which
// checks each row gets, and whether its rows go as COPY text or binary.
import { binaryEncodings, entryLabel, valueKind, type BackupSummary, type BackupTableEntry } from "../backup/index.ts";
import { OperationError, UsageError } from "../errors.ts";
import { MIGRATIONS_TABLE } from "../migrations-state.ts";
import { foreignKeyOrder, referencedTable, tableKey, type ColumnInfo, type ForeignKey, type TableInfo } from "../tables.ts";
import type { UniqueKey } from "./catalog.ts";
import { compareMigrations, compareTable, describeDifferences, hasDifferences, type SchemaDifferences } from "./schema-check.ts";

export type RestoreMode = "empty" | "skip-existing" | "replace";
export const RESTORE_MODES: readonly RestoreMode[] = ["empty", "skip-existing", "replace"];

export interface PlannedTable {
  table: TableInfo;
  entry: BackupTableEntry;
  /** How reports name it: bare in the set's primary schema, else schema.table. */
  label: string;
  /** Columns written, in the table's column order: backup ∩ database, generated columns left out. */
  columns: string[];
  /**
   * Per column, the type whose binary COPY form it is loaded in, when every
   * column has one the binary encoder writes and the backup recorded the
   * same type; else null: loaded as COPY text.
   */
  binaryTypes: string[] | null;
  /** skip-existing: rows already present are skipped. */
  skipExisting: boolean;
  /**
   * skip-existing on a table without a primary key the backup carries: a row
   * is present when an identical row is (all loaded columns), counted as a
   * multiset — three copies in the backup and one in the table insert two.
   */
  matchWholeRows: boolean;
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
  summary: BackupSummary;
  databaseMigrations: string[];
  /** The target's tables in the set's schemas. */
  databaseTables: TableInfo[];
  /** Every foreign key in the target that references one of the set's tables, from any schema. */
  foreignKeysInto: ForeignKey[];
  /** By tableKey. */
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

/** The backup entries --tables (or `option`) names (by table, schema.table, model or file name), or a UsageError listing the choices. */
export function selectEntries(summary: BackupSummary, requested?: string[], option = "--tables"): BackupTableEntry[] {
  // Compared with the target, never loaded: it records the target's own schema history.
  const loadable = summary.tables.filter((entry) => entry.name !== MIGRATIONS_TABLE);
  if (!requested) return loadable;
  const selected = new Set<BackupTableEntry>();
  const labels = loadable.map((entry) => entryLabel(summary, entry));
  for (const name of requested) {
    const wanted = normalise(name);
    if (wanted === normalise(MIGRATIONS_TABLE)) {
      throw new UsageError(`${MIGRATIONS_TABLE} is compared with the target, never restored; leave it out of ${option}`);
    }
    const exact = loadable.filter((entry, i) => labels[i] === name || `${entry.schema}.${entry.name}` === name);
    const loose = loadable.filter((entry, i) =>
      [labels[i]!, entry.name, entry.model ?? "", fileStem(entry)].some((candidate) => candidate && normalise(candidate) === wanted),
    );
    const matches = exact.length > 0 ? exact : loose;
    if (matches.length === 0) throw new UsageError(`${option}: the backup set has no table "${name}"; it has ${labels.join(", ")}`);
    if (matches.length > 1) {
      throw new UsageError(`${option}: "${name}" names ${matches.map((entry) => `${entry.schema}.${entry.name}`).join(" and ")}; write schema.table`);
    }
    selected.add(matches[0]!);
  }
  return [...selected];
}

function schemaDifferences(input: PlanInput, entries: BackupTableEntry[], byKey: Map<string, TableInfo>): SchemaDifferences {
  const { summary } = input;
  return {
    migrations: compareMigrations(summary.migrations.applied, input.databaseMigrations),
    tablesOnlyInBackup: entries.filter((entry) => !byKey.has(tableKey(entry))).map((entry) => entryLabel(summary, entry)),
    columns: entries.flatMap((entry) => {
      const table = byKey.get(tableKey(entry));
      const difference = table ? compareTable(entry, table, entryLabel(summary, entry), summary.formatVersion) : null;
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
  const { summary } = input;
  const byKey = new Map(input.databaseTables.map((table) => [tableKey(table), table]));
  const entries = selectEntries(summary, input.requestedTables);
  const differences = schemaDifferences(input, entries, byKey);
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

  const present = entries.filter((entry) => byKey.has(tableKey(entry)));
  for (const entry of present) {
    const unfillable = unfillableColumns(entry, byKey.get(tableKey(entry))!);
    if (unfillable.length > 0) {
      throw new OperationError(
        `${entryLabel(summary, entry)}: the database requires ${unfillable.join(", ")} (NOT NULL, no default) but the backup has no such column; ` +
          `nothing was changed. Restore into a database at the backup's migrations.`,
      );
    }
  }

  const selectedTables = present.map((entry) => byKey.get(tableKey(entry))!);
  const selected = new Set(selectedTables.map(tableKey));
  if (input.mode === "replace") refuseDanglingChildren(input, selected);

  const { order, selfReferences, cycleBreakers } = foreignKeyOrder(selectedTables);
  const deferredForeignKeys = [...selfReferences, ...cycleBreakers];
  const deferred = new Set(deferredForeignKeys);
  const entryByKey = new Map(present.map((entry) => [tableKey(entry), entry]));
  const skipExisting = input.mode === "skip-existing";

  const tables = order.map((table): PlannedTable => {
    const entry = entryByKey.get(tableKey(table))!;
    const inBackup = new Set(entry.columns.map((column) => column.name));
    const loadedColumns = table.columns.filter((column) => inBackup.has(column.name) && !column.generated);
    const columns = loadedColumns.map((column) => column.name);
    const loaded = (names: string[]) => names.every((column) => columns.includes(column));
    const keyed = table.primaryKey.length > 0 && loaded(table.primaryKey);
    return {
      table,
      entry,
      label: entryLabel(summary, entry),
      columns,
      binaryTypes: binaryTypesOf(loadedColumns, entry, summary.formatVersion),
      skipExisting,
      matchWholeRows: skipExisting && !keyed,
      uniqueChecks: skipExisting ? (input.uniqueKeys.get(tableKey(table)) ?? []).filter((key) => loaded(key.columns)) : [],
      // Parents outside the restore are checked in every mode; parents inside it only where rows may be skipped.
      parentChecks: table.foreignKeys.filter(
        (fk) => !deferred.has(fk) && (skipExisting || !selected.has(tableKey(referencedTable(fk)))) && loaded(fk.columns),
      ),
    };
  });
  return { tables, deferredForeignKeys, differences, warnings };
}

/**
 * A domain's values are written as its own type's are (a JSON string), which
 * is the base type's form only for string-like bases: a domain over a number,
 * boolean or jsonb keeps its table on COPY text.
 */
function binaryTypesOf(columns: ColumnInfo[], entry: BackupTableEntry, formatVersion: number): string[] | null {
  const backupTypes = new Map(entry.columns.map((column) => [column.name, column.type]));
  const types = columns.map((column) => column.binaryType);
  const written = (column: ColumnInfo) =>
    backupTypes.get(column.name) === column.type && valueKind(column.type, formatVersion) === valueKind(column.binaryType, formatVersion);
  return columns.every(written) && binaryEncodings(types) !== null ? types : null;
}

/** Replace empties the selected tables; a table outside the selection that references one would lose its rows too. */
function refuseDanglingChildren(input: PlanInput, selected: Set<string>): void {
  const dangling = input.foreignKeysInto.filter(
    (fk) => selected.has(tableKey(referencedTable(fk))) && !selected.has(tableKey({ schema: fk.schema, name: fk.table })),
  );
  if (dangling.length === 0) return;
  const label = (schema: string, name: string) => (schema === input.summary.database.schema ? name : `${schema}.${name}`);
  const children = [...new Set(dangling.map((fk) => label(fk.schema, fk.table)))].sort();
  const parents = [...new Set(dangling.map((fk) => label(fk.referencedSchema, fk.referencedTable)))].sort();
  throw new OperationError(
    `--mode replace would empty ${parents.join(", ")}, which ${children.join(", ")} reference${children.length === 1 ? "s" : ""}; nothing was changed. ` +
      `Add ${children.join(", ")} to --tables, or use --mode skip-existing.`,
  );
}
