// Constraints on existing tables: UNIQUE, primary keys, exclusion constraints,
// foreign keys and CHECKs added without NOT VALID, VALIDATE in the same
// transaction as the NOT VALID, and dropped foreign keys / primary keys
// (a key Prisma drops and re-creates under the same name is not a drop).
import type { AlterTableCmd, AlterTableStmt, Constraint } from "libpg-query";
import { names, tableKey } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { findColumn, hasUniqueOn, tableConstraints } from "../schema-model.ts";
import { constraintKey, holdsOnlyNulls, isExistingTable, type MigrationState } from "./state.ts";

export function constraintRules(statement: Statement, state: MigrationState): Hit[] {
  if (statement.kind !== "AlterTableStmt") return [];
  const alter = statement.node as AlterTableStmt;
  const table = tableKey(alter.relation);
  if (alter.objtype !== "OBJECT_TABLE" || !isExistingTable(state, table)) return [];
  return (alter.cmds ?? []).flatMap((cmd) => ("AlterTableCmd" in cmd ? commandRules(table, cmd.AlterTableCmd, statement.line, state) : []));
}

function commandRules(table: string, cmd: AlterTableCmd, line: number, state: MigrationState): Hit[] {
  if (cmd.subtype === "AT_AddConstraint" && cmd.def && "Constraint" in cmd.def) return addedConstraint(table, cmd.def.Constraint, state);
  if (cmd.subtype === "AT_DropConstraint") return droppedConstraint(table, cmd.name ?? "?", line, state);
  if (cmd.subtype === "AT_ValidateConstraint") return validated(table, cmd.name ?? "?", state);
  return [];
}

function addedConstraint(table: string, constraint: Constraint, state: MigrationState): Hit[] {
  const columns = names(constraint.keys);
  const name = constraint.conname ?? "";
  switch (constraint.contype) {
    case "CONSTR_UNIQUE":
      // UNIQUE USING INDEX adopts an index built beforehand (CONCURRENTLY): the safe form.
      if (constraint.indexname) return [];
      if (hasUniqueOn(state.model, table, columns) || (columns.length > 0 && columns.every((c) => holdsOnlyNulls(state, table, c)))) {
        return [{
          rule: "add-unique", severity: "lock",
          message: `UNIQUE (${columns.join(", ")}) on ${table} cannot fail (the values are already unique, or NULL in every row), but builds its index under a lock that blocks writes.`,
          advice: "Build a unique index CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX.",
        }];
      }
      return [{
        rule: "add-unique", severity: "may-fail",
        message: `UNIQUE (${columns.join(", ")}) on ${table} fails if duplicates exist, and builds its index under a lock that blocks writes.`,
        advice: "Remove duplicates first; build a unique index CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX.",
        live: { kind: "duplicates", table, columns },
      }];
    case "CONSTR_PRIMARY":
      return addedPrimaryKey(table, constraint, columns, state);
    case "CONSTR_EXCLUSION":
      return [{
        rule: "add-exclusion-constraint", severity: "may-fail",
        message: `EXCLUDE constraint ${name} on ${table} fails if existing rows conflict, and builds its index under an ACCESS EXCLUSIVE lock (it cannot be added NOT VALID).`,
        advice: "Find and fix conflicting rows first (a self-join with the constraint's operators), and add it in a quiet window or on a new table.",
      }];
    case "CONSTR_FOREIGN":
      if (constraint.skip_validation) return [];
      return [{
        rule: "add-foreign-key-validating", severity: "lock",
        message: `FOREIGN KEY ${name} on ${table} checks every existing row while locking both tables against writes.`,
        advice: "Add it with NOT VALID (instant), then ALTER TABLE … VALIDATE CONSTRAINT in a separate migration (allows writes).",
      }];
    case "CONSTR_CHECK":
      if (constraint.skip_validation) return [];
      return [{
        rule: "add-check-validating", severity: "lock",
        message: `CHECK ${name} on ${table} scans every row under an ACCESS EXCLUSIVE lock.`,
        advice: "Add it with NOT VALID, then ALTER TABLE … VALIDATE CONSTRAINT in a separate migration.",
      }];
    default:
      return [];
  }
}

function addedPrimaryKey(table: string, constraint: Constraint, columns: string[], state: MigrationState): Hit[] {
  if (constraint.indexname) {
    // The unique index was built beforehand; only NOT NULL on its columns remains to be checked.
    const index = state.model.indexes.get(`${table.slice(0, table.indexOf("."))}.${constraint.indexname}`);
    const nullable = (index?.columns ?? []).filter((c) => findColumn(state.model, table, c)?.notNull === false);
    if (nullable.length === 0) return [];
    return [{
      rule: "primary-key-change", severity: "may-fail",
      message: `PRIMARY KEY USING INDEX ${constraint.indexname} on ${table} sets NOT NULL on ${nullable.join(", ")}: it scans the table under an ACCESS EXCLUSIVE lock and fails on a NULL.`,
      advice: `SET NOT NULL on ${nullable.join(", ")} first (after a validated CHECK … IS NOT NULL, no scan), then add the key.`,
      live: { kind: "null-values", table, column: nullable[0]! },
    }];
  }
  const notNull = columns.every((c) => findColumn(state.model, table, c)?.notNull === true);
  if (hasUniqueOn(state.model, table, columns) && notNull) {
    return [{
      rule: "primary-key-change", severity: "lock",
      message: `PRIMARY KEY (${columns.join(", ")}) on ${table} cannot fail (a unique index on the same NOT NULL columns exists), but builds a second index under an ACCESS EXCLUSIVE lock.`,
      advice: "Use ADD PRIMARY KEY USING INDEX with the existing unique index (no build).",
    }];
  }
  return [{
    rule: "primary-key-change", severity: "may-fail",
    message: `PRIMARY KEY (${columns.join(", ")}) on ${table} fails on duplicates or NULLs, and builds its index under an ACCESS EXCLUSIVE lock.`,
    advice: "Build a unique index CONCURRENTLY first, then ADD PRIMARY KEY USING INDEX.",
    live: columns.length > 0 ? { kind: "duplicates", table, columns } : undefined,
  }];
}

/** Prisma names keys <Table>_pkey and foreign keys <Table>_<column>_fkey. */
function droppedConstraint(table: string, name: string, line: number, state: MigrationState): Hit[] {
  const known = tableConstraints(state.model, table).get(name);
  const kind = known?.kind ?? (name.endsWith("_pkey") ? "primary" : name.endsWith("_fkey") ? "foreign" : undefined);
  const readded = (state.constraintsAdded.get(constraintKey(table, name)) ?? []).find((at) => at > line);
  if (kind === "primary") {
    return [{
      rule: "primary-key-change", severity: "breaking",
      message: `DROP CONSTRAINT ${name} removes ${table}'s primary key${readded ? ` (a new one is added on line ${readded})` : ""}: the app's lookups, upserts and relations by the old key break.`,
      advice: "Add the replacement key first (unique index CONCURRENTLY, then PRIMARY KEY USING INDEX) in the same migration, and release the app code with it.",
    }];
  }
  if (kind !== "foreign") return [];
  if (readded) {
    return [{
      rule: "drop-foreign-key", severity: "info",
      message: `DROP CONSTRAINT ${name} on ${table} is followed by ADD CONSTRAINT ${name} on line ${readded}: the relation stays enforced (Prisma re-creates a key to change its ON DELETE / ON UPDATE).`,
      advice: "Nothing to do for the drop; the re-created key's validation is reported on its own line.",
    }];
  }
  const bare = table.slice(table.indexOf(".") + 1);
  const columns = known?.columns ?? (name.startsWith(`${bare}_`) ? [name.slice(bare.length + 1, -"_fkey".length)] : []);
  return [{
    rule: "drop-foreign-key", severity: "breaking",
    message: `DROP CONSTRAINT ${name} on ${table}: nothing stops orphaned rows any more, and cascading deletes stop.`,
    advice: "Make sure the app no longer relies on the relation (or its ON DELETE behaviour) before dropping it.",
    about: { table, columns, name, ...(known?.references ? { references: known.references } : {}) },
  }];
}

function validated(table: string, name: string, state: MigrationState): Hit[] {
  const added = state.notValidConstraints.get(constraintKey(table, name));
  if (!added || added.segment !== state.segment) return [];
  return [{
    rule: "validate-in-same-transaction", severity: "lock",
    message: `VALIDATE CONSTRAINT ${name} runs in the same transaction as its ADD … NOT VALID on line ${added.line}: the ACCESS EXCLUSIVE lock the ADD took is held through the whole validation scan, so NOT VALID gains nothing.`,
    advice: "Validate in a separate migration (its own transaction), where it only takes a SHARE UPDATE EXCLUSIVE lock.",
  }];
}
