// Column changes on existing tables: DROP COLUMN, ALTER COLUMN TYPE (judged
// by the old type from the schema model, and the enum rewrite Prisma
// generates when values are removed), ADD COLUMN NOT NULL without default,
// volatile defaults, inline UNIQUE / REFERENCES, SET NOT NULL, renames.
import type { AlterEnumStmt, AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, RenameStmt } from "libpg-query";
import { calledFunctions, tableKey, typeNameSql } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { columnType, enumLabels, findColumn, isSerial, objectKey, tableConstraints, type ColumnType } from "../schema-model.ts";
import { addedHere, isExistingTable, type MigrationState } from "./state.ts";
import { typeChangeCost } from "./type-change.ts";

/**
 * Built-in functions that are immutable or stable: as a column default they are
 * evaluated once, so ADD COLUMN rewrites nothing. Any other function (a user
 * function, uuid_generate_v4(), random() …) counts as volatile.
 */
const NON_VOLATILE_FUNCTIONS = new Set([
  "now", "statement_timestamp", "transaction_timestamp", "current_setting", "to_char", "to_date", "to_timestamp", "to_number",
  "date_trunc", "date_part", "extract", "make_date", "make_time", "make_timestamp", "make_timestamptz", "make_interval", "age",
  "timezone", "lower", "upper", "initcap", "trim", "btrim", "ltrim", "rtrim", "length", "char_length", "substring", "substr",
  "left", "right", "concat", "concat_ws", "format", "replace", "regexp_replace", "split_part", "lpad", "rpad", "repeat",
  "reverse", "md5", "sha256", "encode", "decode", "abs", "ceil", "ceiling", "floor", "round", "trunc", "mod", "power",
  "jsonb_build_object", "jsonb_build_array", "json_build_object", "json_build_array", "to_jsonb", "to_json", "array_to_json",
  "jsonb_object", "array_fill", "string_to_array", "array_append", "array_prepend", "quote_ident", "quote_literal",
  "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
]);

export function columnRules(statement: Statement, state: MigrationState): Hit[] {
  if (statement.kind === "RenameStmt") return renameRules(statement.node as RenameStmt, state);
  if (statement.kind === "AlterEnumStmt") return renameEnumValue(statement.node as AlterEnumStmt, state);
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
      return [dropColumn(table, column, state)];
    case "AT_AlterColumnType": {
      const def = cmd.def && "ColumnDef" in cmd.def ? cmd.def.ColumnDef : undefined;
      return alterType(table, column, def, state);
    }
    case "AT_AddColumn": {
      const def = cmd.def && "ColumnDef" in cmd.def ? cmd.def.ColumnDef : undefined;
      return def ? addColumnRules(table, def) : [];
    }
    case "AT_SetNotNull": {
      const known = findColumn(state.model, table, column);
      if (known?.notNull) return [];
      const check = [...tableConstraints(state.model, table).values()].find((c) => c.kind === "check" && c.validated && c.notNullOf === column);
      if (check) return [];
      return [{
        rule: "set-not-null", severity: "may-fail",
        message: `SET NOT NULL on ${table}.${column} fails if any row holds NULL, and scans the whole table under an ACCESS EXCLUSIVE lock.`,
        advice: `Backfill the NULLs first; on a large table add CHECK ("${column}" IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (no scan).`,
        live: { kind: "null-values", table, column },
      }];
    }
    default:
      return [];
  }
}

function dropColumn(table: string, column: string, state: MigrationState): Hit {
  const added = addedHere(state, table, column);
  if (added !== undefined) {
    return {
      rule: "drop-column", severity: "info",
      message: `DROP COLUMN ${table}.${column} removes a column added on line ${added} of this migration: it holds no existing data.`,
      advice: "Nothing to do.",
      about: { table, column },
    };
  }
  const copied = state.copiedColumns.get(table)?.get(column);
  if (copied !== undefined) {
    return {
      rule: "drop-column", severity: "info",
      message: `DROP COLUMN ${table}.${column}: its values were copied by the statement on line ${copied} first.`,
      advice: "Check that the copy keeps everything the app needs (a transforming copy can lose detail).",
      about: { table, column },
    };
  }
  return {
    rule: "drop-column", severity: "data-loss",
    message: `DROP COLUMN ${table}.${column} deletes the column and every value in it.`,
    advice: "Stop reading and writing the column in the app first, back up, then drop it in a later release with a suppression comment.",
    live: { kind: "column-values", table, column },
    about: { table, column },
  };
}

function alterType(table: string, column: string, def: ColumnDef | undefined, state: MigrationState): Hit[] {
  const to = columnType(def?.typeName);
  const sql = typeNameSql(def?.typeName);
  const from = findColumn(state.model, table, column)?.type ?? null;
  const newLabels = enumLabels(state.model, to);
  if (newLabels) return enumChange(table, column, from, to!, newLabels, state);
  const usingExpression = def?.raw_default !== undefined;
  if (from && to && !usingExpression) {
    const cost = typeChangeCost(from, to);
    if (cost.kind === "none") return [];
    if (cost.kind === "timezone") {
      return [{
        rule: "alter-column-type", severity: state.timeZoneUtc ? "info" : "may-fail",
        message: state.timeZoneUtc
          ? `ALTER COLUMN ${table}.${column} TYPE ${sql}: the migration sets TimeZone to UTC first, so PostgreSQL rewrites nothing and every instant stays the same.`
          : `ALTER COLUMN ${table}.${column} TYPE ${sql}: ${cost.why}.`,
        advice: "Start the migration with SET TimeZone = 'UTC'; (Prisma writes DateTime values in UTC).",
        ...(state.timeZoneUtc ? {} : { live: { kind: "timezone", table } as const }),
      }];
    }
    if (cost.kind === "rewrite") {
      return [{
        rule: "alter-column-type", severity: "lock",
        message: `ALTER COLUMN ${table}.${column} TYPE ${sql} rewrites the table under an ACCESS EXCLUSIVE lock (${cost.why}).`,
        advice: "On a large table: add a new column, backfill it in batches, switch the app over, then drop the old column.",
      }];
    }
  }
  const known = from ? ` (${typeChangeCost(from, to ?? from).why})` : "";
  return [{
    rule: "alter-column-type", severity: "may-fail",
    message: `ALTER COLUMN ${table}.${column} TYPE ${sql} rewrites the table under an ACCESS EXCLUSIVE lock; the cast can fail on existing values or silently lose precision${usingExpression ? " (USING expression)" : known}.`,
    advice: "Add a new column, backfill it in batches, switch the app over, then drop the old column.",
    live: { kind: "cast", table, column, type: sql },
  }];
}

/** Prisma's enum rewrite: the column moves to a new enum; values missing from it make the ALTER fail. */
function enumChange(table: string, column: string, from: ColumnType | null, to: ColumnType, labels: string[], state: MigrationState): Hit[] {
  const oldLabels = enumLabels(state.model, from);
  const removed = oldLabels?.filter((label) => !labels.includes(label));
  if (removed && removed.length === 0) {
    return [{
      rule: "alter-column-type", severity: "lock",
      message: `ALTER COLUMN ${table}.${column} TYPE ${to.name}: the new enum keeps every value of the old one, but the table is rewritten under an ACCESS EXCLUSIVE lock.`,
      advice: "On a large table prefer ALTER TYPE … ADD VALUE, which rewrites nothing.",
    }];
  }
  const what = removed ? `values ${removed.map((l) => `'${l}'`).join(", ")} are removed` : `only ${labels.join(", ")} remain`;
  return [{
    rule: "enum-value-removed", severity: "may-fail",
    message: `${table}.${column} moves to the enum ${to.name} (${labels.join(", ")}): ${what}, and rows holding a removed value make the migration fail.`,
    advice: "Update the rows that use the removed values first (a data migration), then replace the enum.",
    live: { kind: "enum-values", table, column, keep: labels },
  }];
}

function constraintsOf(def: ColumnDef): Constraint[] {
  return (def.constraints ?? []).flatMap((node) => ("Constraint" in node ? [node.Constraint] : []));
}

function addColumnRules(table: string, def: ColumnDef): Hit[] {
  const column = def.colname ?? "?";
  const constraints = constraintsOf(def);
  const defaultExpr = constraints.find((c) => c.contype === "CONSTR_DEFAULT")?.raw_expr;
  const filledByItself = constraints.some((c) => c.contype === "CONSTR_IDENTITY" || c.contype === "CONSTR_GENERATED");
  const serial = isSerial(def.typeName);
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
  const volatile = calledFunctions(defaultExpr).filter((name) => !NON_VOLATILE_FUNCTIONS.has(name));
  if (volatile.length > 0 || serial || filledByItself) {
    const why = volatile.length > 0
      ? `its default calls ${volatile.map((name) => `${name}()`).join(", ")}, which PostgreSQL evaluates for every row (not a known immutable or stable built-in)`
      : serial ? "a serial column fills every row" : "an identity or generated column fills every row";
    hits.push({
      rule: "volatile-default", severity: "lock",
      message: `ADD COLUMN ${table}.${column} rewrites the whole table under an ACCESS EXCLUSIVE lock: ${why}.`,
      advice: "Add the column without a default (or with a constant one), set the default afterwards, backfill existing rows in batches.",
      live: { kind: "table-rows", table },
    });
  }
  const filled = defaultExpr !== undefined || filledByItself || serial;
  for (const constraint of constraints) {
    if (constraint.contype === "CONSTR_UNIQUE") {
      hits.push(filled
        ? {
            rule: "add-unique", severity: "may-fail",
            message: `ADD COLUMN ${table}.${column} … UNIQUE with a default gives every existing row a value: duplicates make it fail, and the unique index builds under the ALTER's ACCESS EXCLUSIVE lock.`,
            advice: "Add the column without UNIQUE, fill it with distinct values, build a unique index CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX.",
            live: { kind: "table-rows", table },
          }
        : {
            rule: "add-unique", severity: "lock",
            message: `ADD COLUMN ${table}.${column} … UNIQUE builds a unique index over every row under the ALTER's ACCESS EXCLUSIVE lock (reads and writes wait; the new column is NULL everywhere, so it cannot fail).`,
            advice: "Add the column without UNIQUE, then CREATE UNIQUE INDEX CONCURRENTLY and ADD CONSTRAINT … UNIQUE USING INDEX.",
          });
    }
    if (constraint.contype === "CONSTR_FOREIGN") {
      hits.push({
        rule: "add-foreign-key-validating", severity: filled ? "may-fail" : "lock",
        message: filled
          ? `ADD COLUMN ${table}.${column} … REFERENCES with a default checks every row's value against ${tableKey(constraint.pktable)}: a value missing there makes it fail, while both tables are locked against writes.`
          : `ADD COLUMN ${table}.${column} … REFERENCES validates the key over every row while locking ${tableKey(constraint.pktable)} against writes.`,
        advice: "Add the column first, then ADD CONSTRAINT … FOREIGN KEY … NOT VALID and VALIDATE CONSTRAINT in a later migration.",
      });
    }
    if (constraint.contype === "CONSTR_PRIMARY") {
      hits.push({
        rule: "primary-key-change", severity: "breaking",
        message: `ADD COLUMN ${table}.${column} … PRIMARY KEY replaces how rows are identified and builds its index under an ACCESS EXCLUSIVE lock.`,
        advice: "Add the column, fill it, build a unique index CONCURRENTLY, then ADD PRIMARY KEY USING INDEX, released together with the app code that uses it.",
      });
    }
  }
  return hits;
}

function renameRules(rename: RenameStmt, state: MigrationState): Hit[] {
  if (rename.renameType === "OBJECT_SCHEMA") {
    return [{
      rule: "rename-schema", severity: "breaking",
      message: `RENAME of schema ${rename.subname} to ${rename.newname}: every query of the running app that names the schema (and Prisma's ?schema= setting) fails.`,
      advice: "Create the new schema and move objects over in steps the app can follow, or rename during a maintenance window with the app stopped.",
    }];
  }
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
    if (addedHere(state, table, rename.subname ?? "") !== undefined) return [];
    return [{
      rule: "rename-column", severity: "breaking",
      message: `RENAME of column ${table}.${rename.subname} to ${rename.newname}: the running app still uses the old name and fails.`,
      advice: "Add the new column, write both, backfill, switch reads, then drop the old column in a later release (expand and contract).",
    }];
  }
  return [];
}

function renameEnumValue(alter: AlterEnumStmt, state: MigrationState): Hit[] {
  if (!alter.oldVal || !alter.newVal) return [];
  const type = objectKey(alter.typeName);
  if (state.createdTypes.has(type)) return [];
  return [{
    rule: "rename-enum-value", severity: "breaking",
    message: `ALTER TYPE ${type} RENAME VALUE '${alter.oldVal}' TO '${alter.newVal}': the running app still writes and expects '${alter.oldVal}', and fails on it.`,
    advice: "Add the new value (ADD VALUE), move the rows and the app over, and drop the old value in a later release.",
  }];
}
