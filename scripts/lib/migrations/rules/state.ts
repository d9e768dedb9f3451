// What the analyzer knows while it walks a migration, statement by statement:
// objects created earlier (not "existing", so no lock or data findings on
// them), an explicit transaction, whether lock_timeout was set.
import type {
  CreateEnumStmt, CreateStmt, CreateTableAsStmt, IndexStmt, RenameStmt, TransactionStmt, VariableSetStmt,
} from "libpg-query";
import { names, tableKey } from "../ast.ts";
import type { Statement } from "../parse.ts";
export interface MigrationState {
  /** "schema.table" created earlier in this migration (or an earlier pending one). */
  createdTables: Set<string>;
  createdIndexes: Set<string>;
  /** Enum types created in this migration: name -> labels. */
  createdEnums: Map<string, string[]>;
  /** Types renamed in this migration (Prisma's enum rewrite renames the old type to *_old and drops it). */
  renamedTypes: Set<string>;
  /** Line of an explicit BEGIN still open, or null. */
  openTransactionLine: number | null;
  lockTimeoutSet: boolean;
  lockTimeoutReported: boolean;
}

export function newMigrationState(createdTables: Iterable<string> = []): MigrationState {
  return {
    createdTables: new Set(createdTables),
    createdIndexes: new Set(),
    createdEnums: new Map(),
    renamedTypes: new Set(),
    openTransactionLine: null,
    lockTimeoutSet: false,
    lockTimeoutReported: false,
  };
}

export function isExistingTable(state: MigrationState, table: string): boolean {
  return !state.createdTables.has(table);
}

/** Updates what the analyzer knows once a statement has been checked. */
export function recordStatement(statement: Statement, state: MigrationState): void {
  const node = statement.node;
  switch (statement.kind) {
    case "CreateStmt":
    case "CreateTableAsStmt": {
      const relation = (node as CreateStmt).relation ?? (node as CreateTableAsStmt).into?.rel;
      state.createdTables.add(tableKey(relation));
      break;
    }
    case "IndexStmt":
      if ((node as IndexStmt).idxname) state.createdIndexes.add((node as IndexStmt).idxname!);
      break;
    case "CreateEnumStmt": {
      const enumStmt = node as CreateEnumStmt;
      const name = names(enumStmt.typeName).at(-1);
      if (name) state.createdEnums.set(name, names(enumStmt.vals));
      break;
    }
    case "RenameStmt": {
      const rename = node as RenameStmt;
      if (rename.renameType === "OBJECT_TABLE" && state.createdTables.has(tableKey(rename.relation)) && rename.newname) {
        state.createdTables.add(`${rename.relation?.schemaname ?? "public"}.${rename.newname}`);
      }
      if (rename.renameType === "OBJECT_TYPE" && rename.newname) state.renamedTypes.add(rename.newname);
      break;
    }
    case "TransactionStmt": {
      const kind = (node as TransactionStmt).kind;
      if (kind === "TRANS_STMT_BEGIN" || kind === "TRANS_STMT_START") state.openTransactionLine = statement.line;
      if (kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK") state.openTransactionLine = null;
      break;
    }
    case "VariableSetStmt":
      if ((node as VariableSetStmt).name === "lock_timeout") state.lockTimeoutSet = true;
      break;
  }
}
