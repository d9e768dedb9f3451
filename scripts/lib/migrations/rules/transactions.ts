// Session-level hygiene: lock_timeout before the first locking statement, and
// an explicit BEGIN that is never committed.
import type { DropStmt, RangeVar } from "libpg-query";
import { tableKey } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { isExistingTable, type MigrationState } from "./state.ts";

/** Statements that take an ACCESS EXCLUSIVE (or SHARE) lock on an existing table. */
function locksExistingTable(statement: Statement, state: MigrationState): boolean {
  const relation = statement.node.relation as RangeVar | undefined;
  switch (statement.kind) {
    case "AlterTableStmt":
    case "RenameStmt":
      return relation !== undefined && isExistingTable(state, tableKey(relation));
    case "IndexStmt":
      return !statement.node.concurrent && isExistingTable(state, tableKey(relation));
    case "TruncateStmt":
      return true;
    case "DropStmt": {
      const drop = statement.node as DropStmt;
      return (drop.removeType === "OBJECT_TABLE" || drop.removeType === "OBJECT_INDEX") && !drop.concurrent;
    }
    default:
      return false;
  }
}

export function lockTimeoutRule(statement: Statement, state: MigrationState): Hit[] {
  if (state.lockTimeoutSet || state.lockTimeoutReported || !locksExistingTable(statement, state)) return [];
  state.lockTimeoutReported = true;
  return [{
    rule: "missing-lock-timeout", severity: "lock",
    message: "This statement locks an existing table with no lock_timeout set: if it waits behind a long query, every query on the table queues behind it.",
    advice: "Start the migration with SET lock_timeout = '5s'; (and retry the deploy if it times out).",
  }];
}

/** Reported once at the end of a file whose BEGIN was never closed. */
export function unclosedTransaction(state: MigrationState): Hit[] {
  if (state.openTransactionLine === null) return [];
  return [{
    rule: "begin-without-commit", severity: "may-fail",
    message: `The BEGIN on line ${state.openTransactionLine} is never committed: the migration's changes are rolled back or left in an open transaction.`,
    advice: "End the transaction with COMMIT; (or remove the BEGIN).",
  }];
}
