// db:restore --create-database NAME: the lost-database recovery in one
// command. On the server DATABASE_URL points at, create NAME (refused, with
// nothing changed, when it exists), build the set's schema from the
// project's migrations exactly as the restore drill does
// (migrations/set-migrations.ts), restore the set into it in --mode empty,
// and say what to do next: the new database's URL (password redacted), the
// migrations the set had not applied yet, and the command that deploys them.
// Any failure drops the half-built database.
import pg from "pg";
import { readSummary, resolveSummaryPath } from "../backup/index.ts";
import { parseDatabaseUrl, type DatabaseTarget } from "../config.ts";
import { createDatabase, dropDatabase } from "../database-admin.ts";
import { describeDatabaseError, OperationError, UsageError } from "../errors.ts";
import { shellQuote, type PrismaProject } from "../migrations/prisma-project.ts";
import { buildDatabaseFromSet, migrationsAfterSet, urlWithHistorySchema } from "../migrations/set-migrations.ts";
import { redactCredentials } from "../redact.ts";
import { restoreBackup, type RestoreOptions, type RestoreReport } from "../restore/index.ts";

export interface CreateDatabaseOptions extends Pick<RestoreOptions, "from" | "backupDir" | "encryptionKey" | "jobs" | "lockTimeoutMs" | "onProgress" | "onStep" | "onTableDone"> {
  /** DATABASE_URL: any database on the server where NAME is created. */
  server: DatabaseTarget;
  name: string;
  project: PrismaProject;
}

export interface CreateDatabaseReport {
  /** The new database's URL, password redacted. */
  databaseUrl: string;
  /** The set's migrations, applied before the restore. */
  migrationsApplied: string[];
  /** Migrations in the project that the set had not applied: deploy them next. */
  migrationsNotApplied: string[];
  /** The command that deploys them into the new database (empty when there are none). */
  deployCommand: string | null;
  restore: RestoreReport;
}

async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

export async function restoreIntoNewDatabase(options: CreateDatabaseOptions): Promise<CreateDatabaseReport> {
  const { server, name } = options;
  if (!name.trim() || name.length > 63) throw new UsageError(`--create-database needs a database name of 1 to 63 characters (got "${name}")`);
  const summaryPath = await resolveSummaryPath(options.from, options.backupDir);
  const summary = await readSummary(summaryPath);
  const where = `${server.host}:${server.port}`;
  if (await databaseExists(server.url, name)) {
    throw new OperationError(
      `database "${name}" already exists on ${where}; nothing was changed. Choose a new name for --create-database, ` +
        `or restore into that database with DATABASE_URL pointing at it (pnpm run db:restore --from … --mode empty).`,
    );
  }
  options.onStep?.(`creating database "${name}" on ${where} …`);
  const url = urlWithHistorySchema(await createDatabase(server.url, name), summary);
  try {
    options.onStep?.(`applying the set's ${summary.migrations.applied.length} migrations from ${options.project.migrationsDir} …`);
    const applied = await buildDatabaseFromSet(url, { summaryPath, summary, encryptionKey: options.encryptionKey }, options.project);
    const restore = await restoreBackup({
      target: parseDatabaseUrl(url),
      from: summaryPath,
      backupDir: options.backupDir,
      mode: "empty",
      encryptionKey: options.encryptionKey,
      migrationsDir: options.project.migrationsDir,
      jobs: options.jobs,
      lockTimeoutMs: options.lockTimeoutMs,
      onProgress: options.onProgress,
      onStep: options.onStep,
      onTableDone: options.onTableDone,
    });
    const notApplied = await migrationsAfterSet(summary, options.project);
    const shown = redactCredentials(url);
    const config = options.project.cliArgs.map(shellQuote).join(" ");
    return {
      databaseUrl: shown,
      migrationsApplied: applied,
      migrationsNotApplied: notApplied,
      deployCommand: notApplied.length > 0 ? `DATABASE_URL=${shellQuote(shown)} pnpm run db:migrate-deploy${config ? ` ${config}` : ""}` : null,
      restore,
    };
  } catch (error) {
    await dropDatabase(server.url, name).catch(() => {});
    const reason = error instanceof OperationError || error instanceof UsageError ? error.message : describeDatabaseError(error);
    throw new OperationError(`${reason} — the half-built database "${name}" on ${where} was dropped`);
  }
}

/** What the command prints after the restore report. */
export function formatCreatedDatabase(report: CreateDatabaseReport): string[] {
  const lines = [`new database: ${report.databaseUrl} (the password is redacted: use the one of DATABASE_URL)`];
  lines.push(`migrations applied (as when the backup was taken): ${report.migrationsApplied.length}`);
  if (report.deployCommand) {
    lines.push(`migrations in prisma/migrations the backup had not applied: ${report.migrationsNotApplied.join(", ")}`);
    lines.push(`deploy them (with the password filled in): ${report.deployCommand}`);
  } else {
    lines.push("every migration in prisma/migrations was applied when the backup was taken: nothing to deploy");
  }
  lines.push("then point the app's DATABASE_URL at the new database and take a fresh backup: pnpm run db:backup --gzip");
  return lines;
}
