// The static analysis of migration files: parse, run every rule over every
// statement in order (tracking what the migration itself created), apply the
// suppression comments.
import type { DeleteStmt, DropStmt, TruncateStmt } from "libpg-query";
import { droppedTableName, tableKey } from "./ast.ts";
import type { Finding, Hit } from "./findings.ts";
import { loadParser, parseMigration, type Statement } from "./parse.ts";
import { columnRules } from "./rules/columns.ts";
import { constraintRules } from "./rules/constraints.ts";
import { dropRules } from "./rules/drops.ts";
import { indexRules } from "./rules/indexes.ts";
import { newMigrationState, recordStatement, type MigrationState } from "./rules/state.ts";
import { scriptSplitHits } from "./rules/script-split.ts";
import { lockTimeoutRule, unclosedTransaction } from "./rules/transactions.ts";
import { readSuppressions, suppressionFor } from "./suppressions.ts";

export interface MigrationSource {
  /** The migration's name (its directory), or the file name for a loose .sql file. */
  name: string;
  file: string;
  sql: string;
}

export interface MigrationAnalysis {
  name: string;
  file: string;
  statements: number;
  findings: Finding[];
  /** Problems with suppression comments. */
  warnings: string[];
  /** Tables this migration creates ("schema.table"). */
  createdTables: string[];
  /** Tables the migration itself drops, truncates or deletes from: their row counts may fall. */
  declaredRowLoss: string[];
}

const STATEMENT_RULES: Array<(statement: Statement, state: MigrationState) => Hit[]> = [
  lockTimeoutRule, dropRules, columnRules, constraintRules, indexRules,
];

/**
 * `createdBefore`: tables created by earlier migrations of the same run that
 * the target database does not have yet (so they are not "existing").
 */
export async function analyzeMigration(source: MigrationSource, createdBefore: Iterable<string> = []): Promise<MigrationAnalysis> {
  await loadParser();
  const parsed = parseMigration(source.sql, source.file);
  const suppressions = readSuppressions(parsed, source.file);
  const createdEarlier = new Set(createdBefore);
  const state = newMigrationState(createdEarlier);
  const findings: Finding[] = [];
  const locate = (statement: Statement, index: number) => (hit: Hit): Finding => {
    const suppression = suppressionFor(suppressions, index, hit.rule);
    return {
      ...hit,
      migration: source.name,
      file: source.file,
      line: statement.line,
      statement: statement.text,
      ...(suppression ? { suppressed: { line: suppression.line, reason: suppression.reason } } : {}),
    };
  };
  parsed.statements.forEach((statement, index) => {
    for (const rule of STATEMENT_RULES) findings.push(...rule(statement, state).map(locate(statement, index)));
    recordStatement(statement, state);
  });
  for (const token of parsed.semicolonTokens) {
    // Located at the statement it sits in or precedes (comments before a statement belong to it).
    let index = parsed.statements.findIndex((statement) => statement.end > token.start);
    if (index === -1) index = parsed.statements.length - 1;
    const statement = parsed.statements[index];
    const hit = scriptSplitHits(token);
    findings.push(statement ? { ...locate(statement, index)(hit), line: token.line } : { ...hit, migration: source.name, file: source.file, line: token.line, statement: token.text });
  }
  const begin = parsed.statements.findIndex((statement) => statement.line === state.openTransactionLine);
  if (begin !== -1) findings.push(...unclosedTransaction(state).map(locate(parsed.statements[begin]!, begin)));

  return {
    name: source.name,
    file: source.file,
    statements: parsed.statements.length,
    findings,
    warnings: suppressions.warnings,
    createdTables: [...state.createdTables].filter((table) => !createdEarlier.has(table)),
    declaredRowLoss: [...new Set(parsed.statements.flatMap(rowLossTargets))],
  };
}

/** Analyses migrations in order; tables created by earlier ones count as new for later ones. */
export async function analyzeMigrations(sources: MigrationSource[], options: { carryCreatedTables: boolean }): Promise<MigrationAnalysis[]> {
  const created: string[] = [];
  const analyses: MigrationAnalysis[] = [];
  for (const source of sources) {
    const analysis = await analyzeMigration(source, options.carryCreatedTables ? created : []);
    created.push(...analysis.createdTables);
    analyses.push(analysis);
  }
  return analyses;
}

function rowLossTargets(statement: Statement): string[] {
  switch (statement.kind) {
    case "DropStmt": {
      const drop = statement.node as DropStmt;
      if (drop.removeType !== "OBJECT_TABLE") return [];
      return (drop.objects ?? []).map(droppedTableName);
    }
    case "TruncateStmt":
      return ((statement.node as TruncateStmt).relations ?? []).flatMap((node) => ("RangeVar" in node ? [tableKey(node.RangeVar)] : []));
    case "DeleteStmt":
      return [tableKey((statement.node as DeleteStmt).relation)];
    default:
      return [];
  }
}
