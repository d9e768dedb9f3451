// Finds migration files: a Prisma migrations directory (one sub-directory per
// migration, each with migration.sql), one migration's directory, or .sql files.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { MigrationSource } from "./analyze.ts";
import { UsageError } from "../errors.ts";

const MIGRATION_FILE = "migration.sql";

/** Prisma's migration directories under `dir`, in the order Prisma applies them (by name). */
export function migrationNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, MIGRATION_FILE)))
    .map((entry) => entry.name)
    .sort();
}

export function readMigrationSource(dir: string, name: string): MigrationSource {
  const file = path.join(dir, name, MIGRATION_FILE);
  return { name, file, sql: readFileSync(file, "utf8") };
}

/** Every migration named by the command-line paths, in order. */
export function collectSources(paths: string[]): MigrationSource[] {
  return paths.flatMap((given) => {
    if (!existsSync(given)) throw new UsageError(`${given} does not exist; pass a migrations directory, a migration's directory or a .sql file.`);
    if (statSync(given).isFile()) {
      if (!given.endsWith(".sql")) throw new UsageError(`${given} is not a .sql file; pass a migrations directory, a migration's directory or a .sql file.`);
      const name = path.basename(given) === MIGRATION_FILE ? path.basename(path.dirname(path.resolve(given))) : path.basename(given);
      return [{ name, file: given, sql: readFileSync(given, "utf8") }];
    }
    if (existsSync(path.join(given, MIGRATION_FILE))) return [readMigrationSource(path.dirname(given), path.basename(given))];
    const names = migrationNames(given);
    const looseSql = readdirSync(given).filter((entry) => entry.endsWith(".sql")).sort();
    if (names.length === 0 && looseSql.length === 0) throw new UsageError(`${given} holds no migrations (no */migration.sql and no .sql files).`);
    return [
      ...names.map((name) => readMigrationSource(given, name)),
      ...looseSql.map((entry) => ({ name: entry, file: path.join(given, entry), sql: readFileSync(path.join(given, entry), "utf8") })),
    ];
  });
}
