// What the analyzer reports: a finding names its rule, severity, statement and
// location, says what is at stake and what to do instead.

/**
 * data-loss blocks by default; may-fail = can fail on existing data; lock =
 * long exclusive locks or table rewrites; breaking = running app code breaks.
 */
export type Severity = "data-loss" | "may-fail" | "lock" | "breaking" | "info";

export const SEVERITY_ORDER: Severity[] = ["data-loss", "may-fail", "lock", "breaking", "info"];

/** A question the live database can answer about a finding. Tables are "schema.table". */
export type LiveCheck =
  | { kind: "table-rows"; table: string }
  | { kind: "column-values"; table: string; column: string }
  | { kind: "null-values"; table: string; column: string }
  | { kind: "duplicates"; table: string; columns: string[] }
  | { kind: "enum-values"; table: string; column: string; keep: string[] }
  | { kind: "cast"; table: string; column: string; type: string };

export interface LiveResult {
  /** One line: what the data says, e.g. "1,204 non-null values would be lost". */
  summary: string;
  /** The rule's severity when the live data changed it (downgraded on an empty target, upgraded on a lossy cast). */
  originalSeverity?: Severity;
}

/** What a rule reports about one statement. */
export interface Hit {
  rule: string;
  severity: Severity;
  message: string;
  advice: string;
  live?: LiveCheck;
}

export interface Finding extends Hit {
  /** Migration name (directory) or file path. */
  migration: string;
  file: string;
  line: number;
  statement: string;
  suppressed?: { line: number; reason: string };
  liveResult?: LiveResult;
}

/** An unsuppressed data-loss finding: the kind that stops a deploy. */
export function isBlocking(finding: Finding): boolean {
  return finding.severity === "data-loss" && !finding.suppressed;
}
