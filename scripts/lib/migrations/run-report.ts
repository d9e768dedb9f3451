// The JSON report of a migration run (backups/migration-report-<timestamp>.json):
// the plan, findings, row counts before and after, the backup used, the outcome.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { redactForLog } from "../redact.ts";
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

/** Writes the report (mode 0600: it holds statement text and table names) and returns its path. */
export function writeRunReport(report: MigrationRunReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `migration-report-${fileTimestamp(new Date(report.startedAt))}.json`);
  writeFileSync(file, `${JSON.stringify({ ...report, reportPath: file }, null, 2)}\n`, { mode: 0o600 });
  return file;
}
