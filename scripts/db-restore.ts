// `pnpm run db:restore --from <backup-summary-….json | latest>`: restores a
// backup set into DATABASE_URL in one transaction (see scripts/lib/restore/).
import { Option } from "commander";
import { encryptionKeyFromEnv } from "./lib/backup/command.ts";
import { ENCRYPTION_KEY_VARIABLE, defaultBackupDir } from "./lib/backup/index.ts";
import { EXIT_FAILED, commaList, createReporter, defineCommand, positiveInteger, runCli, type Reporter } from "./lib/cli.ts";
import { requireDatabaseUrl } from "./lib/config.ts";
import { UsageError } from "./lib/errors.ts";
import { loadPrismaProject } from "./lib/migrations/prisma-project.ts";
import { formatCreatedDatabase, restoreIntoNewDatabase } from "./lib/recovery/create-database.ts";
import { RESTORE_MODES, formatReport, restoreBackup, type RestoreMode } from "./lib/restore/index.ts";
import { formatRowRecovery, parseRowSelector, recoverRows, type RowRecoveryOptions, type RowSelector } from "./lib/row-recovery/index.ts";

const PROGRESS_INTERVAL_MS = 2000;

const program = defineCommand("db:restore", "Restore a backup set into the database in DATABASE_URL, in one transaction.")
  .requiredOption("--from <summary>", 'backup-summary-<timestamp>.json to restore (a path or s3://bucket/prefix/…), or "latest"')
  .addOption(
    new Option("--mode <mode>", "empty: only into empty tables; skip-existing: add rows whose key is absent; replace: empty the tables first")
      .choices(RESTORE_MODES as RestoreMode[])
      .default("empty"),
  )
  .option("--tables <list>", "restore only these tables (table, model or file names, comma-separated; schema.table outside the set's primary schema)", commaList)
  .option(
    "--rows <TABLE:COLUMN=VALUE,…>",
    "put back these rows of the set and every row that depends on them (repeatable; the table named as --tables names it)",
    (value: string, previous: RowSelector[] = []) => [...previous, parseRowSelector(value)],
  )
  .option("--relink", "with --rows: put back foreign keys of live rows that ON DELETE SET NULL cut (else they are listed)", false)
  .option("--yes", "confirm --mode replace (a pre-restore backup of the replaced tables is taken first)", false)
  .option("--dry-run", "do everything inside a transaction that is rolled back: print the counts, change nothing", false)
  .option("--allow-schema-mismatch", "restore even when migrations or columns differ from the backup's", false)
  .option("--continue-on-conflict", "skip-existing and --rows: restore the other rows when some clash or lack a parent", false)
  .option(
    "--jobs <n>",
    "CPU cores to use, still in one transaction: n - 1 worker threads convert the rows, and each index build may use n - 1 parallel server workers",
    positiveInteger("--jobs"),
  )
  .option("--lock-timeout <seconds>", "how long to wait for other sessions' locks on the tables", positiveInteger("--lock-timeout"), 30)
  .option("--dir <location>", "backup location (directory or s3://bucket/prefix) for --from latest and the pre-restore backup (default: BACKUP_DIR or backups/)")
  .option(
    "--create-database <name>",
    "the database is lost: create NAME on DATABASE_URL's server (refused if it exists), apply the set's migrations, restore into it (dropped again on failure)",
  )
  .option("--config <file>", "with --create-database: the prisma.config.ts whose migrations are applied (default: the project's)")
  .option("--json", "print the report as JSON on stdout (human output goes to stderr)", false)
  .addHelpText(
    "after",
    `\nExit codes: 0 restored (or dry run that would succeed), 1 failed or refused (nothing changed; with --create-database the new database is dropped), 2 usage or configuration error.\n` +
      `Encrypted sets: the key is read from ${ENCRYPTION_KEY_VARIABLE}.`,
  );

interface Options {
  from: string;
  mode: RestoreMode;
  tables?: string[];
  rows?: RowSelector[];
  relink: boolean;
  yes: boolean;
  dryRun: boolean;
  allowSchemaMismatch: boolean;
  continueOnConflict: boolean;
  jobs?: number;
  lockTimeout: number;
  dir?: string;
  createDatabase?: string;
  config?: string;
  json: boolean;
}

await runCli(async () => {
  const options = program.parse().opts<Options>();
  const reporter = createReporter(options.json);
  const target = requireDatabaseUrl();
  let lastProgress = Date.now();
  const common = {
    from: options.from,
    backupDir: options.dir ?? defaultBackupDir(),
    encryptionKey: encryptionKeyFromEnv(),
    jobs: options.jobs,
    lockTimeoutMs: options.lockTimeout * 1000,
    onProgress: ({ table, rows, totalRows }: { table: string; rows: number; totalRows: number }) => {
      if (Date.now() - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = Date.now();
      reporter.info(`  ${table}: ${rows} of ${totalRows} rows`);
    },
    onStep: (message: string) => reporter.info(message),
    onTableDone: (table: { table: string; rows: number; inserted: number }) => reporter.info(`  ${table.table}: ${table.rows} rows read, ${table.inserted} inserted`),
  };
  if (options.createDatabase !== undefined) {
    const other = [options.mode !== "empty" && "--mode", options.tables && "--tables", options.rows && "--rows", options.relink && "--relink", options.dryRun && "--dry-run", options.allowSchemaMismatch && "--allow-schema-mismatch"].filter(Boolean);
    if (other.length > 0) throw new UsageError(`--create-database restores the whole set into a new database in --mode empty; ${other.join(", ")} cannot be combined with it`);
    const created = await restoreIntoNewDatabase({ ...common, server: target, name: options.createDatabase, project: await loadPrismaProject(options.config) });
    for (const line of [...formatReport(created.restore), ...formatCreatedDatabase(created)]) reporter.info(line);
    reporter.result(created);
    return;
  }
  if (options.config !== undefined) throw new UsageError("--config applies only with --create-database");
  if (options.rows) return putBackRows(options, { ...common, target }, reporter);
  if (options.relink) throw new UsageError("--relink applies only with --rows");
  const report = await restoreBackup({
    ...common,
    target,
    mode: options.mode,
    tables: options.tables,
    yes: options.yes,
    dryRun: options.dryRun,
    allowSchemaMismatch: options.allowSchemaMismatch,
    continueOnConflict: options.continueOnConflict,
  });
  for (const line of formatReport(report)) reporter.info(line);
  reporter.result(report);
  if (report.outcome === "refused") {
    reporter.warn(
      options.mode === "skip-existing"
        ? "some rows clash with existing rows or lack their parent row; nothing was changed. Fix them, or rerun with --continue-on-conflict to restore the rest."
        : "some rows reference parent rows that are neither in the restored tables nor in the database; nothing was changed. Add the parent tables to --tables, or use --mode skip-existing --continue-on-conflict.",
    );
    return EXIT_FAILED;
  }
});

/** --rows: row-level recovery (scripts/lib/row-recovery/). */
async function putBackRows(
  options: Options,
  common: Pick<RowRecoveryOptions, "target" | "from" | "backupDir" | "encryptionKey" | "lockTimeoutMs" | "onStep">,
  reporter: Reporter,
): Promise<number | undefined> {
  const other = [options.mode !== "empty" && "--mode", options.tables && "--tables", options.yes && "--yes", options.jobs !== undefined && "--jobs"].filter(Boolean);
  if (other.length > 0) throw new UsageError(`--rows puts back the chosen rows with what depends on them; ${other.join(", ")} cannot be combined with it`);
  const report = await recoverRows({
    ...common,
    selectors: options.rows!,
    relink: options.relink,
    dryRun: options.dryRun,
    allowSchemaMismatch: options.allowSchemaMismatch,
    continueOnConflict: options.continueOnConflict,
  });
  for (const line of formatRowRecovery(report)) reporter.info(line);
  reporter.result(report);
  if (report.outcome !== "refused") return undefined;
  reporter.warn("some rows clash with newer rows or lack their parent row; nothing was changed. Fix them, or rerun with --continue-on-conflict to put back the rest.");
  return EXIT_FAILED;
}
