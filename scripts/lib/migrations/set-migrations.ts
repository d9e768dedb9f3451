// Rebuilding the schema a backup set was taken at, from the project's
// migrations: exactly the migrations the set's summary lists as applied, in
// order — each local migration.sql first checked against the checksum Prisma
// recorded in the set's own _prisma_migrations rows, so a migration edited or
// removed since the backup is named instead of silently building another
// schema. The restore drill and db:restore --create-database both build their
// database this way (buildDatabaseFromSet).
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readTableRows, type BackupSummary, type BackupTableEntry } from "../backup/index.ts";
import { OperationError } from "../errors.ts";
import { localMigrations, MIGRATIONS_TABLE } from "../migrations-state.ts";
import { runPrismaCliCaptured } from "../prisma-cli.ts";
import { redactCredentials } from "../redact.ts";
import { tableKey } from "../tables.ts";
import type { PrismaProject } from "./prisma-project.ts";

/** Which step refused: the local files do not match the set, or applying them failed. */
export type SetMigrationsStep = "migration-files" | "migrations-applied";

export class SetMigrationsError extends OperationError {
  override name = "SetMigrationsError";
  constructor(
    readonly step: SetMigrationsStep,
    message: string,
  ) {
    super(message);
  }
}

/** The set's _prisma_migrations file: in the schema its summary says the history was read from. */
export function migrationsEntry(summary: BackupSummary): BackupTableEntry | null {
  const table = summary.migrations.table;
  if (table === null) return null;
  return (
    summary.tables.find((entry) =>
      table === undefined ? entry.name === MIGRATIONS_TABLE && entry.schema === summary.database.schema : tableKey(entry) === table,
    ) ?? null
  );
}

/** The schema of the set's migration history (the ?schema= of a database built from it). */
export function migrationsSchema(summary: BackupSummary): string {
  return migrationsEntry(summary)?.schema ?? summary.database.schema;
}

interface MigrationRecord {
  migration_name: string;
  checksum: string;
  finished_at: string | null;
  rolled_back_at: string | null;
}

/** The checksum of each migration the set's _prisma_migrations records as applied (finished, not rolled back). */
async function recordedChecksums(summaryPath: string, entry: BackupTableEntry, encryptionKey: string | undefined): Promise<Map<string, string>> {
  const checksums = new Map<string, string>();
  for await (const text of readTableRows(summaryPath, entry, { encryptionKey })) {
    const row = JSON.parse(text) as Partial<MigrationRecord>;
    if (typeof row.migration_name === "string" && typeof row.checksum === "string" && row.finished_at && !row.rolled_back_at) {
      checksums.set(row.migration_name, row.checksum);
    }
  }
  return checksums;
}

/** One sentence per applied migration whose local file is missing or differs from the set's record. */
async function migrationFileProblems(summaryPath: string, summary: BackupSummary, project: PrismaProject, encryptionKey?: string): Promise<string[]> {
  const where = `in the set's ${MIGRATIONS_TABLE}`;
  if (summary.migrations.table === null) {
    return [`the set's database had no ${MIGRATIONS_TABLE} (not managed by Prisma Migrate): its schema cannot be rebuilt from migrations`];
  }
  const entry = migrationsEntry(summary);
  if (!entry) {
    return [`the set does not hold ${MIGRATIONS_TABLE} (taken with --tables or --exclude-tables): the migration files cannot be checked against it`];
  }
  if (summary.migrations.failed.length > 0) {
    return [`migration ${summary.migrations.failed.join(", ")} was marked failed when the backup was taken: the schema it left half-applied cannot be rebuilt from the migrations`];
  }
  const checksums = await recordedChecksums(summaryPath, entry, encryptionKey);
  const local = new Set(await localMigrations(project.migrationsDir));
  const problems: string[] = [];
  for (const name of summary.migrations.applied) {
    const recorded = checksums.get(name);
    const file = path.join(project.migrationsDir, name, "migration.sql");
    if (!local.has(name)) {
      problems.push(`migration ${name} was applied when the backup was taken but its directory is missing from ${project.migrationsDir} (restore it from git: git log --all -- '*${name}*')`);
    } else if (recorded === undefined) {
      problems.push(`migration ${name} is listed as applied by the summary but has no finished record ${where}: the set is inconsistent`);
    } else if (createHash("sha256").update(readFileSync(file)).digest("hex") !== recorded) {
      problems.push(`migration ${name} was edited after the backup was taken (${file} differs from the checksum ${where}; restore the deployed version: git log -p -- ${file})`);
    }
  }
  return problems;
}

/** A Prisma project holding copies of exactly `applied`, its config importing the project's own (the adapter, the engine). */
function projectOfExactly(applied: string[], project: PrismaProject, workDir: string): { config: string; remove(): void } {
  const dir = mkdtempSync(path.join(workDir, "pdg-set-migrations-"));
  const migrations = path.join(dir, "migrations");
  for (const name of applied) cpSync(path.join(project.migrationsDir, name), path.join(migrations, name), { recursive: true });
  const lock = path.join(project.migrationsDir, "migration_lock.toml");
  if (existsSync(lock)) cpSync(lock, path.join(migrations, "migration_lock.toml"));
  const config = path.join(dir, "prisma.config.ts");
  const base = path.dirname(project.configPath);
  writeFileSync(
    config,
    `// The migrations a backup set was taken at, with the project's Prisma config.\n` +
      `import path from "node:path";\n` +
      `import base from ${JSON.stringify(project.configPath)};\n` +
      `export default { ...base, schema: path.resolve(${JSON.stringify(base)}, base.schema ?? "prisma/schema.prisma"), ` +
      `migrations: { ...base.migrations, path: ${JSON.stringify(migrations)} } };\n`,
  );
  return { config, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Builds the set's schema in the (empty) database at `url`: checks the local
 * migration files against the set, then `prisma migrate deploy` of exactly
 * the set's applied migrations (copied into a temporary project under
 * `workDir`). Returns them; throws a SetMigrationsError naming every problem otherwise.
 */
export async function buildDatabaseFromSet(
  url: string,
  set: { summaryPath: string; summary: BackupSummary; encryptionKey?: string },
  project: PrismaProject,
  workDir = os.tmpdir(),
): Promise<string[]> {
  const problems = await migrationFileProblems(set.summaryPath, set.summary, project, set.encryptionKey);
  if (problems.length > 0) throw new SetMigrationsError("migration-files", problems.join("; "));
  const applied = set.summary.migrations.applied;
  const exactly = projectOfExactly(applied, project, workDir);
  try {
    // TMPDIR: the CLI's config loader (jiti) leaves its cache there, which then goes with workDir.
    const result = await runPrismaCliCaptured(["migrate", "deploy", "--config", exactly.config], { env: { ...process.env, DATABASE_URL: url, TMPDIR: workDir } });
    if (result.code !== 0) {
      const reason = result.output.split("\n").filter((line) => /error|failed/i.test(line)).slice(0, 3).join(" ").trim() || `exit ${result.code}`;
      throw new SetMigrationsError("migrations-applied", `prisma migrate deploy of the set's ${applied.length} migrations failed: ${redactCredentials(reason)}`);
    }
  } finally {
    exactly.remove();
  }
  return applied;
}

/** Migrations of the project the set had not applied (to deploy after restoring it), in order. */
export async function migrationsAfterSet(summary: BackupSummary, project: PrismaProject): Promise<string[]> {
  const applied = new Set(summary.migrations.applied);
  return (await localMigrations(project.migrationsDir)).filter((name) => !applied.has(name));
}

/** `url` with the set's history schema as ?schema= when it is not public (where Prisma then keeps _prisma_migrations). */
export function urlWithHistorySchema(url: string, summary: BackupSummary): string {
  const schema = migrationsSchema(summary);
  if (schema === "public") return url;
  const parsed = new URL(url);
  parsed.searchParams.set("schema", schema);
  return parsed.toString();
}
