// A backup set is compared with the target before anything is loaded: the
// applied migrations (from _prisma_migrations on both sides) and, table by
// table, the columns, the generated columns (formatVersion 2 records them)
// and a partitioned table's partitions. Differences are reported; they refuse
// the restore unless the user accepts them with --allow-schema-mismatch.
import type { BackupTableEntry } from "../backup/index.ts";
import type { TableInfo } from "../tables.ts";

export interface MigrationDifference {
  backup: string[];
  database: string[];
  onlyInBackup: string[];
  onlyInDatabase: string[];
}

export interface ColumnDifference {
  table: string;
  /** Data in the backup that has no column to go into. */
  onlyInBackup: string[];
  /** Columns the backup does not fill: they get their default (or NULL). */
  onlyInDatabase: string[];
  typeChanged: { column: string; backup: string; database: string }[];
  /** Generated columns and partitions that differ, one sentence each. */
  shape: string[];
}

export interface SchemaDifferences {
  migrations: MigrationDifference | null;
  /** Tables in the backup that the database does not have. */
  tablesOnlyInBackup: string[];
  columns: ColumnDifference[];
}

export function compareMigrations(backup: string[], database: string[]): MigrationDifference | null {
  const inDatabase = new Set(database);
  const inBackup = new Set(backup);
  const onlyInBackup = backup.filter((name) => !inDatabase.has(name));
  const onlyInDatabase = database.filter((name) => !inBackup.has(name));
  if (onlyInBackup.length === 0 && onlyInDatabase.length === 0) return null;
  return { backup, database, onlyInBackup, onlyInDatabase };
}

function describeGenerated(entry: BackupTableEntry, table: TableInfo): string[] {
  const inBackup = new Map((entry.generatedColumns ?? []).map((column) => [column.name, column]));
  const inDatabase = new Map(table.columns.filter((column) => column.generated).map((column) => [column.name, column]));
  const stored = new Set(entry.columns.map((column) => column.name));
  const lines: string[] = [];
  for (const [name, column] of inBackup) {
    const current = inDatabase.get(name);
    if (!current) lines.push(`${name} is generated (${column.expression}) in the backup but not in the database`);
    else if (current.generationExpression !== column.expression || current.type !== column.type) {
      lines.push(`${name} is generated as ${column.type} ${column.expression} in the backup, ${current.type} ${current.generationExpression} in the database`);
    }
  }
  for (const name of inDatabase.keys()) {
    if (inBackup.has(name)) continue;
    lines.push(stored.has(name) ? `${name} holds data in the backup but is generated in the database` : `${name} is generated in the database but not in the backup`);
  }
  return lines;
}

function describePartitioning(entry: BackupTableEntry, table: TableInfo): string[] {
  const backup = entry.partitioning ?? null;
  const database = table.partitioned ? { key: table.partitionKey ?? "", partitions: table.partitions } : null;
  if (JSON.stringify(backup) === JSON.stringify(database)) return [];
  const describe = (p: typeof backup) =>
    p ? `PARTITION BY ${p.key}: ${p.partitions.map((part) => `${part.schema}.${part.name} ${part.bound}${part.key ? ` BY ${part.key}` : ""}`).join(", ") || "no partitions"}` : "not partitioned";
  return [`partitioned differently — in the backup ${describe(backup)}; in the database ${describe(database)}`];
}

/**
 * The table's differences from its backup entry, or null. A formatVersion 1
 * set recorded no generated columns (it left them out of the file on
 * purpose): the database's are not compared with it.
 */
export function compareTable(entry: BackupTableEntry, table: TableInfo, label: string, formatVersion: number): ColumnDifference | null {
  const storedColumns = table.columns.filter((column) => !column.generated);
  const databaseColumns = new Map(storedColumns.map((column) => [column.name, column]));
  const allColumns = new Set(table.columns.map((column) => column.name));
  const backupColumns = new Map(entry.columns.map((column) => [column.name, column]));
  const v2 = formatVersion >= 2;
  const difference: ColumnDifference = {
    table: label,
    // A backup column the database generates is a shape difference (below), not a missing column.
    onlyInBackup: entry.columns.filter((column) => !allColumns.has(column.name)).map((column) => column.name),
    onlyInDatabase: storedColumns.filter((column) => !backupColumns.has(column.name)).map((column) => column.name),
    typeChanged: entry.columns.flatMap((column) => {
      const current = databaseColumns.get(column.name);
      return current && current.type !== column.type ? [{ column: column.name, backup: column.type, database: current.type }] : [];
    }),
    shape: v2 ? [...describeGenerated(entry, table), ...describePartitioning(entry, table)] : [],
  };
  if (!v2) {
    const generatedInDatabase = table.columns.filter((column) => column.generated && backupColumns.has(column.name));
    difference.shape.push(...generatedInDatabase.map((column) => `${column.name} holds data in the backup but is generated in the database`));
  }
  const differs = difference.onlyInBackup.length + difference.onlyInDatabase.length + difference.typeChanged.length + difference.shape.length > 0;
  return differs ? difference : null;
}

export function hasDifferences(differences: SchemaDifferences): boolean {
  return differences.migrations !== null || differences.tablesOnlyInBackup.length > 0 || differences.columns.length > 0;
}

/** One line per difference, for messages and the report. */
export function describeDifferences(differences: SchemaDifferences): string[] {
  const lines: string[] = [];
  const list = (names: string[]) => (names.length > 0 ? names.join(", ") : "(none)");
  if (differences.migrations) {
    lines.push(`migrations applied when the backup was taken: ${list(differences.migrations.backup)}`);
    lines.push(`migrations applied in the target database: ${list(differences.migrations.database)}`);
  }
  for (const table of differences.tablesOnlyInBackup) lines.push(`table ${table} is in the backup but not in the database`);
  for (const column of differences.columns) {
    if (column.onlyInBackup.length > 0) lines.push(`${column.table}: columns only in the backup: ${column.onlyInBackup.join(", ")}`);
    if (column.onlyInDatabase.length > 0) lines.push(`${column.table}: columns only in the database: ${column.onlyInDatabase.join(", ")}`);
    for (const change of column.typeChanged) {
      lines.push(`${column.table}.${change.column}: ${change.backup} in the backup, ${change.database} in the database`);
    }
    for (const shape of column.shape) lines.push(`${column.table}: ${shape}`);
  }
  return lines;
}
