// db:lint-migrations: every migration analysed on its own (each one runs
// against a database where the earlier ones already exist).
import { analyzeMigrations, type MigrationAnalysis } from "./analyze.ts";
import { isBlocking } from "./findings.ts";
import { collectSources } from "./sources.ts";

export interface LintResult {
  analyses: MigrationAnalysis[];
  blocking: number;
}

export async function lintMigrations(paths: string[]): Promise<LintResult> {
  const analyses = await analyzeMigrations(collectSources(paths), { carryCreatedTables: false });
  const blocking = analyses.flatMap((analysis) => analysis.findings).filter(isBlocking).length;
  return { analyses, blocking };
}
