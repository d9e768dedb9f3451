// The plan of a migration run: the pending migrations, analysed in order on
// the schema the target database's catalog describes (tables created by an
// earlier pending one are new), the baseline file's suppressions applied,
// findings evaluated against the live data, and the tables whose row counts
// may legitimately fall.
import type pg from "pg";
import { analyzeMigrations, type MigrationAnalysis } from "./analyze.ts";
import { OperationError } from "../errors.ts";
import { applyBaseline, readBaseline } from "./baseline.ts";
import { ENGINE_DESCRIPTION } from "./engine.ts";
import { isBlocking, type Finding } from "./findings.ts";
import { evaluateFindings } from "./live-checks.ts";
import { readCatalogModel } from "./live-schema.ts";
import type { PrismaProject } from "./prisma-project.ts";
import { formatAnalyses } from "./report.ts";
import { migrationNames, readMigrationSource } from "./sources.ts";

export interface MigrationPlan {
  pending: string[];
  analyses: MigrationAnalysis[];
  /** Every finding, with live results unless skipped. */
  findings: Finding[];
  blocking: Finding[];
  declaredRowLoss: string[];
  liveChecks: "done" | "skipped";
  notes: string[];
  engine: string;
}

export interface PlanOptions {
  skipLiveChecks: boolean;
  liveCheckTimeoutMs: number;
}

export async function buildPlan(pool: pg.Pool, project: PrismaProject, schema: string, pending: string[], options: PlanOptions): Promise<MigrationPlan> {
  const sources = pending.map((name) => readMigrationSource(project.migrationsDir, name));
  const model = await readCatalogModel(pool, schema);
  let staticAnalyses = await analyzeMigrations(sources, { engine: project.engine.engine, model, carryCreatedTables: true });
  // A pending migration PostgreSQL cannot parse would fail midway in Prisma: refuse before anything runs.
  const broken = staticAnalyses.find((analysis) => analysis.error);
  if (broken?.error) throw new OperationError(`${broken.error.message} Nothing was changed.`);
  const notes: string[] = [];
  const baseline = readBaseline(project.baselineFile, false);
  if (baseline) {
    const outcome = applyBaseline(staticAnalyses, baseline, new Set(migrationNames(project.migrationsDir)), false);
    staticAnalyses = outcome.analyses;
    notes.push(...outcome.warnings);
  }
  const analyses: MigrationAnalysis[] = [];
  for (const analysis of staticAnalyses) {
    if (options.skipLiveChecks) {
      analyses.push(analysis);
      continue;
    }
    const live = await evaluateFindings(pool, analysis.findings, { timeoutMs: options.liveCheckTimeoutMs });
    notes.push(...live.notes);
    analyses.push({ ...analysis, findings: live.findings });
  }
  const findings = analyses.flatMap((analysis) => analysis.findings);
  return {
    pending,
    analyses,
    findings,
    blocking: findings.filter(isBlocking),
    declaredRowLoss: [...new Set(analyses.flatMap((analysis) => analysis.declaredRowLoss))],
    liveChecks: options.skipLiveChecks ? "skipped" : "done",
    notes,
    engine: `${ENGINE_DESCRIPTION[project.engine.engine]} — ${project.engine.source}`,
  };
}

export function formatPlan(plan: MigrationPlan): string[] {
  return [
    `Pending migrations (${plan.pending.length}), in the order prisma migrate deploy applies them:`,
    ...plan.pending.map((name) => `  ${name}`),
    `Schema engine: ${plan.engine}`,
    "",
    plan.liveChecks === "done" ? "Findings, checked against the live data:" : "Findings (static only: --skip-live-checks):",
    ...formatAnalyses(plan.analyses).map((line) => `  ${line}`),
    ...plan.notes.map((note) => `  note: ${note}`),
    ...(plan.declaredRowLoss.length > 0 ? [`  Tables the plan declares may lose rows: ${plan.declaredRowLoss.join(", ")}`] : []),
  ];
}
