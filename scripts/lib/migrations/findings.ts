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
  | { kind: "cast"; table: string; column: string; type: string }
  | { kind: "timezone"; table: string };

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
  /** The line when it is not the statement's first (SQL inside a DO block or function body). */
  line?: number;
  /** What the finding is about, for folding related findings together; not reported. */
  about?: { table: string; column?: string; columns?: string[]; references?: string; name?: string };
}

export interface Finding extends Omit<Hit, "about"> {
  /** Migration name (directory) or file path. */
  migration: string;
  file: string;
  line: number;
  statement: string;
  /** Allowed by a suppression comment in the file (line > 0) or in the baseline file (line 0). */
  suppressed?: { line: number; reason: string; baseline?: string };
  /** Recorded in the baseline file: known before, does not fail the lint. */
  baselined?: boolean;
  liveResult?: LiveResult;
}

/** An unsuppressed data-loss finding: the kind that stops a deploy (and, unless baselined, the lint). */
export function isBlocking(finding: Finding): boolean {
  return finding.severity === "data-loss" && !finding.suppressed && !finding.baselined;
}
