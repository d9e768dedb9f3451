// The baseline file (prisma/safe-migrate-baseline.json, or --baseline FILE)
// lets a project with a history adopt the analyzer without editing applied
// migrations (an edit changes Prisma's checksum, and db:safe-migrate then
// refuses to deploy):
//   findings      known findings, recorded by --write-baseline: they are shown
//                 but do not fail db:lint-migrations;
//   suppressions  intended changes, by migration + rule (+ line), each with a
//                 reason: honoured like a suppression comment, by
//                 db:lint-migrations and db:safe-migrate alike.
// A recorded finding is matched by migration, rule and a hash of its
// statement's text, not by line, so edits elsewhere do not unmatch it.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.ts";
import type { MigrationAnalysis } from "./analyze.ts";
import type { Finding } from "./findings.ts";
import { RULES } from "./rules/catalog.ts";

export const BASELINE_FILE_NAME = "safe-migrate-baseline.json";

export interface BaselineSuppression {
  migration: string;
  rule: string;
  /** Only the finding on this line of the migration (all of the migration's findings of that rule when absent). */
  line?: number;
  reason: string;
}

export interface BaselineFinding {
  migration: string;
  rule: string;
  severity: string;
  line: number;
  /** sha256 of the statement text with whitespace collapsed, first 16 hex digits. */
  statement: string;
  /** The statement, shortened, for the reader of the file. */
  text: string;
}

export interface Baseline {
  file: string;
  suppressions: BaselineSuppression[];
  findings: BaselineFinding[];
}

/** The default baseline beside a migrations directory (prisma/migrations -> prisma/safe-migrate-baseline.json). */
export function defaultBaselinePath(migrationsDir: string): string {
  return path.join(path.dirname(path.resolve(migrationsDir)), BASELINE_FILE_NAME);
}

export function statementHash(statement: string): string {
  return createHash("sha256").update(statement.replace(/\s+/g, " ").trim()).digest("hex").slice(0, 16);
}

function fail(file: string, what: string): never {
  throw new UsageError(`${file}: ${what}; fix the baseline file (or write a new one with db:lint-migrations --write-baseline).`);
}

/** Reads a baseline; null when `required` is false and the file does not exist. */
export function readBaseline(file: string, required: boolean): Baseline | null {
  if (!existsSync(file)) {
    if (required) throw new UsageError(`${file} does not exist; write it with db:lint-migrations --write-baseline --baseline ${file}.`);
    return null;
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    fail(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!data || typeof data !== "object" || (data as { version?: unknown }).version !== 1) fail(file, 'expected an object with "version": 1');
  const { suppressions = [], findings = [] } = data as { suppressions?: unknown; findings?: unknown };
  if (!Array.isArray(suppressions) || !Array.isArray(findings)) fail(file, '"suppressions" and "findings" must be arrays');
  suppressions.forEach((entry: Partial<BaselineSuppression>, i) => {
    if (typeof entry?.migration !== "string" || typeof entry.rule !== "string") fail(file, `suppressions[${i}] needs "migration" and "rule"`);
    if (typeof entry.reason !== "string" || entry.reason.trim() === "") fail(file, `suppressions[${i}] (${entry.migration} ${entry.rule}) needs a "reason"`);
    if (entry.line !== undefined && !Number.isInteger(entry.line)) fail(file, `suppressions[${i}].line must be a line number`);
  });
  findings.forEach((entry: Partial<BaselineFinding>, i) => {
    if (typeof entry?.migration !== "string" || typeof entry.rule !== "string" || typeof entry.statement !== "string") {
      fail(file, `findings[${i}] needs "migration", "rule" and "statement"`);
    }
  });
  return { file, suppressions: suppressions as BaselineSuppression[], findings: findings as BaselineFinding[] };
}

export interface BaselineOutcome {
  analyses: MigrationAnalysis[];
  /** Findings matched by a recorded entry. */
  baselined: number;
  /** Problems with the file's entries (unknown rules or migrations, entries that match nothing). */
  warnings: string[];
}

/**
 * Marks findings suppressed by the baseline's suppressions, and (with
 * `useRecorded`) baselined when recorded. `known` lists every migration the
 * run read, to spot entries for migrations that do not exist.
 */
export function applyBaseline(analyses: MigrationAnalysis[], baseline: Baseline, known: Set<string>, useRecorded: boolean): BaselineOutcome {
  const warnings: string[] = [];
  for (const entry of baseline.suppressions) {
    if (!(entry.rule in RULES)) warnings.push(`${baseline.file}: unknown rule "${entry.rule}" in the suppression for ${entry.migration}; it suppresses nothing (db:lint-migrations --help lists the rule ids)`);
    if (!known.has(entry.migration)) warnings.push(`${baseline.file}: the suppression of ${entry.rule} names ${entry.migration}, which is not among the migrations read`);
  }
  const remaining = new Map<string, number>();
  for (const entry of baseline.findings) {
    const key = `${entry.migration}\u0000${entry.rule}\u0000${entry.statement}`;
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  }
  let baselined = 0;
  const marked = analyses.map((analysis) => ({
    ...analysis,
    findings: analysis.findings.map((finding): Finding => {
      if (finding.suppressed) return finding;
      const suppression = baseline.suppressions.find((s) => s.migration === finding.migration && s.rule === finding.rule && (s.line === undefined || s.line === finding.line));
      if (suppression) return { ...finding, suppressed: { line: 0, reason: suppression.reason, baseline: baseline.file } };
      if (!useRecorded) return finding;
      const key = `${finding.migration}\u0000${finding.rule}\u0000${statementHash(finding.statement)}`;
      const left = remaining.get(key) ?? 0;
      if (left === 0) return finding;
      remaining.set(key, left - 1);
      baselined += 1;
      return { ...finding, baselined: true };
    }),
  }));
  const reported = new Set(analyses.map((analysis) => analysis.name));
  const stale = [...remaining].filter(([key, left]) => left > 0 && reported.has(key.split("\u0000")[0]!)).reduce((sum, [, left]) => sum + left, 0);
  if (useRecorded && stale > 0) warnings.push(`${baseline.file}: ${stale} recorded finding(s) no longer occur (fixed or changed); rewrite the file with --write-baseline to drop them`);
  return { analyses: marked, baselined, warnings };
}

/** Writes every unsuppressed finding (info aside) as the new baseline, keeping the file's suppressions. */
export function writeBaseline(file: string, analyses: MigrationAnalysis[], previous: Baseline | null): number {
  const findings: BaselineFinding[] = analyses.flatMap((analysis) =>
    analysis.findings
      .filter((finding) => !finding.suppressed && finding.severity !== "info")
      .map((finding) => ({
        migration: finding.migration,
        rule: finding.rule,
        severity: finding.severity,
        line: finding.line,
        statement: statementHash(finding.statement),
        text: finding.statement.replace(/\s+/g, " ").slice(0, 120),
      })),
  );
  const content = {
    version: 1,
    about: "db:lint-migrations baseline. findings: known findings that do not fail the lint (rewrite with --write-baseline). suppressions: intended changes ({migration, rule, line?, reason}), honoured by db:lint-migrations and db:safe-migrate.",
    suppressions: previous?.suppressions ?? [],
    findings,
  };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return findings.length;
}
