// Intended changes are allowed in the migration file itself, where reviewers
// see them:
//   -- safe-migrate: allow drop-column  bio moved to Profile (#123)
// in the comments just before a statement applies to that statement;
//   -- safe-migrate: allow-file drop-table, drop-column  retiring v1 tables
// anywhere applies to the whole file. Text after the rule list is the reason.
import type { ParsedMigration } from "./parse.ts";
import { RULES } from "./rules/catalog.ts";

export interface Suppression {
  rules: string[];
  reason: string;
  line: number;
}

export interface Suppressions {
  file: Suppression[];
  /** By statement index. */
  statements: Map<number, Suppression[]>;
  /** Problems with the comments themselves (unknown rule ids), as report lines. */
  warnings: string[];
}

const DIRECTIVE = /^safe-migrate:\s*(allow-file|allow)\s+([a-z][a-z-]*(?:\s*,\s*[a-z][a-z-]*)*)\s*(.*)$/i;

export function readSuppressions(parsed: ParsedMigration, file: string): Suppressions {
  const result: Suppressions = { file: [], statements: new Map(), warnings: [] };
  for (const comment of parsed.comments) {
    const body = comment.text.replace(/^--+|^\/\*+|\*+\/$/g, "").trim();
    const match = DIRECTIVE.exec(body);
    if (!match) {
      if (/^safe-migrate\b/i.test(body)) result.warnings.push(`${file}:${comment.line}: unreadable suppression comment; write "-- safe-migrate: allow <rule-id>[, <rule-id>] <reason>"`);
      continue;
    }
    const rules = match[2]!.split(",").map((rule) => rule.trim().toLowerCase());
    for (const rule of rules.filter((id) => !(id in RULES))) {
      result.warnings.push(`${file}:${comment.line}: unknown rule "${rule}" in a suppression comment; it suppresses nothing (db:lint-migrations --help lists the rule ids)`);
    }
    const suppression = { rules, reason: match[3]!.trim(), line: comment.line };
    if (match[1]!.toLowerCase() === "allow-file") {
      result.file.push(suppression);
      continue;
    }
    // The comment belongs to the first statement starting after it.
    const index = parsed.statements.findIndex((statement) => statement.start >= comment.end);
    if (index === -1) {
      result.warnings.push(`${file}:${comment.line}: suppression comment with no statement after it`);
      continue;
    }
    result.statements.set(index, [...(result.statements.get(index) ?? []), suppression]);
  }
  return result;
}

/** The suppression covering `rule` on statement `index`, if any. */
export function suppressionFor(suppressions: Suppressions, index: number, rule: string): Suppression | undefined {
  const covers = (s: Suppression) => s.rules.includes(rule);
  return suppressions.statements.get(index)?.find(covers) ?? suppressions.file.find(covers);
}
