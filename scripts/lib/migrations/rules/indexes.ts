// Indexes on existing tables: built or dropped without CONCURRENTLY (writes
// blocked), unique indexes (fail on duplicates), CONCURRENTLY inside a
// transaction block (an explicit BEGIN, or the native engine's one-query file).
import type { DropStmt, IndexStmt } from "libpg-query";
import { tableKey } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { hasUniqueOn, objectKey } from "../schema-model.ts";
import { holdsOnlyNulls, isExistingTable, transactionBlock, type MigrationState } from "./state.ts";

export function indexRules(statement: Statement, state: MigrationState): Hit[] {
  if (statement.kind === "IndexStmt") return createIndex(statement.node as IndexStmt, state);
  if (statement.kind === "DropStmt" && (statement.node as DropStmt).removeType === "OBJECT_INDEX") {
    return dropIndex(statement.node as DropStmt, state);
  }
  return [];
}

function createIndex(index: IndexStmt, state: MigrationState): Hit[] {
  const table = tableKey(index.relation);
  const hits: Hit[] = [];
  if (index.concurrent) {
    const block = transactionBlock(state);
    if (block) hits.push(concurrentlyInTransaction(`CREATE INDEX CONCURRENTLY ${index.idxname ?? ""}`, block));
  }
  if (!isExistingTable(state, table)) return hits;
  if (!index.concurrent) {
    hits.push({
      rule: "create-index-non-concurrent", severity: "lock",
      message: `CREATE INDEX ${index.idxname ?? ""} on ${table} without CONCURRENTLY blocks every write to the table until the index is built.`,
      advice: "Use CREATE INDEX CONCURRENTLY, alone in its own migration (it cannot run inside a transaction).",
    });
  }
  if (index.unique) {
    const columns = (index.indexParams ?? []).flatMap((param) => ("IndexElem" in param && param.IndexElem.name ? [param.IndexElem.name] : []));
    const allNull = columns.length > 0 && columns.every((c) => holdsOnlyNulls(state, table, c));
    if (!hasUniqueOn(state.model, table, columns) && !allNull) {
      hits.push({
        rule: "add-unique", severity: "may-fail",
        message: `UNIQUE INDEX ${index.idxname ?? ""} on ${table} (${columns.join(", ")}) fails if duplicate values exist.`,
        advice: "Find and resolve duplicates first (the live check counts them), then build the index CONCURRENTLY.",
        live: columns.length > 0 ? { kind: "duplicates", table, columns } : undefined,
      });
    }
  }
  return hits;
}

function dropIndex(drop: DropStmt, state: MigrationState): Hit[] {
  const indexes = (drop.objects ?? []).map((object) => objectKey("List" in object ? object.List.items : []));
  if (drop.concurrent) {
    const block = transactionBlock(state);
    return block ? [concurrentlyInTransaction(`DROP INDEX CONCURRENTLY ${indexes.join(", ")}`, block)] : [];
  }
  return indexes.filter((index) => !state.createdIndexes.has(index)).filter((index) => {
    const table = state.model.indexes.get(index)?.table;
    return table === undefined || isExistingTable(state, table);
  }).map((index) => ({
    rule: "drop-index-non-concurrent", severity: "lock",
    message: `DROP INDEX ${index} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table.`,
    advice: "Use DROP INDEX CONCURRENTLY, alone in its own migration.",
  }));
}

export function concurrentlyInTransaction(what: string, block: string): Hit {
  return {
    rule: "concurrently-in-transaction", severity: "may-fail",
    message: `${what} runs inside a transaction block (${block}): PostgreSQL refuses it and the migration fails.`,
    advice: "Put the statement alone in its own migration file, with no BEGIN.",
  };
}
