// `pnpm run db:diff-backup A [B | --against-db]`: which rows differ between
// two backup sets, or between a set and the live database; exit 0 when
// nothing differs, 1 when something does.
import { commaList, createReporter, defineCommand, EXIT_FAILED, positiveInteger, runCli } from "./lib/cli.ts";
import { requireDatabaseUrl } from "./lib/config.ts";
import { encryptionKeyFromEnv } from "./lib/backup/command.ts";
import { defaultBackupDir } from "./lib/backup/index.ts";
import { diffBackups, formatDiffReport } from "./lib/backup-diff/index.ts";

const program = defineCommand(
  "db:diff-backup",
  "Compare two backup sets (or a set and the live database) row by row: rows only in one, rows changed and in which columns, per table.",
)
  .argument("<a>", 'a set: a backup-summary-<timestamp>.json (a path or s3://bucket/prefix/…), "latest", or "latest~N" (N sets before the newest)')
  .argument("[b]", "the set to compare it with (as for A); or use --against-db")
  .option("--against-db", "compare A with the database in DATABASE_URL instead of a second set")
  .option("--dir <location>", "where latest is looked for: a directory or s3://bucket/prefix (default: $BACKUP_DIR or backups/)")
  .option("--tables <names>", "only these tables (table, schema.table, model or file name), comma-separated", commaList)
  .option("--show <n>", "keys shown per table and kind of difference", positiveInteger("--show"), 10)
  .option("--json", "print the report as JSON on stdout (human output moves to stderr)")
  .parse();

// Interrupted: exit through process.exit, so the diff's scratch files are removed by its exit handler.
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) process.once(signal, () => process.exit(code));

await runCli(async () => {
  const options = program.opts<{ againstDb?: boolean; dir?: string; tables?: string[]; show: number; json?: boolean }>();
  const reporter = createReporter(options.json ?? false);
  const [a, b] = program.args as [string, string | undefined];
  const report = await diffBackups({
    a,
    b,
    againstDb: options.againstDb ? requireDatabaseUrl() : undefined,
    backupDir: options.dir ?? defaultBackupDir(),
    tables: options.tables,
    show: options.show,
    encryptionKey: encryptionKeyFromEnv(),
  });
  for (const line of formatDiffReport(report)) reporter.info(line);
  reporter.result(report);
  return report.differs ? EXIT_FAILED : undefined;
});
