// The JSON report of a migration run (migration-report-<timestamp>.json in the backup location):
// the plan, findings, row counts before and after, the backup used, the outcome.
import { redactForLog } from "../redact.ts";
import { openRepository, writeObjectText } from "../repository/index.ts";
import type { Finding } from "./findings.ts";
import type { CountChange, RowCounts } from "./integrity.ts";

export type MigrationOutcome = "nothing-pending" | "dry-run" | "blocked" | "applied" | "rows-lost" | "failed";

export interface MigrationRunReport {
  command: string;
  startedAt: string;
  finishedAt: string;
  /** host:port/database, never credentials. */
  database: string;
  outcome: MigrationOutcome;
  pending: string[];
  liveChecks: "done" | "skipped";
  findings: Finding[];
  declaredRowLoss: string[];
  allowedDataLoss: boolean;
  backup: { summaryPath: string } | null;
  counts: { before: RowCounts; after: RowCounts } | null;
  decreases: CountChange[];
  unexpectedDecreases: CountChange[];
  prismaOutput: string | null;
  guidance: string[];
  reportPath: string | null;
}

/** 2026-11-28T16-20-33-123Z: sortable and valid in file names everywhere. */
function fileTimestamp(date: Date): string {
  return date.toISOString().replaceAll(":", "-").replace(".", "-");
}

/** The report as it may be written or printed: credentials, emails and wallets masked in free text. */
export function redactReport(report: MigrationRunReport): MigrationRunReport {
  return {
    ...report,
    findings: report.findings.map((finding) => ({
      ...finding,
      statement: redactForLog(finding.statement),
      ...(finding.liveResult ? { liveResult: { ...finding.liveResult, summary: redactForLog(finding.liveResult.summary) } } : {}),
    })),
    prismaOutput: report.prismaOutput === null ? null : redactForLog(report.prismaOutput),
    guidance: report.guidance.map(redactForLog),
  };
}

/** Writes the report next to the backups (owner-only: it holds statement text and table names) and returns its location. */
export async function writeRunReport(report: MigrationRunReport, dir: string): Promise<string> {
  const repository = openRepository(dir);
  await repository.prepareForWriting();
  const name = `migration-report-${fileTimestamp(new Date(report.startedAt))}.json`;
  return writeObjectText(repository, name, `${JSON.stringify({ ...report, reportPath: repository.locationOf(name) }, null, 2)}\n`);
}
