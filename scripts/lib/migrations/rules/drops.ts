// Statements that delete data outright: DROP TABLE / SCHEMA / DATABASE / TYPE
// / OWNED, TRUNCATE, DELETE or UPDATE that filter no row (no WHERE, or one
// that is always true) — also inside a data-modifying WITH. An UPDATE that
// only fills columns this migration added is a backfill, not a loss.
import type { DeleteStmt, DropOwnedStmt, DropStmt, DropdbStmt, TruncateStmt, UpdateStmt, WithClause } from "libpg-query";
import { droppedTableName, names, tableKey, typeNameSql } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { columnsOfType, columnType, findColumn, typeKey } from "../schema-model.ts";
import { addedHere, isExistingTable, type MigrationState } from "./state.ts";
import { alwaysTrue } from "./where.ts";

export function dropRules(statement: Statement, state: MigrationState): Hit[] {
  switch (statement.kind) {
    case "DropStmt":
      return dropStatement(statement.node as DropStmt, state);
    case "DropdbStmt":
      return [{
        rule: "drop-database", severity: "data-loss",
        message: `DROP DATABASE ${(statement.node as DropdbStmt).dbname} deletes the whole database.`,
        advice: "Never drop a database from a migration; do it by hand after a verified backup.",
      }];
    case "DropOwnedStmt": {
      const roles = ((statement.node as DropOwnedStmt).roles ?? []).map((role) => ("RoleSpec" in role ? role.RoleSpec.rolename ?? role.RoleSpec.roletype : "?"));
      return [{
        rule: "drop-owned", severity: "data-loss",
        message: `DROP OWNED BY ${roles.join(", ")} drops every table, sequence and other object those roles own, with their rows.`,
        advice: "Drop the objects you mean to, by name, in reviewed migrations (REASSIGN OWNED first if the role is going away).",
      }];
    }
    case "TruncateStmt": {
      const truncate = statement.node as TruncateStmt;
      const tables = (truncate.relations ?? []).flatMap((node) => ("RangeVar" in node ? [tableKey(node.RangeVar)] : []));
      const cascade = truncate.behavior === "DROP_CASCADE";
      return tables.filter((table) => isExistingTable(state, table)).map((table) => ({
        rule: "truncate", severity: "data-loss",
        message: `TRUNCATE ${table} deletes every row${cascade ? ", and CASCADE empties every table that references it" : ""}.`,
        advice: "Delete only the rows you mean to, with a WHERE clause, in a reviewed data migration; back up first.",
        live: { kind: "table-rows", table },
      }));
    }
    default:
      return modifyingStatements(statement).flatMap((modifying) => modifyingRules(modifying, state));
  }
}

interface Modifying {
  kind: "DeleteStmt" | "UpdateStmt";
  node: DeleteStmt | UpdateStmt;
  /** Written as a data-modifying WITH of another statement. */
  inWith: boolean;
}

/** DELETE and UPDATE statements, top level or in the statement's WITH (where PostgreSQL allows them). */
export function modifyingStatements(statement: Statement): Modifying[] {
  const found: Modifying[] = [];
  if (statement.kind === "DeleteStmt" || statement.kind === "UpdateStmt") {
    found.push({ kind: statement.kind, node: statement.node as DeleteStmt, inWith: false });
  }
  const withClause = (statement.node as { withClause?: WithClause }).withClause;
  for (const cte of withClause?.ctes ?? []) {
    const query = "CommonTableExpr" in cte ? cte.CommonTableExpr.ctequery : undefined;
    if (query && "DeleteStmt" in query) found.push({ kind: "DeleteStmt", node: query.DeleteStmt, inWith: true });
    if (query && "UpdateStmt" in query) found.push({ kind: "UpdateStmt", node: query.UpdateStmt, inWith: true });
  }
  return found;
}

function modifyingRules(modifying: Modifying, state: MigrationState): Hit[] {
  const table = tableKey(modifying.node.relation);
  if (!isExistingTable(state, table)) return [];
  const where = modifying.node.whereClause;
  const notNull = (column: string) => findColumn(state.model, table, column)?.notNull ?? false;
  if (where && !alwaysTrue(where, notNull)) return [];
  const how = where ? "whose WHERE is always true" : "without WHERE";
  const within = modifying.inWith ? " (in a WITH clause: it runs even though the statement only reads its result)" : "";
  if (modifying.kind === "DeleteStmt") {
    return [{
      rule: "delete-without-where", severity: "data-loss",
      message: `DELETE FROM ${table} ${how} deletes every row${within}.`,
      advice: "Add a WHERE clause naming the rows to delete; if every row must go, say so with a suppression comment.",
      live: { kind: "table-rows", table },
    }];
  }
  const targets = targetColumns(modifying.node as UpdateStmt);
  const backfill = targets.length > 0 && targets.every((column) => addedHere(state, table, column) !== undefined);
  if (backfill) {
    return [{
      rule: "update-without-where", severity: "info",
      message: `UPDATE ${table} ${how} fills ${targets.join(", ")}, added earlier in this migration: a backfill, no existing value is overwritten.`,
      advice: "On a large table, backfill in batches outside the migration to keep the lock short.",
    }];
  }
  return [{
    rule: "update-without-where", severity: "data-loss",
    message: `UPDATE ${table} ${how} overwrites ${targets.join(", ") || "the column values"} in every row${within}.`,
    advice: "Add a WHERE clause naming the rows to change (and batch large updates); if every row must change, suppress with a reason.",
    live: { kind: "table-rows", table },
  }];
}

export function targetColumns(update: UpdateStmt): string[] {
  return (update.targetList ?? []).flatMap((target) => ("ResTarget" in target && target.ResTarget.name ? [target.ResTarget.name] : []));
}

function dropStatement(drop: DropStmt, state: MigrationState): Hit[] {
  const cascade = drop.behavior === "DROP_CASCADE";
  const objects = drop.objects ?? [];
  switch (drop.removeType) {
    case "OBJECT_TABLE":
      return objects.map(droppedTableName).filter((table) => isExistingTable(state, table)).map((table) => ({
        rule: "drop-table", severity: "data-loss",
        message: `DROP TABLE ${table} deletes the table and every row in it${cascade ? " (CASCADE also drops dependent views and foreign keys)" : ""}.`,
        advice: "Stop using the table in the app first, back it up, and drop it in a later release with a suppression comment.",
        live: { kind: "table-rows", table },
        about: { table },
      }));
    case "OBJECT_SCHEMA":
      return objects.map((object) => ({
        rule: "drop-schema", severity: "data-loss",
        message: `DROP SCHEMA ${names([object]).join(".")}${cascade ? " CASCADE deletes every table in it" : " deletes the schema"}.`,
        advice: "Drop the schema's tables one by one in reviewed migrations, after a backup.",
      }));
    case "OBJECT_TYPE":
      return objects.flatMap((object) => ("TypeName" in object ? dropType(typeNameSql(object.TypeName), typeKey(columnType(object.TypeName)), cascade, state) : []));
    default:
      return [];
  }
}

/** DROP TYPE, judged by what still uses the type (the schema model), and what this migration dropped. */
function dropType(type: string, key: string | null, cascade: boolean, state: MigrationState): Hit[] {
  if (key === null || state.createdTypes.has(key)) return [];
  const known = state.model.enums.has(key) || state.model.types.has(key);
  // Without the history, Prisma's enum rewrite (columns moved to the new type, the old one renamed and dropped) is trusted.
  if (!known && state.renamedTypes.has(key)) return [];
  const users = columnsOfType(state.model, key);
  const everyTableKnown = [...state.model.tables.values()].every((table) => table.columnsKnown);
  if (known && users.length === 0 && everyTableKnown) {
    const dropped = [...(state.droppedTypeColumns.get(key) ?? [])];
    if (dropped.length === 0) return [];
    return [{
      rule: "drop-type", severity: "info",
      message: `DROP TYPE ${type}: no column uses it any more (this migration dropped ${dropped.join(", ")}, already reported).`,
      advice: "Nothing to do.",
    }];
  }
  const where = users.length > 0 ? ` (${users.map((u) => `${u.table}.${u.column}`).join(", ")})` : "";
  return [{
    rule: "drop-type",
    severity: cascade ? "data-loss" : "may-fail",
    message: cascade
      ? `DROP TYPE ${type} CASCADE also drops every column of that type${where}, with its values.`
      : `DROP TYPE ${type} fails while a column still uses it${where}.`,
    advice: "Move the columns to another type first (ALTER COLUMN … TYPE), then drop the unused type.",
  }];
}

