// Transactions and session settings: lock_timeout before the first locking
// statement, an explicit BEGIN never committed, BEGIN inside a transaction
// (or COMMIT outside one), an enum value used in the transaction that added
// it, and a backfill holding the lock an ALTER TABLE took in the same
// transaction. Which statements share a transaction depends on the schema
// engine (see engine.ts and state.ts).
import type { A_Const, DropStmt, Node, RangeVar, TransactionStmt } from "libpg-query";
import { tableKey, walkTree } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { modifyingStatements } from "./drops.ts";
import { isExistingTable, type MigrationState } from "./state.ts";

/** Statements that take an ACCESS EXCLUSIVE (or SHARE) lock on an existing table. */
function locksExistingTable(statement: Statement, state: MigrationState): boolean {
  const node = statement.node as { relation?: RangeVar; relations?: Node[]; concurrent?: boolean; params?: Node[]; cmds?: Node[] };
  const existing = (relation: RangeVar | undefined) => relation !== undefined && isExistingTable(state, tableKey(relation));
  switch (statement.kind) {
    case "AlterTableStmt": {
      // DETACH PARTITION … CONCURRENTLY takes no exclusive lock.
      const onlyConcurrentDetach = (node.cmds ?? []).every((cmd) => "AlterTableCmd" in cmd && cmd.AlterTableCmd.def !== undefined && "PartitionCmd" in cmd.AlterTableCmd.def && cmd.AlterTableCmd.def.PartitionCmd.concurrent);
      return existing(node.relation) && !onlyConcurrentDetach;
    }
    case "RenameStmt":
    case "ClusterStmt":
    case "RefreshMatViewStmt":
      return existing(node.relation);
    case "IndexStmt":
      return !node.concurrent && existing(node.relation);
    case "ReindexStmt":
      return existing(node.relation) && !(node.params ?? []).some((p) => "DefElem" in p && p.DefElem.defname === "concurrently");
    case "LockStmt":
      return (node.relations ?? []).some((r) => "RangeVar" in r && existing(r.RangeVar));
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

export function transactionRules(statement: Statement, state: MigrationState): Hit[] {
  return [...lockTimeout(statement, state), ...nesting(statement, state), ...enumValueUse(statement, state), ...backfillInTransaction(statement, state)];
}

function lockTimeout(statement: Statement, state: MigrationState): Hit[] {
  if (state.lockTimeoutSet || state.lockTimeoutReported || !locksExistingTable(statement, state)) return [];
  state.lockTimeoutReported = true;
  return [{
    rule: "missing-lock-timeout", severity: "lock",
    message: "This statement locks an existing table with no lock_timeout set: if it waits behind a long query, every query on the table queues behind it.",
    advice: "Start the migration with SET lock_timeout = '5s'; (and retry the deploy if it times out).",
  }];
}

function nesting(statement: Statement, state: MigrationState): Hit[] {
  if (statement.kind !== "TransactionStmt") return [];
  const kind = (statement.node as TransactionStmt).kind;
  if ((kind === "TRANS_STMT_BEGIN" || kind === "TRANS_STMT_START") && state.openTransactionLine !== null) {
    return [{
      rule: "nested-transaction", severity: "may-fail",
      message: `BEGIN inside the transaction opened on line ${state.openTransactionLine}: PostgreSQL ignores it (a warning), so the first COMMIT ends the outer transaction and what follows runs outside it.`,
      advice: "Use one BEGIN … COMMIT pair (or SAVEPOINT for a nested unit).",
    }];
  }
  // Under the native engine a COMMIT outside BEGIN ends the file's implicit transaction (deliberate, if unusual).
  if ((kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK") && state.openTransactionLine === null && state.engine === "adapter-pg") {
    return [{
      rule: "nested-transaction", severity: "may-fail",
      message: `${kind === "TRANS_STMT_COMMIT" ? "COMMIT" : "ROLLBACK"} with no transaction open: it does nothing (a warning), and the statements it was meant to ${kind === "TRANS_STMT_COMMIT" ? "commit" : "undo"} already ran on their own.`,
      advice: "Open the transaction with BEGIN before the statements it should cover, or remove the stray COMMIT/ROLLBACK.",
    }];
  }
  return [];
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

/** Every string constant in a tree (where an enum label would appear). */
function stringConstants(tree: unknown): Set<string> {
  const found = new Set<string>();
  walkTree(tree, (key, child) => {
    if (key === "A_Const" && (child as A_Const).sval) found.add((child as A_Const).sval!.sval ?? "");
  });
  return found;
}

/** PostgreSQL refuses a value added by ALTER TYPE … ADD VALUE until the transaction that added it commits. */
function enumValueUse(statement: Statement, state: MigrationState): Hit[] {
  if (state.addedEnumValues.size === 0 || statement.kind === "AlterEnumStmt") return [];
  const constants = stringConstants(statement.node);
  const hits: Hit[] = [];
  for (const [type, labels] of state.addedEnumValues) {
    for (const [label, added] of labels) {
      if (added.segment !== state.segment || !constants.has(label)) continue;
      const why = state.engine === "native" && state.openTransactionLine === null
        ? "Prisma's native schema engine runs the whole file as one transaction"
        : "both run inside the same BEGIN … COMMIT";
      hits.push({
        rule: "enum-value-used-before-commit", severity: "may-fail",
        message: `'${label}' was added to ${type} on line ${added.line}, and ${why}: PostgreSQL refuses to use it before that transaction commits ("unsafe use of new value"), so the migration fails.`,
        advice: "Add the enum value in one migration and use it (defaults, data updates) in the next one.",
      });
    }
  }
  return hits;
}

/** A data change on a table altered earlier in the same transaction runs while the ALTER's ACCESS EXCLUSIVE lock is held. */
function backfillInTransaction(statement: Statement, state: MigrationState): Hit[] {
  return modifyingStatements(statement).flatMap((modifying) => {
    const table = tableKey(modifying.node.relation);
    const altered = state.alteredTables.get(table);
    if (!altered || altered.segment !== state.segment || !isExistingTable(state, table)) return [];
    return [{
      rule: "backfill-in-transaction", severity: "lock",
      message: `${modifying.kind === "UpdateStmt" ? "UPDATE" : "DELETE"} on ${table} runs in the same transaction as the ALTER TABLE on line ${altered.line}: the ACCESS EXCLUSIVE lock it took is held until every row is processed, so all reads and writes of ${table} wait.`,
      advice: "Backfill in a separate migration (or in batches from a script) after the schema change has committed.",
    }];
  });
}
