// What the analyzer knows while it walks a migration, statement by statement:
// the schema model (the database as the statement finds it), objects this
// migration created or changed (not "existing", so no lock or data findings on
// them), the transactions the schema engine runs the statements in, and
// whether lock_timeout was set.
import type {
  AlterEnumStmt, AlterTableStmt, ColumnDef, CreateStmt, CreateTableAsStmt, DropStmt, IndexStmt, InsertStmt, Node, RenameStmt,
  TransactionStmt, UpdateStmt, VariableSetStmt,
} from "libpg-query";
import { columnRefs, droppedTableName, tableKey } from "../ast.ts";
import type { SchemaEngine } from "../engine.ts";
import type { Statement } from "../parse.ts";
import { applyStatement, objectKey, typeKey, type SchemaModel } from "../schema-model.ts";

export interface MigrationState {
  engine: SchemaEngine;
  /** The schema as the current statement finds it. */
  model: SchemaModel;
  /** "schema.table" created earlier in this migration (or an earlier pending one). */
  createdTables: Set<string>;
  /** "schema.index" created in this migration. */
  createdIndexes: Set<string>;
  /** Enum and other types created in this migration ("schema.type"). */
  createdTypes: Set<string>;
  /** Types this migration gave a new name (Prisma's enum rewrite renames the old type to *_old, then drops it). */
  renamedTypes: Set<string>;
  /** Columns added in this migration: table -> column -> line. */
  addedColumns: Map<string, Map<string, number>>;
  /** Columns dropped in this migration: table -> column -> line. */
  droppedColumns: Map<string, Map<string, number>>;
  /** Columns of a user type that this migration dropped: "schema.type" -> ["table.column"]. */
  droppedTypeColumns: Map<string, Set<string>>;
  /** Column values copied elsewhere (UPDATE … SET other = col, INSERT … SELECT col) before a DROP: table -> column -> line. */
  copiedColumns: Map<string, Map<string, number>>;
  /** Columns written by UPDATE (or every column, "*", of a table INSERTed into) in this migration. */
  writtenColumns: Map<string, Set<string>>;
  /** Enum labels added with ADD VALUE: "schema.type" -> label -> where. */
  addedEnumValues: Map<string, Map<string, { line: number; segment: number }>>;
  /** Constraints added NOT VALID here: "table constraint" -> where. */
  notValidConstraints: Map<string, { line: number; segment: number }>;
  /** Existing tables changed by ALTER TABLE here: table -> where (locks held until their transaction ends). */
  alteredTables: Map<string, { line: number; segment: number }>;
  /** Constraints the file adds, by "table constraint": line of the (first) ADD. Known before the walk. */
  constraintsAdded: Map<string, number[]>;
  /** Parsed statements in the file. */
  statementCount: number;
  /** Line of an explicit BEGIN still open, or null. */
  openTransactionLine: number | null;
  /** Which transaction the current statement runs in (same number = same transaction). */
  segment: number;
  lockTimeoutSet: boolean;
  lockTimeoutReported: boolean;
  /** SET TimeZone = 'UTC' ran earlier in the file. */
  timeZoneUtc: boolean;
}

export interface StateOptions {
  engine: SchemaEngine;
  model: SchemaModel;
  createdTables?: Iterable<string>;
  statements: Statement[];
}

export function newMigrationState(options: StateOptions): MigrationState {
  return {
    engine: options.engine,
    model: options.model,
    createdTables: new Set(options.createdTables),
    createdIndexes: new Set(),
    createdTypes: new Set(),
    renamedTypes: new Set(),
    addedColumns: new Map(),
    droppedColumns: new Map(),
    droppedTypeColumns: new Map(),
    copiedColumns: new Map(),
    writtenColumns: new Map(),
    addedEnumValues: new Map(),
    notValidConstraints: new Map(),
    alteredTables: new Map(),
    constraintsAdded: constraintsAddedIn(options.statements),
    statementCount: options.statements.length,
    openTransactionLine: null,
    segment: 0,
    lockTimeoutSet: false,
    lockTimeoutReported: false,
    timeZoneUtc: false,
  };
}

export function isExistingTable(state: MigrationState, table: string): boolean {
  return !state.createdTables.has(table);
}

export function constraintKey(table: string, name: string): string {
  return `${table} ${name}`;
}

function constraintsAddedIn(statements: Statement[]): Map<string, number[]> {
  const added = new Map<string, number[]>();
  for (const statement of statements) {
    if (statement.kind !== "AlterTableStmt") continue;
    const alter = statement.node as AlterTableStmt;
    for (const cmd of alter.cmds ?? []) {
      if (!("AlterTableCmd" in cmd) || cmd.AlterTableCmd.subtype !== "AT_AddConstraint") continue;
      const def = cmd.AlterTableCmd.def;
      const name = def && "Constraint" in def ? def.Constraint.conname : undefined;
      if (!name) continue;
      const key = constraintKey(tableKey(alter.relation), name);
      added.set(key, [...(added.get(key) ?? []), statement.line]);
    }
  }
  return added;
}

/**
 * The transaction a statement runs in, when PostgreSQL treats it as being
 * inside a transaction block: an explicit BEGIN, or (native engine) the whole
 * multi-statement file. null: the statement runs on its own.
 */
export function transactionBlock(state: MigrationState): string | null {
  if (state.openTransactionLine !== null) return `the BEGIN on line ${state.openTransactionLine}`;
  if (state.engine === "native" && state.statementCount > 1) {
    return "the whole file: Prisma's native schema engine sends migration.sql as one query, which PostgreSQL runs as one transaction";
  }
  return null;
}

/** Called before the rules see a statement: which transaction it runs in. */
export function enterStatement(state: MigrationState): void {
  // The adapter runs each piece as its own transaction unless a BEGIN is open;
  // the native engine's one query is one transaction until a COMMIT/ROLLBACK.
  if (state.engine === "adapter-pg" && state.openTransactionLine === null) state.segment += 1;
}

function addTo<V>(map: Map<string, Map<string, V>>, outer: string, inner: string, value: V): void {
  let entry = map.get(outer);
  if (!entry) map.set(outer, (entry = new Map()));
  if (!entry.has(inner)) entry.set(inner, value);
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
    case "IndexStmt": {
      const index = node as IndexStmt;
      if (index.idxname) state.createdIndexes.add(`${index.relation?.schemaname ?? "public"}.${index.idxname}`);
      break;
    }
    case "CreateEnumStmt":
    case "CompositeTypeStmt":
    case "CreateDomainStmt":
      state.createdTypes.add(
        statement.kind === "CompositeTypeStmt"
          ? tableKey((node as { typevar?: CreateStmt["relation"] }).typevar)
          : objectKey((node as { typeName?: []; domainname?: [] }).domainname ?? (node as { typeName?: [] }).typeName),
      );
      break;
    case "AlterEnumStmt": {
      const alter = node as AlterEnumStmt;
      if (alter.newVal && !alter.oldVal) addTo(state.addedEnumValues, objectKey(alter.typeName), alter.newVal, { line: statement.line, segment: state.segment });
      break;
    }
    case "AlterTableStmt":
      recordAlterTable(statement, node as AlterTableStmt, state);
      break;
    case "DropStmt": {
      const drop = node as DropStmt;
      if (drop.removeType !== "OBJECT_TABLE") break;
      for (const table of (drop.objects ?? []).map(droppedTableName)) {
        for (const column of state.model.tables.get(table)?.columns.keys() ?? []) rememberDroppedType(state, table, column);
      }
      break;
    }
    case "UpdateStmt": {
      const update = node as UpdateStmt;
      const table = tableKey(update.relation);
      for (const target of update.targetList ?? []) if ("ResTarget" in target && target.ResTarget.name) markWritten(state, table, target.ResTarget.name);
      if (!copiesEveryRow(update.whereClause)) break;
      for (const target of update.targetList ?? []) {
        if (!("ResTarget" in target)) continue;
        for (const column of columnRefs(target.ResTarget.val)) if (column !== target.ResTarget.name) addTo(state.copiedColumns, table, column, statement.line);
      }
      break;
    }
    case "InsertStmt": {
      markWritten(state, tableKey((node as InsertStmt).relation), "*");
      const select = (node as InsertStmt).selectStmt;
      const query = select && "SelectStmt" in select ? select.SelectStmt : undefined;
      const from = query?.fromClause?.length === 1 ? query.fromClause[0] : undefined;
      if (!query || !from || !("RangeVar" in from) || !copiesEveryRow(query.whereClause)) break;
      for (const column of columnRefs(query.targetList)) addTo(state.copiedColumns, tableKey(from.RangeVar), column, statement.line);
      break;
    }
    case "RenameStmt": {
      const rename = node as RenameStmt;
      if (rename.renameType === "OBJECT_TABLE" && state.createdTables.has(tableKey(rename.relation)) && rename.newname) {
        state.createdTables.add(`${rename.relation?.schemaname ?? "public"}.${rename.newname}`);
      }
      if (rename.renameType === "OBJECT_TYPE" && rename.newname) {
        const from = objectKey(rename.object && "List" in rename.object ? rename.object.List.items : []);
        const to = `${from.slice(0, from.indexOf("."))}.${rename.newname}`;
        if (state.createdTypes.has(from)) state.createdTypes.add(to);
        state.renamedTypes.add(to);
      }
      break;
    }
    case "TransactionStmt": {
      const kind = (node as TransactionStmt).kind;
      if (kind === "TRANS_STMT_BEGIN" || kind === "TRANS_STMT_START") state.openTransactionLine ??= statement.line;
      if (kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK") {
        state.openTransactionLine = null;
        if (state.engine === "native") state.segment += 1;
      }
      break;
    }
    case "VariableSetStmt": {
      const set = node as VariableSetStmt;
      if (set.name === "lock_timeout") state.lockTimeoutSet = true;
      if (set.name === "timezone") state.timeZoneUtc = setsUtc(set);
      break;
    }
  }
  applyStatement(state.model, statement);
}

/**
 * A copy keeps every value when it has no WHERE, or only skips NULLs
 * (`WHERE col IS NOT NULL [AND …]`).
 */
function copiesEveryRow(where: Node | undefined): boolean {
  if (!where) return true;
  if ("NullTest" in where) return where.NullTest.nulltesttype === "IS_NOT_NULL";
  if ("BoolExpr" in where && where.BoolExpr.boolop === "AND_EXPR") return (where.BoolExpr.args ?? []).every(copiesEveryRow);
  return false;
}

function rememberDroppedType(state: MigrationState, table: string, column: string): void {
  const key = typeKey(state.model.tables.get(table)?.columns.get(column)?.type ?? null);
  if (!key) return;
  let columns = state.droppedTypeColumns.get(key);
  if (!columns) state.droppedTypeColumns.set(key, (columns = new Set()));
  columns.add(`${table}.${column}`);
}

function setsUtc(set: VariableSetStmt): boolean {
  const value = set.args?.[0];
  const text = value && "A_Const" in value ? value.A_Const.sval?.sval : undefined;
  return text !== undefined && ["utc", "etc/utc", "z", "gmt", "utc0"].includes(text.toLowerCase());
}

function recordAlterTable(statement: Statement, alter: AlterTableStmt, state: MigrationState): void {
  if (alter.objtype !== "OBJECT_TABLE") return;
  const table = tableKey(alter.relation);
  if (isExistingTable(state, table)) {
    const previous = state.alteredTables.get(table);
    if (!previous || previous.segment !== state.segment) state.alteredTables.set(table, { line: statement.line, segment: state.segment });
  }
  for (const item of alter.cmds ?? []) {
    if (!("AlterTableCmd" in item)) continue;
    const cmd = item.AlterTableCmd;
    if (cmd.subtype === "AT_AddColumn" && cmd.def && "ColumnDef" in cmd.def) {
      addTo(state.addedColumns, table, (cmd.def.ColumnDef as ColumnDef).colname ?? "?", statement.line);
    }
    if (cmd.subtype === "AT_DropColumn" && cmd.name) {
      addTo(state.droppedColumns, table, cmd.name, statement.line);
      rememberDroppedType(state, table, cmd.name);
    }
    if (cmd.subtype === "AT_AddConstraint" && cmd.def && "Constraint" in cmd.def && cmd.def.Constraint.skip_validation && cmd.def.Constraint.conname) {
      state.notValidConstraints.set(constraintKey(table, cmd.def.Constraint.conname), { line: statement.line, segment: state.segment });
    }
  }
}

function markWritten(state: MigrationState, table: string, column: string): void {
  let columns = state.writtenColumns.get(table);
  if (!columns) state.writtenColumns.set(table, (columns = new Set()));
  columns.add(column);
}

/** A column this migration added without a default and has not written since: NULL in every row. */
export function holdsOnlyNulls(state: MigrationState, table: string, column: string): boolean {
  const written = state.writtenColumns.get(table);
  return addedHere(state, table, column) !== undefined && state.model.tables.get(table)?.columns.get(column)?.hasDefault === false &&
    !(written?.has(column) || written?.has("*"));
}

/** Columns added earlier in this migration. */
export function addedHere(state: MigrationState, table: string, column: string): number | undefined {
  return state.addedColumns.get(table)?.get(column);
}

