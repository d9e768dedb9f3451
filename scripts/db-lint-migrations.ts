// `pnpm run db:lint-migrations [DIR_OR_FILE…]`: static analysis of migration
// files for pull-request CI. No database needed. Exit 1 on any unsuppressed
// data-loss finding.
import path from "node:path";
import { createReporter, defineCommand, EXIT_FAILED, EXIT_OK, runCli } from "./lib/cli.ts";
import { PROJECT_ROOT } from "./lib/config.ts";
import { lintMigrations } from "./lib/migrations/lint.ts";
import { RULES } from "./lib/migrations/rules/catalog.ts";
import { formatAnalyses, githubAnnotations } from "./lib/migrations/report.ts";

const program = defineCommand("db:lint-migrations", "Analyse migration SQL with PostgreSQL's parser; exit 1 on unsuppressed data-loss findings")
  .argument("[paths...]", "migrations directory, migration directory or .sql file", [path.relative(process.cwd(), path.join(PROJECT_ROOT, "prisma", "migrations")) || "."])
  .option("--json", "print the findings as JSON on stdout")
  .addHelpText("after", `
Suppress an intended change in the migration file, on the line(s) before the statement:
  -- safe-migrate: allow drop-column  <why>
or once for the whole file:
  -- safe-migrate: allow-file drop-table, drop-column  <why>
Rules (id: usual severity — title):
${Object.entries(RULES).map(([id, rule]) => `  ${id}: ${rule.severity} — ${rule.title}`).join("\n")}
Exit codes: 0 no blocking finding; 1 unsuppressed data-loss findings, or SQL PostgreSQL cannot parse;
2 usage error (e.g. a path that does not exist).`)
  .parse();

await runCli(async () => {
  const options = program.opts<{ json?: boolean }>();
  const reporter = createReporter(Boolean(options.json));
  const result = await lintMigrations(program.processedArgs[0] as string[]);
  for (const line of formatAnalyses(result.analyses)) reporter.info(line);
  if (process.env.GITHUB_ACTIONS === "true") {
    const out = options.json ? process.stderr : process.stdout;
    for (const line of githubAnnotations(result.analyses.flatMap((analysis) => analysis.findings))) out.write(`${line}\n`);
  }
  reporter.result(result);
  if (result.blocking > 0) {
    reporter.info(`${result.blocking} unsuppressed data-loss finding(s): change the migration, or add "-- safe-migrate: allow <rule-id> <why>" before the statement if the loss is intended.`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
});
