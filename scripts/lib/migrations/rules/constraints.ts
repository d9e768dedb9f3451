// Constraints on existing tables: UNIQUE, primary keys, foreign keys and CHECKs
// added without NOT VALID, and dropped foreign keys / primary keys.
import type { AlterTableCmd, AlterTableStmt, Constraint } from "libpg-query";
import { names, tableKey } from "../ast.ts";
import type { Hit } from "../findings.ts";
import type { Statement } from "../parse.ts";
import { isExistingTable, type MigrationState } from "./state.ts";

export function constraintRules(statement: Statement, state: MigrationState): Hit[] {
  if (statement.kind !== "AlterTableStmt") return [];
  const alter = statement.node as AlterTableStmt;
  const table = tableKey(alter.relation);
  if (alter.objtype !== "OBJECT_TABLE" || !isExistingTable(state, table)) return [];
  return (alter.cmds ?? []).flatMap((cmd) => ("AlterTableCmd" in cmd ? commandRules(table, cmd.AlterTableCmd) : []));
}

function commandRules(table: string, cmd: AlterTableCmd): Hit[] {
  if (cmd.subtype === "AT_AddConstraint" && cmd.def && "Constraint" in cmd.def) return addedConstraint(table, cmd.def.Constraint);
  if (cmd.subtype === "AT_DropConstraint") return droppedConstraint(table, cmd.name ?? "?");
  return [];
}

function addedConstraint(table: string, constraint: Constraint): Hit[] {
  const columns = names(constraint.keys);
  const name = constraint.conname ?? "";
  switch (constraint.contype) {
    case "CONSTR_UNIQUE":
      // UNIQUE USING INDEX adopts an index built beforehand (CONCURRENTLY): the safe form.
      if (constraint.indexname) return [];
      return [{
        rule: "add-unique", severity: "may-fail",
        message: `UNIQUE (${columns.join(", ")}) on ${table} fails if duplicates exist, and builds its index under a lock that blocks writes.`,
        advice: "Remove duplicates first; build a unique index CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX.",
        live: { kind: "duplicates", table, columns },
      }];
    case "CONSTR_PRIMARY":
      return [{
        rule: "primary-key-change", severity: "breaking",
        message: `PRIMARY KEY (${columns.join(", ") || constraint.indexname}) on ${table} changes row identity the app relies on; it fails on duplicates or NULLs and locks the table while the index builds.`,
        advice: "Build a unique index CONCURRENTLY first, then ADD PRIMARY KEY USING INDEX, and release app code that uses the new key together with it.",
        live: columns.length > 0 ? { kind: "duplicates", table, columns } : undefined,
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

/** Prisma names keys <Table>_pkey and foreign keys <Table>_<column>_fkey. */
function droppedConstraint(table: string, name: string): Hit[] {
  if (name.endsWith("_pkey")) {
    return [{
      rule: "primary-key-change", severity: "breaking",
      message: `DROP CONSTRAINT ${name} removes ${table}'s primary key: the app's lookups and relations by that key break.`,
      advice: "Add the replacement key first (unique index CONCURRENTLY, then PRIMARY KEY USING INDEX) in the same migration, and release the app code with it.",
    }];
  }
  if (name.endsWith("_fkey")) {
    return [{
      rule: "drop-foreign-key", severity: "breaking",
      message: `DROP CONSTRAINT ${name} on ${table}: nothing stops orphaned rows any more, and cascading deletes stop.`,
      advice: "Make sure the app no longer relies on the relation (or its ON DELETE behaviour) before dropping it.",
    }];
  }
  return [];
}
