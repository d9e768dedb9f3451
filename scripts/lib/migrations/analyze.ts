// The static analysis of migration files: parse, walk every statement in
// order with every rule (tracking the schema model and what the migration
// itself created), fold related findings, apply the suppression comments.
// A history is analysed file after file on one schema model, so each
// migration sees the schema the earlier ones left.
import type { DropStmt, TruncateStmt } from "libpg-query";
import { droppedTableName, tableKey } from "./ast.ts";
import type { SchemaEngine } from "./engine.ts";
import type { Finding, Hit } from "./findings.ts";
import { loadParser, parseMigration, SqlSyntaxError, type Statement } from "./parse.ts";
import { modifyingStatements } from "./rules/drops.ts";
import { walkStatement } from "./rules/index.ts";
import { scriptSplitHits } from "./rules/script-split.ts";
import { newMigrationState } from "./rules/state.ts";
import { unclosedTransaction } from "./rules/transactions.ts";
import { emptySchemaModel, type SchemaModel } from "./schema-model.ts";
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
  /** SQL PostgreSQL cannot parse: nothing else of the file was analysed. */
  error?: { line: number; message: string };
}

export interface AnalysisContext {
  engine: SchemaEngine;
  /** The schema before the migration; the analysis leaves it as the migration makes it. */
  model: SchemaModel;
  /** Tables created by earlier migrations of the same run that the target database does not have yet (so they are not "existing"). */
  createdBefore?: Iterable<string>;
}

export async function analyzeMigration(source: MigrationSource, context: Partial<AnalysisContext> = {}): Promise<MigrationAnalysis> {
  await loadParser();
  return analyzeLoaded(source, context);
}

/** analyzeMigration once the parser is loaded (a history is analysed without a wait per file). */
function analyzeLoaded(source: MigrationSource, context: Partial<AnalysisContext>): MigrationAnalysis {
  const base = { name: source.name, file: source.file, warnings: [] as string[], createdTables: [] as string[], declaredRowLoss: [] as string[] };
  let parsed;
  try {
    parsed = parseMigration(source.sql, source.file);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    return { ...base, statements: 0, findings: [], error: { line: error.line, message: error.message } };
  }
  const engine = context.engine ?? "adapter-pg";
  const createdEarlier = new Set(context.createdBefore);
  const state = newMigrationState({ engine, model: context.model ?? emptySchemaModel(), createdTables: createdEarlier, statements: parsed.statements });
  const suppressions = readSuppressions(parsed, source.file);
  const located: Array<{ hit: Hit; index: number }> = [];
  const effective: Statement[] = [];
  parsed.statements.forEach((statement, index) => {
    const step = walkStatement(statement, state);
    located.push(...step.hits.map((hit) => ({ hit, index })));
    effective.push(statement, ...step.inner);
  });
  const begin = parsed.statements.findIndex((statement) => statement.line === state.openTransactionLine);
  if (begin !== -1) located.push(...unclosedTransaction(state).map((hit) => ({ hit, index: begin })));
  if (engine === "adapter-pg") {
    for (const { token, hit } of scriptSplitHits(source.sql, parsed)) {
      // Located at the statement it sits in or precedes (comments before a statement belong to it).
      let index = parsed.statements.findIndex((statement) => statement.end > token.start);
      if (index === -1) index = parsed.statements.length - 1;
      located.push({ hit: { ...hit, line: token.line }, index });
    }
  }

  const findings = foldForeignKeys(located).map(({ hit, index }): Finding => {
    const statement = parsed.statements[index];
    const suppression = suppressionFor(suppressions, index, hit.rule);
    const { about: _about, ...reported } = hit;
    return {
      ...reported,
      migration: source.name,
      file: source.file,
      line: hit.line ?? statement?.line ?? 1,
      statement: statement?.text ?? "",
      ...(suppression ? { suppressed: { line: suppression.line, reason: suppression.reason } } : {}),
    };
  });
  return {
    ...base,
    statements: parsed.statements.length,
    findings,
    warnings: suppressions.warnings,
    createdTables: [...state.createdTables].filter((table) => !createdEarlier.has(table)),
    declaredRowLoss: [...new Set(effective.flatMap(rowLossTargets))],
  };
}

export interface HistoryOptions {
  engine: SchemaEngine;
  /** The schema before the first migration (empty for a whole history; the live catalog in a deploy run). */
  model?: SchemaModel;
  /** Tables created by earlier migrations count as new for later ones (a deploy run: none of them exist yet). */
  carryCreatedTables: boolean;
}

/** Analyses migrations in order on one schema model. */
export async function analyzeMigrations(sources: MigrationSource[], options: HistoryOptions): Promise<MigrationAnalysis[]> {
  await loadParser();
  const model = options.model ?? emptySchemaModel();
  const created: string[] = [];
  const analyses: MigrationAnalysis[] = [];
  for (const source of sources) {
    const analysis = analyzeLoaded(source, { engine: options.engine, model, createdBefore: options.carryCreatedTables ? created : [] });
    created.push(...analysis.createdTables);
    analyses.push(analysis);
  }
  return analyses;
}

/**
 * A foreign key dropped for a table or column the same migration drops goes
 * with that finding: one decision for the reviewer, not two.
 */
function foldForeignKeys(located: Array<{ hit: Hit; index: number }>): Array<{ hit: Hit; index: number }> {
  const absorbs = (target: Hit, key: Hit): boolean => {
    const fk = key.about!;
    if (target.rule === "drop-table") return target.about?.table === fk.table || target.about?.table === fk.references;
    return target.rule === "drop-column" && target.about?.table === fk.table && (fk.columns ?? []).includes(target.about.column ?? "");
  };
  const kept: Array<{ hit: Hit; index: number }> = [];
  const folded = new Map<Hit, string[]>();
  for (const entry of located) {
    const isKey = entry.hit.rule === "drop-foreign-key" && entry.hit.severity === "breaking" && entry.hit.about;
    const target = isKey ? located.find((other) => absorbs(other.hit, entry.hit)) : undefined;
    if (target) folded.set(target.hit, [...(folded.get(target.hit) ?? []), entry.hit.about!.name ?? "its foreign key"]);
    else kept.push(entry);
  }
  return kept.map((entry) => {
    const keys = folded.get(entry.hit);
    return keys ? { ...entry, hit: { ...entry.hit, message: `${entry.hit.message} The foreign key${keys.length > 1 ? "s" : ""} ${keys.join(", ")} dropped with it ${keys.length > 1 ? "go" : "goes"} along.` } } : entry;
  });
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
    default:
      return modifyingStatements(statement).filter((m) => m.kind === "DeleteStmt").map((m) => tableKey(m.node.relation));
  }
}
