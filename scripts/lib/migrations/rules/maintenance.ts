// Maintenance commands that lock a table for as long as they work on it:
// REINDEX, VACUUM FULL, CLUSTER, LOCK TABLE, REFRESH MATERIALIZED VIEW and
// DETACH PARTITION without CONCURRENTLY; their CONCURRENTLY forms (and VACUUM)
// cannot run inside a transaction block.
import type { AlterTableStmt, ClusterStmt, LockStmt, Node, RefreshMatViewStmt, ReindexStmt, VacuumStmt } from "libpg-query";
import { tableKey } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { concurrentlyInTransaction } from "./indexes.ts";
import { isExistingTable, transactionBlock, type MigrationState } from "./state.ts";

/** LOCK TABLE modes by number (lockdefs.h); from SHARE (5) up, writes wait. */
const LOCK_MODES = ["", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"];

function hasOption(options: Node[] | undefined, name: string): boolean {
  return (options ?? []).some((option) => "DefElem" in option && option.DefElem.defname === name);
}

function locking(rule: string, what: string, advice: string): Hit {
  return { rule, severity: "lock", message: what, advice };
}

export function maintenanceRules(statement: Statement, state: MigrationState): Hit[] {
  const block = () => transactionBlock(state);
  switch (statement.kind) {
    case "ReindexStmt": {
      const reindex = statement.node as ReindexStmt;
      const target = reindex.relation ? tableKey(reindex.relation) : reindex.name ?? "";
      if (hasOption(reindex.params, "concurrently")) {
        const inBlock = block();
        return inBlock ? [concurrentlyInTransaction(`REINDEX CONCURRENTLY ${target}`, inBlock)] : [];
      }
      if (reindex.relation && !isExistingTable(state, tableKey(reindex.relation))) return [];
      return [locking("reindex-non-concurrent", `REINDEX ${target} without CONCURRENTLY blocks writes to the table (and reads that use the index) until every index is rebuilt.`,
        "Use REINDEX … CONCURRENTLY, alone in its own migration.")];
    }
    case "VacuumStmt": {
      const vacuum = statement.node as VacuumStmt;
      const hits: Hit[] = [];
      const inBlock = block();
      if (inBlock) hits.push(concurrentlyInTransaction(vacuum.is_vacuumcmd ? "VACUUM" : "ANALYZE", inBlock));
      if (vacuum.is_vacuumcmd && hasOption(vacuum.options, "full")) {
        hits.push(locking("vacuum-full", "VACUUM FULL rewrites each table under an ACCESS EXCLUSIVE lock: no query can read or write it until it finishes.",
          "Use plain VACUUM (no lock on reads and writes), or pg_repack for a rewrite without a long lock; keep maintenance out of migrations."));
      }
      return vacuum.is_vacuumcmd ? hits : [];
    }
    case "ClusterStmt": {
      const cluster = statement.node as ClusterStmt;
      if (cluster.relation && !isExistingTable(state, tableKey(cluster.relation))) return [];
      return [locking("cluster", `CLUSTER ${cluster.relation ? tableKey(cluster.relation) : "(every clustered table)"} rewrites the table under an ACCESS EXCLUSIVE lock: no query can read or write it until it finishes.`,
        "Keep CLUSTER out of migrations; use pg_repack to reorder a live table.")];
    }
    case "LockStmt": {
      const lock = statement.node as LockStmt;
      const mode = lock.mode ?? 8;
      if (mode < 5) return [];
      const tables = (lock.relations ?? []).flatMap((node) => ("RangeVar" in node ? [tableKey(node.RangeVar)] : [])).filter((t) => isExistingTable(state, t));
      if (tables.length === 0) return [];
      return [locking("lock-table", `LOCK TABLE ${tables.join(", ")} IN ${LOCK_MODES[mode]} MODE blocks ${mode === 8 ? "every query" : "every write"} on it until the transaction ends.`,
        "Lock nothing by hand in a migration; if a lock is needed, take the weakest mode, with lock_timeout set, and keep the transaction short.")];
    }
    case "RefreshMatViewStmt": {
      const refresh = statement.node as RefreshMatViewStmt;
      if (refresh.concurrent || !isExistingTable(state, tableKey(refresh.relation))) return [];
      return [locking("refresh-matview-non-concurrent", `REFRESH MATERIALIZED VIEW ${tableKey(refresh.relation)} without CONCURRENTLY blocks every read of the view until it is rebuilt.`,
        "Give the view a unique index and use REFRESH MATERIALIZED VIEW CONCURRENTLY.")];
    }
    case "AlterTableStmt":
      return detachPartition(statement.node as AlterTableStmt, state);
    default:
      return [];
  }
}

function detachPartition(alter: AlterTableStmt, state: MigrationState): Hit[] {
  const table = tableKey(alter.relation);
  return (alter.cmds ?? []).flatMap((cmd) => {
    if (!("AlterTableCmd" in cmd) || cmd.AlterTableCmd.subtype !== "AT_DetachPartition") return [];
    const def = cmd.AlterTableCmd.def;
    const partition = def && "PartitionCmd" in def ? def.PartitionCmd : undefined;
    const name = partition?.name ? tableKey(partition.name) : "?";
    if (partition?.concurrent) {
      const inBlock = transactionBlock(state);
      return inBlock ? [concurrentlyInTransaction(`DETACH PARTITION ${name} CONCURRENTLY`, inBlock)] : [];
    }
    if (!isExistingTable(state, table)) return [];
    return [locking("detach-partition-non-concurrent", `DETACH PARTITION ${name} from ${table} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on ${table}: every query on the partitioned table waits.`,
      "Use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+), alone in its own migration.")];
  });
}

