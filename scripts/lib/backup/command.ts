// What db:backup and db:pre-migration-backup share: options, the encryption
// key from the environment, SIGINT/SIGTERM handling, progress and the report.
import type { Command } from "commander";
import { commaList, createReporter, positiveInteger, type Reporter } from "../cli.ts";
import { requireDatabaseUrl } from "../config.ts";
import { retentionPolicyFromEnv } from "../retention/policy.ts";
import { resolveLocation } from "../repository/index.ts";
import { formatBytes } from "../status/format.ts";
import { pruneAfterBackup } from "../retention/report.ts";
import { createBackup } from "./create-backup.ts";
import { ENCRYPTION_KEY_VARIABLE } from "./encryption.ts";
import { createProgressPrinter } from "./progress.ts";
import { defaultBackupDir, entryLabel, summarySchemas, type BackupKind, type BackupSummary } from "./summary.ts";

export interface BackupCommandOptions {
  out?: string;
  schemas?: string[];
  tables?: string[];
  excludeTables?: string[];
  gzip?: boolean;
  jobs?: number;
  json?: boolean;
}

/** The options both backup commands take. */
export function withBackupOptions(command: Command): Command {
  return command
    .option("--out <location>", "directory or s3://bucket/prefix for the backup set (default: $BACKUP_DIR or backups/)")
    .option(
      "--schemas <names>",
      "the schemas to back up, comma-separated, the first one primary (default: the Prisma datasource's schemas, else DATABASE_URL's ?schema=, else public)",
      commaList,
    )
    .option("--tables <names>", "only these tables (comma-separated, as the database names them; schema.table outside the primary schema)", commaList)
    .option("--exclude-tables <names>", "every table except these (comma-separated)", commaList)
    .option("--gzip", "compress each table file (.json.gz)")
    .option(
      "--jobs <n>",
      "read the tables over n connections sharing one snapshot, large tables in ctid ranges, converted on n worker threads (default 1)",
      positiveInteger("--jobs"),
    )
    .option("--json", "print the summary as JSON on stdout (human output moves to stderr)");
}

/** The secret from the environment; an empty value (an unset CI secret) counts as unset. */
export function encryptionKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ENCRYPTION_KEY_VARIABLE];
  return value && value.trim() ? value : undefined;
}

/** Aborts on the first SIGINT/SIGTERM (the backup cleans up); a second one exits at once. */
function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${name} received: stopping the backup and removing its partial files…\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

function printSummary(reporter: Reporter, summaryPath: string, summary: BackupSummary): void {
  const rows = summary.tables.reduce((sum, table) => sum + table.rows, 0);
  const bytes = summary.tables.reduce((sum, table) => sum + table.bytes, 0);
  const layers = [summary.compression, summary.encryption?.algorithm].filter(Boolean).join(" + ") || "plain JSON";
  reporter.info(`backup set complete: ${summaryPath}`);
  reporter.info(
    `  ${summary.kind}, ${summary.tables.length} tables, ${rows} rows, ${formatBytes(bytes)} (${layers}), ${(summary.durationMs / 1000).toFixed(1)} s`,
  );
  for (const table of summary.tables) reporter.info(`  ${entryLabel(summary, table).padEnd(22)} ${String(table.rows).padStart(10)} rows  ${table.file}`);
  reporter.info(`  ${summary.sequences?.length ?? 0} sequences recorded; schemas: ${summarySchemas(summary).join(", ")}`);
  for (const warning of summary.warnings ?? []) reporter.warn(warning);
}

export async function runBackupCommand(kind: BackupKind, options: BackupCommandOptions): Promise<{ reporter: Reporter; summary: BackupSummary }> {
  const target = requireDatabaseUrl();
  // A malformed BACKUP_RETENTION is a configuration error before anything is written.
  retentionPolicyFromEnv();
  const reporter = createReporter(options.json ?? false);
  const outDir = options.out ? resolveLocation(options.out) : defaultBackupDir();
  const encryptionKey = encryptionKeyFromEnv();
  if (!encryptionKey) reporter.warn(`${ENCRYPTION_KEY_VARIABLE} is not set: the backup files are not encrypted (they hold emails and wallet addresses).`);

  const tty = process.stderr.isTTY === true;
  const progress = createProgressPrinter({ tty, write: (text) => (tty ? process.stderr.write(text) : reporter.info(text.trimEnd())) });
  const interruption = abortOnSignals();
  reporter.info(`backing up ${target.host}:${target.port}/${target.database} into ${outDir} (${kind})`);
  try {
    const { summaryPath, summary } = await createBackup({
      target,
      outDir,
      kind,
      schemas: options.schemas,
      tables: options.tables,
      excludeTables: options.excludeTables,
      gzip: options.gzip ?? false,
      jobs: options.jobs,
      encryptionKey,
      onProgress: (p) => progress.onProgress(p),
      signal: interruption.signal,
    });
    progress.finish(true);
    printSummary(reporter, summaryPath, summary);
    await pruneAfterBackup(outDir, reporter);
    reporter.result({ summaryPath, ...summary });
    return { reporter, summary };
  } catch (error) {
    progress.finish(false);
    throw error;
  } finally {
    interruption.dispose();
  }
}
