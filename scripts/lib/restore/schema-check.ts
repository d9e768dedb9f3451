// A backup set is compared with the target before anything is loaded: the
// applied migrations (from _prisma_migrations on both sides) and, table by
// table, the columns. Differences are reported; they refuse the restore
// unless the user accepts them with --allow-schema-mismatch.
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

export function compareColumns(entry: BackupTableEntry, table: TableInfo): ColumnDifference | null {
  const databaseColumns = new Map(table.columns.map((column) => [column.name, column]));
  const backupColumns = new Map(entry.columns.map((column) => [column.name, column]));
  const difference: ColumnDifference = {
    table: table.name,
    onlyInBackup: entry.columns.filter((column) => !databaseColumns.has(column.name)).map((column) => column.name),
    onlyInDatabase: table.columns.filter((column) => !backupColumns.has(column.name)).map((column) => column.name),
    typeChanged: entry.columns.flatMap((column) => {
      const current = databaseColumns.get(column.name);
      return current && current.type !== column.type ? [{ column: column.name, backup: column.type, database: current.type }] : [];
    }),
  };
  const differs = difference.onlyInBackup.length + difference.onlyInDatabase.length + difference.typeChanged.length > 0;
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
  }
  return lines;
}
