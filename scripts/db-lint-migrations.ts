// `pnpm run db:lint-migrations [DIR_OR_FILE…]`: static analysis of migration
// files for pull-request CI. No database needed. Exit 1 on any unsuppressed
// data-loss finding that the baseline does not record, or on SQL PostgreSQL
// cannot parse (every other file is still analysed).
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Option } from "commander";
import { createReporter, defineCommand, EXIT_FAILED, EXIT_OK, runCli } from "./lib/cli.ts";
import { PROJECT_ROOT } from "./lib/config.ts";
import { exitCodeOf } from "./lib/errors.ts";
import { defaultBaselinePath } from "./lib/migrations/baseline.ts";
import { ENGINE_DESCRIPTION, engineOfConfig } from "./lib/migrations/engine.ts";
import { lintMigrations } from "./lib/migrations/lint.ts";
import { PROJECT_PRISMA_CONFIG } from "./lib/prisma-config.ts";
import { formatAnalyses, githubAnnotations } from "./lib/migrations/report.ts";
import { RULES } from "./lib/migrations/rules/catalog.ts";
import { sarifFailure, sarifLog } from "./lib/migrations/sarif.ts";

type Format = "text" | "json" | "sarif";
const DEFAULT_MIGRATIONS = path.relative(process.cwd(), path.join(PROJECT_ROOT, "prisma", "migrations")) || ".";
const argv = process.argv.slice(2).join(" ");
const machineOutput: Format = /--format[= ]sarif\b/.test(argv) ? "sarif" : process.argv.includes("--json") || /--format[= ]json\b/.test(argv) ? "json" : "text";

/** What a machine format prints when the run could not happen: the report is never missing. */
function failureReport(as: Format, message: string, exitCode: number): string {
  return JSON.stringify(as === "sarif" ? sarifFailure(message, toolVersion()) : { error: message, exitCode });
}

const program = defineCommand("db:lint-migrations", "Analyse migration SQL with PostgreSQL's parser; exit 1 on unsuppressed data-loss findings")
  .argument("[paths...]", "migrations directory, migration directory or .sql file", [DEFAULT_MIGRATIONS])
  .addOption(new Option("--format <format>", "output: text, json (the report) or sarif (SARIF 2.1.0 for GitHub code scanning) on stdout").choices(["text", "json", "sarif"]).default("text"))
  .option("--json", "the same as --format json")
  .option("--changed-from <ref>", "report only migrations added or modified since this git ref (the history before them is still read)")
  .option("--baseline <file>", "the baseline file: recorded findings do not fail, its suppressions apply (default: safe-migrate-baseline.json beside the migrations directory, when it exists)")
  .option("--write-baseline", "record today's findings in the baseline file (keeping its suppressions) and exit 0")
  .option("--config <file>", "the prisma.config.ts whose schema engine decides how migration.sql runs (default: the project's)")
  .configureOutput({
    outputError: (text, write) => {
      write(text);
      if (machineOutput !== "text") process.stdout.write(`${failureReport(machineOutput, text.trim().split("\n")[0]!, 2)}\n`);
    },
  })
  .addHelpText("after", `
Suppress an intended change in the migration file, on the line(s) before the statement:
  -- safe-migrate: allow drop-column  <why>
or once for the whole file:
  -- safe-migrate: allow-file drop-table, drop-column  <why>
or, without editing the migration (applied migrations keep their checksum), in the baseline file:
  "suppressions": [{ "migration": "<directory name>", "rule": "drop-column", "line": 12, "reason": "<why>" }]
Rules (id: usual severity — title):
${Object.entries(RULES).map(([id, rule]) => `  ${id}: ${rule.severity} — ${rule.title}`).join("\n")}
Exit codes: 0 no blocking finding; 1 unsuppressed data-loss findings (not in the baseline), or SQL PostgreSQL
cannot parse; 2 usage error (e.g. a path that does not exist, an unknown git ref).`)
  .parse();

interface Options {
  format: Format;
  json?: boolean;
  changedFrom?: string;
  baseline?: string;
  writeBaseline?: boolean;
  config?: string;
}

const options = program.opts<Options>();
const format: Format = options.json ? "json" : options.format;

function toolVersion(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

function baselineOption(paths: string[]): { file: string; required: boolean } | undefined {
  if (options.baseline) return { file: path.resolve(options.baseline), required: true };
  const first = paths[0];
  if (first === undefined || !statSync(first, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  return { file: defaultBaselinePath(first), required: false };
}

await runCli(async () => {
  const reporter = createReporter(format !== "text");
  try {
    const paths = program.processedArgs[0] as string[];
    const engine = await engineOfConfig(path.resolve(options.config ?? PROJECT_PRISMA_CONFIG));
    const result = await lintMigrations({
      paths,
      engine,
      ...(options.changedFrom ? { changedFrom: options.changedFrom } : {}),
      ...(baselineOption(paths) ? { baseline: baselineOption(paths)! } : {}),
      writeBaseline: Boolean(options.writeBaseline),
    });
    reporter.info(`Schema engine: ${ENGINE_DESCRIPTION[engine.engine]} (${engine.source})`);
    if (result.changedFrom) {
      reporter.info(`Changed since ${result.changedFrom.ref} (merge base ${result.changedFrom.base.slice(0, 12)}): ${result.changedFrom.migrations.join(", ") || "no migration"}`);
    }
    for (const line of formatAnalyses(result.analyses)) reporter.info(line);
    for (const note of result.notes) reporter.info(`note: ${note}`);
    if (process.env.GITHUB_ACTIONS === "true") {
      const out = format === "text" ? process.stdout : process.stderr;
      for (const line of githubAnnotations(result.analyses)) out.write(`${line}\n`);
    }
    if (format === "sarif") process.stdout.write(`${JSON.stringify(sarifLog(result, toolVersion()), null, 2)}\n`);
    else reporter.result(result);
    if (result.wroteBaseline) {
      reporter.info(`Wrote ${result.wroteBaseline.findings} finding(s) to ${result.wroteBaseline.file}: from now on only new findings fail. Commit the file.`);
      return EXIT_OK;
    }
    if (result.unparsable > 0) reporter.info(`${result.unparsable} migration file(s) PostgreSQL cannot parse: fix the SQL (file and line above).`);
    if (result.blocking > 0) {
      reporter.info(`${result.blocking} unsuppressed data-loss finding(s): change the migration, or add "-- safe-migrate: allow <rule-id> <why>" before the statement (or a suppression in the baseline file for an applied migration) if the loss is intended.`);
    }
    return result.blocking > 0 || result.unparsable > 0 ? EXIT_FAILED : EXIT_OK;
  } catch (error) {
    // A report is always printed in the machine formats, also when the run could not happen.
    if (format !== "text") process.stdout.write(`${failureReport(format, error instanceof Error ? error.message : String(error), exitCodeOf(error))}\n`);
    throw error;
  }
});
