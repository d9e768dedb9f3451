// Column changes on existing tables: DROP COLUMN, ALTER COLUMN TYPE (and the
// enum rewrite Prisma generates when values are removed), ADD COLUMN NOT NULL
// without default, volatile defaults, SET NOT NULL, renames.
import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, RenameStmt } from "libpg-query";
import { calledFunctions, tableKey, typeBaseName, typeNameSql } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { isExistingTable, type MigrationState } from "./state.ts";

/** Functions whose value differs per row: as a column default they force a table rewrite. */
const VOLATILE_FUNCTIONS = new Set([
  "random", "gen_random_uuid", "uuid_generate_v4", "uuid_generate_v1", "uuidv4", "uuidv7",
  "clock_timestamp", "timeofday", "nextval", "txid_current",
]);
const SERIAL_TYPES = new Set(["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"]);

export function columnRules(statement: Statement, state: MigrationState): Hit[] {
  if (statement.kind === "RenameStmt") return renameRules(statement.node as RenameStmt, state);
  if (statement.kind !== "AlterTableStmt") return [];
  const alter = statement.node as AlterTableStmt;
  const table = tableKey(alter.relation);
  if (alter.objtype !== "OBJECT_TABLE" || !isExistingTable(state, table)) return [];
  return (alter.cmds ?? []).flatMap((cmd) => ("AlterTableCmd" in cmd ? commandRules(table, cmd.AlterTableCmd, state) : []));
}

function commandRules(table: string, cmd: AlterTableCmd, state: MigrationState): Hit[] {
  const column = cmd.name ?? "?";
  switch (cmd.subtype) {
    case "AT_DropColumn":
      return [{
        rule: "drop-column", severity: "data-loss",
        message: `DROP COLUMN ${table}.${column} deletes the column and every value in it.`,
        advice: "Stop reading and writing the column in the app first, back up, then drop it in a later release with a suppression comment.",
        live: { kind: "column-values", table, column },
      }];
    case "AT_AlterColumnType": {
      const def = cmd.def && "ColumnDef" in cmd.def ? cmd.def.ColumnDef : undefined;
      const typeName = typeBaseName(def?.typeName);
      const enumLabels = state.createdEnums.get(typeName);
      if (enumLabels) {
        return [{
          rule: "enum-value-removed", severity: "may-fail",
          message: `${table}.${column} moves to the new enum ${typeName} (${enumLabels.join(", ")}): rows holding any other value make the migration fail.`,
          advice: "Update the rows that use the removed values first (a data migration), then replace the enum.",
          live: { kind: "enum-values", table, column, keep: enumLabels },
        }];
      }
      const type = typeNameSql(def?.typeName);
      return [{
        rule: "alter-column-type", severity: "may-fail",
        message: `ALTER COLUMN ${table}.${column} TYPE ${type} rewrites the table under an ACCESS EXCLUSIVE lock; the cast can fail on existing values or silently lose precision.`,
        advice: "Add a new column, backfill it in batches, switch the app over, then drop the old column.",
        live: { kind: "cast", table, column, type },
      }];
    }
    case "AT_AddColumn": {
      const def = cmd.def && "ColumnDef" in cmd.def ? cmd.def.ColumnDef : undefined;
      return def ? addColumnRules(table, def) : [];
    }
    case "AT_SetNotNull":
      return [{
        rule: "set-not-null", severity: "may-fail",
        message: `SET NOT NULL on ${table}.${column} fails if any row holds NULL, and scans the whole table under an ACCESS EXCLUSIVE lock.`,
        advice: `Backfill the NULLs first; on a large table add CHECK ("${column}" IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL.`,
        live: { kind: "null-values", table, column },
      }];
    default:
      return [];
  }
}

function addColumnRules(table: string, def: ColumnDef): Hit[] {
  const column = def.colname ?? "?";
  const constraints = (def.constraints ?? []).flatMap((node) => ("Constraint" in node ? [node.Constraint as Constraint] : []));
  const defaultExpr = constraints.find((c) => c.contype === "CONSTR_DEFAULT")?.raw_expr;
  const filledByItself = constraints.some((c) => c.contype === "CONSTR_IDENTITY" || c.contype === "CONSTR_GENERATED");
  const serial = SERIAL_TYPES.has(typeBaseName(def.typeName).toLowerCase());
  const hits: Hit[] = [];
  const notNull = constraints.some((c) => c.contype === "CONSTR_NOTNULL" || c.contype === "CONSTR_PRIMARY");
  if (notNull && !defaultExpr && !filledByItself && !serial) {
    hits.push({
      rule: "add-column-not-null-no-default", severity: "may-fail",
      message: `ADD COLUMN ${table}.${column} NOT NULL without a default fails as soon as the table has a row.`,
      advice: "Add the column nullable (or with a constant default), backfill it, then SET NOT NULL.",
      live: { kind: "table-rows", table },
    });
  }
  const volatile = calledFunctions(defaultExpr).filter((name) => VOLATILE_FUNCTIONS.has(name));
  if (volatile.length > 0 || serial || filledByItself) {
    const why = volatile.length > 0 ? `its default calls ${volatile.join(", ")}()` : serial ? "a serial column fills every row" : "an identity or generated column fills every row";
    hits.push({
      rule: "volatile-default", severity: "lock",
      message: `ADD COLUMN ${table}.${column} rewrites the whole table under an ACCESS EXCLUSIVE lock: ${why}.`,
      advice: "Add the column without a default (or with a constant one), set the default afterwards, backfill existing rows in batches.",
      live: { kind: "table-rows", table },
    });
  }
  return hits;
}

function renameRules(rename: RenameStmt, state: MigrationState): Hit[] {
  const table = tableKey(rename.relation);
  if (!isExistingTable(state, table)) return [];
  if (rename.renameType === "OBJECT_TABLE") {
    return [{
      rule: "rename-table", severity: "breaking",
      message: `RENAME of table ${table} to ${rename.newname}: the running app still queries the old name and fails.`,
      advice: "Create the new table (or a view with the new name), move the app over, and drop the old name in a later release.",
    }];
  }
  if (rename.renameType === "OBJECT_COLUMN") {
    return [{
      rule: "rename-column", severity: "breaking",
      message: `RENAME of column ${table}.${rename.subname} to ${rename.newname}: the running app still uses the old name and fails.`,
      advice: "Add the new column, write both, backfill, switch reads, then drop the old column in a later release (expand and contract).",
    }];
  }
  return [];
}
