// A drill's report: what was drilled, where, every check with its result and
// the steps' durations. It is written beside the set it drilled, as
// restore-drill-<set timestamp>-at-<drill timestamp>.json (mode 0600 in a
// directory), so that it belongs to the set: db:status reads it, retention
// keeps and deletes it with the set. Reports are read back as untrusted
// files: one that is not a drill report this tool wrote is ignored, and so is
// one that does not name the set's summary as it is now (a SHA-256 of its
// content). A report on an encrypted set carries an HMAC under a key derived
// from the set's key, as the summary does: without the key nobody can write a
// report that passes. An unencrypted set has no key to do this with (whoever
// can write its location can rewrite the set itself; DATABASE.md says so).
import { createHash } from "node:crypto";
import { existingSetKey, readSummary, WrongKeyError, type BackupSummary, type SetKey } from "../backup/index.ts";
import { backupTimestamp, drillReportFileName, summaryFileName, timestampsOfDrillReport } from "../backup/naming.ts";
import { authenticateDocument, documentAuthenticated, type DocumentAuthentication } from "../backup/summary-auth.ts";
import { openObject, openRepository, readObjectText, writeObjectText } from "../repository/index.ts";
import type { TableRowsCheck } from "./checks.ts";

export const DRILL_REPORT_VERSION = 1;

export type CheckName =
  | "summary"
  | "migration-files"
  | "migrations-applied"
  | "tables-created"
  | "restore"
  | "row-counts"
  | "row-digests"
  | "foreign-keys"
  | "unique-indexes"
  | "sequences"
  | "schema";

export interface DrillCheck {
  name: CheckName;
  outcome: "passed" | "failed" | "skipped";
  /** What was checked and found, one sentence; the problems, when it failed. */
  detail: string;
}

export interface DrillStep {
  name: string;
  durationMs: number;
}

export interface DrillReport {
  kind: "restore-drill";
  version: number;
  outcome: "passed" | "failed";
  /** The first failure, one sentence (null when passed). */
  failure: string | null;
  set: {
    summaryPath: string;
    timestamp: string;
    createdAt: string;
    kind: string;
    encrypted: boolean;
    compression: string | null;
    /** SHA-256 of the summary's content (summaryFingerprint): the report is of this summary only. */
    summaryFingerprint: string;
  };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  server: { kind: "embedded" | "server"; description: string; version: string } | null;
  /** The migrations rebuilt from prisma/migrations (the set's applied list). */
  migrations: string[];
  /** Left out with --exclude-tables: neither restored nor checked. */
  excludedTables: string[];
  checks: DrillCheck[];
  tables: TableRowsCheck[];
  steps: DrillStep[];
  /** Peak resident memory of the drill's own process (not the server's, nor Prisma's). */
  peakRssMb: number;
  /** Where this report was written, once it is. */
  reportPath: string | null;
  /** Encrypted sets: HMAC-SHA256 of the rest of the report under the set's key. */
  authentication?: DocumentAuthentication;
}

/** What a report names its set's summary by: the SHA-256 of its content, as compact JSON. */
export function summaryFingerprint(summary: BackupSummary): string {
  return createHash("sha256").update(JSON.stringify(summary)).digest("hex");
}

const REPORT_HMAC_LABEL = "prisma-data-guard drill report authentication";

/** Writes the report beside the set (authenticated under `setKey` for an encrypted set); returns its location. */
export async function writeDrillReport(report: DrillReport, setKey: SetKey | null): Promise<string> {
  const { repository } = openObject(report.set.summaryPath);
  const name = drillReportFileName(report.set.timestamp, backupTimestamp(new Date(report.finishedAt)));
  report.reportPath = repository.locationOf(name);
  if (setKey) report.authentication = authenticateDocument(report, setKey, REPORT_HMAC_LABEL);
  return writeObjectText(repository, name, `${JSON.stringify(report, null, 2)}\n`);
}

function isDrillReport(value: unknown, setTimestamp: string): value is DrillReport {
  const report = value as Partial<DrillReport> | null;
  return (
    typeof report === "object" && report !== null && report.kind === "restore-drill" && (report.outcome === "passed" || report.outcome === "failed") &&
    typeof report.finishedAt === "string" && !Number.isNaN(Date.parse(report.finishedAt)) && report.set?.timestamp === setTimestamp &&
    typeof report.set.summaryFingerprint === "string" && Array.isArray(report.checks)
  );
}

/**
 * An encrypted set's report, as its HMAC says under `encryptionKey`: "no key"
 * without one, "other key" when the key is not the set's (it cannot check it).
 */
export type ReportAuthenticity = "authenticated" | "no key" | "other key";

async function reportAuthenticity(
  report: DrillReport,
  encryption: NonNullable<BackupSummary["encryption"]>,
  encryptionKey: string | undefined,
  setName: string,
): Promise<ReportAuthenticity | "forged"> {
  if (encryptionKey === undefined) return "no key";
  let setKey: SetKey;
  try {
    setKey = await existingSetKey(encryptionKey, encryption, setName);
  } catch (error) {
    // Any other failure (an empty key, an algorithm this tool cannot use) leaves it unchecked, as no key does.
    return error instanceof WrongKeyError ? "other key" : "no key";
  }
  return documentAuthenticated(report, setKey, REPORT_HMAC_LABEL) ? "authenticated" : "forged";
}

export interface DrillRecord {
  /** Where the report is. */
  location: string;
  setTimestamp: string;
  outcome: "passed" | "failed";
  finishedAt: string;
  failure: string | null;
  /** Encrypted set: whether the report's HMAC held, or why it could not be checked. Unencrypted: null. */
  authenticity: ReportAuthenticity | null;
}

/**
 * Drill reports in `backupDir`, newest drill first (read one by one, as the
 * caller iterates); `setTimestamp` narrows them to one set's. Skipped: reports
 * that are unreadable, not of the set's summary as it is now (or of a set that
 * is gone), or whose HMAC fails under `encryptionKey`.
 */
export async function* drillRecords(backupDir: string, options: { setTimestamp?: string; encryptionKey?: string } = {}): AsyncGenerator<DrillRecord> {
  const repository = openRepository(backupDir);
  const summaries = new Map<string, Promise<BackupSummary | null>>();
  const summaryOf = (setTimestamp: string) => {
    let summary = summaries.get(setTimestamp);
    if (!summary) {
      summary = readSummary(repository.locationOf(summaryFileName(setTimestamp))).catch(() => null);
      summaries.set(setTimestamp, summary);
    }
    return summary;
  };
  const candidates = (await repository.list())
    .map((object) => ({ name: object.name, stamps: timestampsOfDrillReport(object.name) }))
    .filter((item) => item.stamps && (options.setTimestamp === undefined || item.stamps.set === options.setTimestamp))
    .sort((a, b) => b.stamps!.drill.localeCompare(a.stamps!.drill));
  for (const { name, stamps } of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(await readObjectText(repository, name));
    } catch {
      continue;
    }
    if (!isDrillReport(value, stamps!.set)) continue;
    const summary = await summaryOf(stamps!.set);
    if (!summary || value.set.summaryFingerprint !== summaryFingerprint(summary)) continue;
    const authenticity = summary.encryption ? await reportAuthenticity(value, summary.encryption, options.encryptionKey, summaryFileName(stamps!.set)) : null;
    if (authenticity === "forged") continue;
    yield { location: repository.locationOf(name), setTimestamp: stamps!.set, outcome: value.outcome, finishedAt: value.finishedAt, failure: value.failure, authenticity };
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Human-readable lines. */
export function formatDrillReport(report: DrillReport): string[] {
  const lines = [
    `restore drill ${report.outcome === "passed" ? "PASSED" : "FAILED"}: ${report.set.summaryPath}`,
    `  on ${report.server ? `${report.server.description}, PostgreSQL ${report.server.version}` : "(no server started)"}; ${seconds(report.durationMs)}`,
  ];
  for (const check of report.checks) lines.push(`  ${check.outcome.padEnd(7)} ${check.name.padEnd(18)} ${check.detail}`);
  for (const table of report.tables.filter((t) => !t.ok)) {
    lines.push(`  table ${table.table}: ${table.restoredRows} rows restored, ${table.backupRows} in the set, row digest ${table.digest}`);
  }
  if (report.excludedTables.length > 0) lines.push(`  excluded (--exclude-tables, not restored nor checked): ${report.excludedTables.join(", ")}`);
  lines.push(`  steps: ${report.steps.map((step) => `${step.name} ${seconds(step.durationMs)}`).join(", ")}`);
  if (report.reportPath) lines.push(`  report: ${report.reportPath}`);
  if (report.failure) lines.push(`  failure: ${report.failure}`);
  return lines;
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** The report as Markdown, for the nightly workflow's run summary. */
export function drillReportMarkdown(report: DrillReport): string {
  const mark = report.outcome === "passed" ? "✅ passed" : "❌ FAILED";
  const lines = [
    `## Restore drill: ${mark}`,
    "",
    `Set \`${report.set.summaryPath}\` restored into a throwaway ${report.server ? `PostgreSQL ${report.server.version} (${report.server.kind})` : "PostgreSQL"} in ${seconds(report.durationMs)}.`,
    "",
  ];
  if (report.failure) lines.push(`**Failure:** ${cell(report.failure)}`, "");
  lines.push("| check | result | detail |", "| --- | --- | --- |");
  for (const check of report.checks) lines.push(`| ${check.name} | ${check.outcome} | ${cell(check.detail)} |`);
  if (report.tables.length > 0) {
    lines.push("", "| table | rows in the set | rows restored | row digest |", "| --- | ---: | ---: | --- |");
    for (const table of report.tables) lines.push(`| ${cell(table.table)} | ${table.backupRows} | ${table.restoredRows} | ${table.digest} |`);
  }
  if (report.excludedTables.length > 0) lines.push("", `Excluded with --exclude-tables: ${report.excludedTables.map((t) => `\`${t}\``).join(", ")}`);
  if (report.reportPath) lines.push("", `Report: \`${report.reportPath}\``);
  return `${lines.join("\n")}\n`;
}
