// One step of the walk through a migration: which transaction the statement
// runs in, every rule's findings on it (and on the SQL its procedural code
// runs), then what the statement changes in the state and schema model.
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { columnRules } from "./columns.ts";
import { constraintRules } from "./constraints.ts";
import { dropRules } from "./drops.ts";
import { identifierRules } from "./identifiers.ts";
import { indexRules } from "./indexes.ts";
import { maintenanceRules } from "./maintenance.ts";
import { defineFunction, proceduralCode, RUNTIME_NAME, type InnerStatement } from "./plpgsql.ts";
import { enterStatement, recordStatement, type MigrationState } from "./state.ts";
import { transactionRules } from "./transactions.ts";

const STATEMENT_RULES: Array<(statement: Statement, state: MigrationState) => Hit[]> = [
  transactionRules, dropRules, columnRules, constraintRules, indexRules, maintenanceRules, identifierRules,
];

export interface StepResult {
  hits: Hit[];
  /** Statements run by the statement's procedural code (a DO block, a called function). */
  inner: Statement[];
}

function rulesOn(statement: Statement, state: MigrationState): Hit[] {
  return STATEMENT_RULES.flatMap((rule) => rule(statement, state));
}

const RUNTIME_TABLE = new RegExp(`(?:public\\.)?"?${RUNTIME_NAME}"?`, "g");

/** A finding on SQL inside procedural code: located on its own line and said where it runs. */
function insideCode(hit: Hit, inner: InnerStatement): Hit {
  const message = `${inner.context[0]!.toUpperCase()}${inner.context.slice(1)}: ${hit.message}`;
  if (!inner.dynamic) return { ...hit, line: inner.statement.line, message };
  const { live: _unused, ...rest } = hit;
  return { ...rest, line: inner.statement.line, message: `${message} (EXECUTE; names in it are computed at run time)`.replace(RUNTIME_TABLE, "<computed at run time>") };
}

export function walkStatement(statement: Statement, state: MigrationState): StepResult {
  enterStatement(state);
  const hits = rulesOn(statement, state);
  const code = proceduralCode(statement, state);
  const inner: Statement[] = [];
  for (const step of code?.inner ?? []) {
    hits.push(...rulesOn(step.statement, state).map((hit) => insideCode(hit, step)));
    recordStatement(step.statement, state);
    inner.push(step.statement);
  }
  for (const unreadable of code?.unreadable ?? []) {
    hits.push({
      rule: "dynamic-sql", severity: "may-fail", line: unreadable.line,
      message: `${unreadable.what}: SQL built at run time that the analyzer cannot read, so nothing it does is checked.`,
      advice: "Write the statements out in the migration, or review what the EXECUTE runs by hand (and suppress with the reason).",
    });
  }
  recordStatement(statement, state);
  defineFunction(statement, state);
  return { hits, inner };
}
