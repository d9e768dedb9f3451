// Statements that delete data outright: DROP TABLE / SCHEMA / DATABASE / TYPE,
// TRUNCATE, DELETE or UPDATE without WHERE.
import type { DeleteStmt, DropStmt, DropdbStmt, TruncateStmt, UpdateStmt } from "libpg-query";
import { droppedTableName, names, tableKey, typeNameSql } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { isExistingTable, type MigrationState } from "./state.ts";

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
    case "DeleteStmt": {
      const del = statement.node as DeleteStmt;
      const table = tableKey(del.relation);
      if (del.whereClause || !isExistingTable(state, table)) return [];
      return [{
        rule: "delete-without-where", severity: "data-loss",
        message: `DELETE FROM ${table} without WHERE deletes every row.`,
        advice: "Add a WHERE clause naming the rows to delete; if every row must go, say so with a suppression comment.",
        live: { kind: "table-rows", table },
      }];
    }
    case "UpdateStmt": {
      const update = statement.node as UpdateStmt;
      const table = tableKey(update.relation);
      if (update.whereClause || !isExistingTable(state, table)) return [];
      return [{
        rule: "update-without-where", severity: "data-loss",
        message: `UPDATE ${table} without WHERE overwrites the column values of every row.`,
        advice: "Add a WHERE clause naming the rows to change (and batch large updates); if every row must change, suppress with a reason.",
        live: { kind: "table-rows", table },
      }];
    }
    default:
      return [];
  }
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
      }));
    case "OBJECT_SCHEMA":
      return objects.map((object) => ({
        rule: "drop-schema", severity: "data-loss",
        message: `DROP SCHEMA ${names([object]).join(".")}${cascade ? " CASCADE deletes every table in it" : " deletes the schema"}.`,
        advice: "Drop the schema's tables one by one in reviewed migrations, after a backup.",
      }));
    case "OBJECT_TYPE": {
      return objects.flatMap((object) => {
        const type = "TypeName" in object ? typeNameSql(object.TypeName) : "?";
        const bare = type.split(".").at(-1)!.replaceAll('"', "");
        if (state.renamedTypes.has(bare) || state.createdEnums.has(bare)) return [];
        return [{
          rule: "drop-type",
          severity: cascade ? "data-loss" : "may-fail",
          message: cascade
            ? `DROP TYPE ${type} CASCADE also drops every column of that type, with its values.`
            : `DROP TYPE ${type} fails while a column still uses it.`,
          advice: "Move the columns to another type first (ALTER COLUMN … TYPE), then drop the unused type.",
        } satisfies Hit];
      });
    }
    default:
      return [];
  }
}
