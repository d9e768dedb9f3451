// What the analyzer knows about the database schema a migration runs on:
// tables with their columns and types, enums, indexes and constraints. Built
// by replaying the migration history statement by statement (db:lint-migrations),
// or read from the live catalog (db:safe-migrate, see live-schema.ts), then
// kept current as each statement of the migration under analysis is walked.
// Anything the replay cannot follow leaves the object unknown, never guessed.
import type {
  AlterEnumStmt, AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, CreateEnumStmt, CreateStmt, CreateTableAsStmt,
  DropStmt, IndexStmt, Node, RenameStmt, TypeName,
} from "libpg-query";
import { droppedTableName, names, tableKey } from "./ast.ts";
import type { Statement } from "./parse.ts";

/** A column type: built-ins by PostgreSQL's internal name (varchar, int4, timestamptz), user types with their schema. */
export interface ColumnType {
  name: string;
  /** null for built-in types. */
  schema: string | null;
  /** Type modifiers as written: varchar(20) -> [20], numeric(10,2) -> [10, 2], timestamp(3) -> [3]. */
  mods: number[];
  array: boolean;
}

export interface ColumnModel {
  name: string;
  type: ColumnType | null;
  notNull: boolean;
  hasDefault: boolean;
}

export interface TableModel {
  /** "schema.table" */
  key: string;
  columns: Map<string, ColumnModel>;
  /** false when the table's columns could not be followed (CREATE TABLE AS, LIKE, inheritance): unknown columns may exist. */
  columnsKnown: boolean;
}

export type ConstraintKind = "primary" | "unique" | "foreign" | "check" | "exclusion";

export interface ConstraintModel {
  name: string;
  kind: ConstraintKind;
  columns: string[];
  validated: boolean;
  /** Foreign keys: the referenced table ("schema.table"). */
  references?: string;
  /** CHECK (col IS NOT NULL): the column it proves non-null. */
  notNullOf?: string;
}

export interface IndexModel {
  table: string;
  /** null when the index has expressions. */
  columns: string[] | null;
  unique: boolean;
  partial: boolean;
}

/** SQL a function runs when called, read from its body (rules/plpgsql.ts). */
export interface FunctionBody {
  inner: Array<{ statement: Statement; context: string; dynamic: boolean }>;
  /** EXECUTEs whose SQL cannot be rebuilt: where, and what. */
  unreadable: Array<{ line: number; what: string }>;
}

export interface SchemaModel {
  tables: Map<string, TableModel>;
  /** "schema.type" -> labels in order. */
  enums: Map<string, string[]>;
  /** Other user types (composite, domain, range): "schema.type". */
  types: Set<string>;
  /** "schema.index" -> index (the table's schema). */
  indexes: Map<string, IndexModel>;
  /** table key -> constraint name -> constraint. */
  constraints: Map<string, Map<string, ConstraintModel>>;
  /** Function name (lower case, no schema) -> its body, for functions created by replayed migrations. */
  functions: Map<string, FunctionBody>;
}

export function emptySchemaModel(): SchemaModel {
  return { tables: new Map(), enums: new Map(), types: new Set(), indexes: new Map(), constraints: new Map(), functions: new Map() };
}

/** Types the parser leaves unqualified but PostgreSQL resolves in pg_catalog. */
const BUILTIN_TYPES = new Set([
  "text", "json", "jsonb", "uuid", "bytea", "date", "timestamptz", "timetz", "inet", "cidr", "macaddr", "macaddr8", "money",
  "xml", "tsvector", "tsquery", "oid", "int2", "int4", "int8", "float4", "float8", "numeric", "bool", "varchar", "bpchar",
  "timestamp", "time", "interval", "bit", "varbit", "point", "line", "lseg", "box", "path", "polygon", "circle", "char", "name",
  "regclass", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "jsonpath", "pg_lsn",
]);
const SERIAL_BASES: Record<string, string> = { serial: "int4", serial4: "int4", bigserial: "int8", serial8: "int8", smallserial: "int2", serial2: "int2" };

/** The parser's TypeName as a ColumnType (serial types as the integer they are). */
export function columnType(type: TypeName | undefined): ColumnType | null {
  const parts = names(type?.names);
  if (parts.length === 0) return null;
  const mods = (type?.typmods ?? []).flatMap((mod) => ("A_Const" in mod && mod.A_Const.ival ? [mod.A_Const.ival.ival ?? 0] : []));
  const array = (type?.arrayBounds?.length ?? 0) > 0;
  const last = parts.at(-1)!;
  if (parts.length === 2 && parts[0] === "pg_catalog") return { name: last, schema: null, mods, array };
  if (parts.length === 1 && (BUILTIN_TYPES.has(last) || last in SERIAL_BASES)) return { name: SERIAL_BASES[last] ?? last, schema: null, mods, array };
  return { name: last, schema: parts.length > 1 ? parts.at(-2)! : "public", mods, array };
}

export function isSerial(type: TypeName | undefined): boolean {
  const parts = names(type?.names);
  return parts.length === 1 && parts[0]!.toLowerCase() in SERIAL_BASES;
}

/** "schema.type" of a user type (enum lookups), null for built-ins. */
export function typeKey(type: ColumnType | null): string | null {
  return type && type.schema !== null ? `${type.schema}.${type.name}` : null;
}

/** "schema.name" of a type, index or other schema object named by a name list ([schema,] name). */
export function objectKey(list: Node[] | undefined): string {
  const parts = names(list);
  return parts.length > 1 ? `${parts.at(-2)}.${parts.at(-1)}` : `public.${parts[0] ?? "?"}`;
}

/** The enum labels of a column, when its type is a known enum. */
export function enumLabels(model: SchemaModel, type: ColumnType | null): string[] | undefined {
  const key = typeKey(type);
  return key ? model.enums.get(key) : undefined;
}

export function findColumn(model: SchemaModel, table: string, column: string): ColumnModel | undefined {
  return model.tables.get(table)?.columns.get(column);
}

export function tableConstraints(model: SchemaModel, table: string): Map<string, ConstraintModel> {
  let constraints = model.constraints.get(table);
  if (!constraints) model.constraints.set(table, (constraints = new Map()));
  return constraints;
}

/** Columns (table, column) whose type is the given user type. */
export function columnsOfType(model: SchemaModel, key: string): Array<{ table: string; column: string }> {
  const found: Array<{ table: string; column: string }> = [];
  for (const table of model.tables.values()) {
    for (const column of table.columns.values()) if (typeKey(column.type) === key) found.push({ table: table.key, column: column.name });
  }
  return found;
}

/** A unique index or unique/primary constraint on exactly these columns (in any order). */
export function hasUniqueOn(model: SchemaModel, table: string, columns: string[]): boolean {
  const same = (other: string[] | null) => other !== null && other.length === columns.length && columns.every((c) => other.includes(c));
  for (const index of model.indexes.values()) if (index.table === table && index.unique && !index.partial && same(index.columns)) return true;
  for (const constraint of model.constraints.get(table)?.values() ?? []) {
    if ((constraint.kind === "unique" || constraint.kind === "primary") && same(constraint.columns)) return true;
  }
  return false;
}

/** Applies one statement to the model. */
export function applyStatement(model: SchemaModel, statement: Statement): void {
  const node = statement.node;
  switch (statement.kind) {
    case "CreateStmt":
      createTable(model, node as CreateStmt);
      break;
    case "CreateTableAsStmt": {
      const key = tableKey((node as CreateTableAsStmt).into?.rel);
      if (!model.tables.has(key)) model.tables.set(key, { key, columns: new Map(), columnsKnown: false });
      break;
    }
    case "AlterTableStmt": {
      const alter = node as AlterTableStmt;
      if (alter.objtype !== "OBJECT_TABLE") break;
      const table = tableKey(alter.relation);
      for (const cmd of alter.cmds ?? []) if ("AlterTableCmd" in cmd) alterTable(model, table, cmd.AlterTableCmd);
      break;
    }
    case "RenameStmt":
      rename(model, node as RenameStmt);
      break;
    case "DropStmt":
      drop(model, node as DropStmt);
      break;
    case "IndexStmt":
      createIndex(model, node as IndexStmt);
      break;
    case "CreateEnumStmt": {
      const created = node as CreateEnumStmt;
      model.enums.set(objectKey(created.typeName), names(created.vals));
      break;
    }
    case "AlterEnumStmt":
      alterEnum(model, node as AlterEnumStmt);
      break;
    case "CompositeTypeStmt":
      model.types.add(tableKey((node as { typevar?: CreateStmt["relation"] }).typevar));
      break;
    case "CreateDomainStmt":
    case "CreateRangeStmt":
      model.types.add(objectKey((node as { domainname?: Node[]; typeName?: Node[] }).domainname ?? (node as { typeName?: Node[] }).typeName));
      break;
  }
}

function createTable(model: SchemaModel, create: CreateStmt): void {
  const key = tableKey(create.relation);
  if (create.if_not_exists && model.tables.has(key)) return;
  const table: TableModel = {
    key,
    columns: new Map(),
    columnsKnown: !(create.inhRelations?.length || create.partbound || create.ofTypename),
  };
  model.tables.set(key, table);
  model.constraints.set(key, new Map());
  for (const element of create.tableElts ?? []) {
    if ("ColumnDef" in element) addColumn(model, table, element.ColumnDef);
    else if ("Constraint" in element) addConstraint(model, key, element.Constraint);
    else table.columnsKnown = false;
  }
}

function constraintsOf(def: ColumnDef): Constraint[] {
  return (def.constraints ?? []).flatMap((node) => ("Constraint" in node ? [node.Constraint] : []));
}

function addColumn(model: SchemaModel, table: TableModel, def: ColumnDef): void {
  const name = def.colname ?? "?";
  const constraints = constraintsOf(def);
  table.columns.set(name, {
    name,
    type: columnType(def.typeName),
    notNull: constraints.some((c) => c.contype === "CONSTR_NOTNULL" || c.contype === "CONSTR_PRIMARY"),
    hasDefault: isSerial(def.typeName) || constraints.some((c) => c.contype === "CONSTR_DEFAULT" || c.contype === "CONSTR_IDENTITY" || c.contype === "CONSTR_GENERATED"),
  });
  for (const constraint of constraints) {
    if (["CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_FOREIGN", "CONSTR_CHECK", "CONSTR_EXCLUSION"].includes(constraint.contype ?? "")) {
      addConstraint(model, table.key, { ...constraint, keys: constraint.keys ?? [{ String: { sval: name } }], fk_attrs: constraint.fk_attrs ?? [{ String: { sval: name } }] });
    }
  }
}

const KIND_BY_CONTYPE: Record<string, ConstraintKind> = {
  CONSTR_PRIMARY: "primary", CONSTR_UNIQUE: "unique", CONSTR_FOREIGN: "foreign", CONSTR_CHECK: "check", CONSTR_EXCLUSION: "exclusion",
};
const DEFAULT_SUFFIX: Record<ConstraintKind, string> = { primary: "pkey", unique: "key", foreign: "fkey", check: "check", exclusion: "excl" };

/** The column a `CHECK (col IS NOT NULL)` proves non-null. */
export function notNullCheckColumn(constraint: Constraint): string | undefined {
  const expr = constraint.raw_expr;
  if (!expr || !("NullTest" in expr) || expr.NullTest.nulltesttype !== "IS_NOT_NULL") return undefined;
  const arg = expr.NullTest.arg;
  if (!arg || !("ColumnRef" in arg)) return undefined;
  const fields = names(arg.ColumnRef.fields);
  return fields.length === 1 ? fields[0] : undefined;
}

function addConstraint(model: SchemaModel, table: string, constraint: Constraint): void {
  const kind = KIND_BY_CONTYPE[constraint.contype ?? ""];
  if (!kind) return;
  const schema = table.slice(0, table.indexOf("."));
  let columns = names(kind === "foreign" ? constraint.fk_attrs : constraint.keys);
  if (kind === "exclusion") columns = [];
  if (constraint.indexname) {
    const index = model.indexes.get(`${schema}.${constraint.indexname}`);
    columns = index?.columns ?? [];
    model.indexes.delete(`${schema}.${constraint.indexname}`);
  }
  const bare = table.slice(table.indexOf(".") + 1);
  const name = constraint.conname ?? [bare, ...(kind === "primary" ? [] : columns), DEFAULT_SUFFIX[kind]].join("_");
  tableConstraints(model, table).set(name, {
    name,
    kind,
    columns,
    validated: !constraint.skip_validation,
    ...(kind === "foreign" && constraint.pktable ? { references: tableKey(constraint.pktable) } : {}),
    ...(kind === "check" && notNullCheckColumn(constraint) ? { notNullOf: notNullCheckColumn(constraint) } : {}),
  });
  if (kind === "primary") {
    for (const column of columns) {
      const known = model.tables.get(table)?.columns.get(column);
      if (known) known.notNull = true;
    }
  }
}

function alterTable(model: SchemaModel, key: string, cmd: AlterTableCmd): void {
  let table = model.tables.get(key);
  if (!table) {
    table = { key, columns: new Map(), columnsKnown: false };
    model.tables.set(key, table);
  }
  const column = cmd.name ? table.columns.get(cmd.name) : undefined;
  const def = cmd.def && "ColumnDef" in cmd.def ? cmd.def.ColumnDef : undefined;
  switch (cmd.subtype) {
    case "AT_AddColumn":
      if (def && !(cmd.missing_ok && table.columns.has(def.colname ?? ""))) addColumn(model, table, def);
      break;
    case "AT_DropColumn":
      if (cmd.name) dropColumn(model, table, cmd.name);
      break;
    case "AT_AlterColumnType":
      if (column) column.type = columnType(def?.typeName);
      break;
    case "AT_SetNotNull":
      if (column) column.notNull = true;
      break;
    case "AT_DropNotNull":
      if (column) column.notNull = false;
      break;
    case "AT_ColumnDefault":
      if (column) column.hasDefault = cmd.def !== undefined;
      break;
    case "AT_AddConstraint":
      if (cmd.def && "Constraint" in cmd.def) addConstraint(model, key, cmd.def.Constraint);
      break;
    case "AT_DropConstraint":
      if (cmd.name) dropConstraint(model, key, cmd.name);
      break;
    case "AT_ValidateConstraint": {
      const constraint = cmd.name ? model.constraints.get(key)?.get(cmd.name) : undefined;
      if (constraint) constraint.validated = true;
      break;
    }
  }
}

/** PostgreSQL drops the indexes and constraints that use a dropped column. */
function dropColumn(model: SchemaModel, table: TableModel, name: string): void {
  table.columns.delete(name);
  for (const [key, index] of model.indexes) if (index.table === table.key && (index.columns?.includes(name) ?? false)) model.indexes.delete(key);
  const constraints = model.constraints.get(table.key);
  for (const [key, constraint] of constraints ?? []) if (constraint.columns.includes(name) || constraint.notNullOf === name) constraints!.delete(key);
}

function dropConstraint(model: SchemaModel, table: string, name: string): void {
  model.constraints.get(table)?.delete(name);
  model.indexes.delete(`${table.slice(0, table.indexOf("."))}.${name}`);
}

function rename(model: SchemaModel, rename: RenameStmt): void {
  const newname = rename.newname;
  if (!newname) return;
  switch (rename.renameType) {
    case "OBJECT_TABLE": {
      const from = tableKey(rename.relation);
      const to = `${from.slice(0, from.indexOf("."))}.${newname}`;
      const table = model.tables.get(from);
      if (table) {
        model.tables.delete(from);
        model.tables.set(to, { ...table, key: to });
      }
      const constraints = model.constraints.get(from);
      if (constraints) {
        model.constraints.delete(from);
        model.constraints.set(to, constraints);
      }
      for (const index of model.indexes.values()) if (index.table === from) index.table = to;
      for (const list of model.constraints.values()) for (const c of list.values()) if (c.references === from) c.references = to;
      break;
    }
    case "OBJECT_COLUMN": {
      const table = model.tables.get(tableKey(rename.relation));
      const column = rename.subname ? table?.columns.get(rename.subname) : undefined;
      if (!table || !column || !rename.subname) break;
      table.columns.delete(rename.subname);
      table.columns.set(newname, { ...column, name: newname });
      const swap = (list: string[]) => list.map((c) => (c === rename.subname ? newname : c));
      for (const index of model.indexes.values()) if (index.table === table.key && index.columns) index.columns = swap(index.columns);
      for (const c of model.constraints.get(table.key)?.values() ?? []) {
        c.columns = swap(c.columns);
        if (c.notNullOf === rename.subname) c.notNullOf = newname;
      }
      break;
    }
    case "OBJECT_TABCONSTRAINT": {
      const constraints = model.constraints.get(tableKey(rename.relation));
      const constraint = rename.subname ? constraints?.get(rename.subname) : undefined;
      if (constraints && constraint) {
        constraints.delete(rename.subname!);
        constraints.set(newname, { ...constraint, name: newname });
      }
      break;
    }
    case "OBJECT_INDEX": {
      const from = tableKey(rename.relation);
      const index = model.indexes.get(from);
      if (index) {
        model.indexes.delete(from);
        model.indexes.set(`${from.slice(0, from.indexOf("."))}.${newname}`, index);
      }
      break;
    }
    case "OBJECT_TYPE": {
      const from = objectKey(rename.object && "List" in rename.object ? rename.object.List.items : []);
      const to = `${from.slice(0, from.indexOf("."))}.${newname}`;
      const labels = model.enums.get(from);
      if (labels) {
        model.enums.delete(from);
        model.enums.set(to, labels);
      }
      if (model.types.delete(from)) model.types.add(to);
      // Columns follow their type (PostgreSQL refers to it by oid).
      for (const table of model.tables.values()) {
        for (const column of table.columns.values()) {
          if (typeKey(column.type) === from) column.type = { ...column.type!, schema: to.slice(0, to.indexOf(".")), name: newname };
        }
      }
      break;
    }
  }
}

function drop(model: SchemaModel, drop: DropStmt): void {
  const objects = drop.objects ?? [];
  switch (drop.removeType) {
    case "OBJECT_TABLE":
    case "OBJECT_MATVIEW":
      for (const object of objects) {
        const key = droppedTableName(object);
        model.tables.delete(key);
        model.constraints.delete(key);
        for (const [name, index] of model.indexes) if (index.table === key) model.indexes.delete(name);
      }
      break;
    case "OBJECT_INDEX":
      for (const object of objects) model.indexes.delete(objectKey("List" in object ? object.List.items : []));
      break;
    case "OBJECT_TYPE":
    case "OBJECT_DOMAIN":
      for (const object of objects) {
        const key = "TypeName" in object ? typeKey(columnType(object.TypeName)) : null;
        if (key) {
          model.enums.delete(key);
          model.types.delete(key);
        }
      }
      break;
    case "OBJECT_FUNCTION":
    case "OBJECT_PROCEDURE":
      for (const object of objects) {
        const name = "ObjectWithArgs" in object ? names(object.ObjectWithArgs.objname).at(-1)?.toLowerCase() : undefined;
        if (name) model.functions.delete(name);
      }
      break;
    case "OBJECT_SCHEMA":
      for (const object of objects) {
        const prefix = `${names([object])[0]}.`;
        for (const key of [...model.tables.keys()]) if (key.startsWith(prefix)) model.tables.delete(key);
        for (const key of [...model.enums.keys()]) if (key.startsWith(prefix)) model.enums.delete(key);
        for (const key of [...model.indexes.keys()]) if (key.startsWith(prefix)) model.indexes.delete(key);
      }
      break;
  }
}

function createIndex(model: SchemaModel, index: IndexStmt): void {
  const table = tableKey(index.relation);
  const params = index.indexParams ?? [];
  const columns = params.map((param) => ("IndexElem" in param ? param.IndexElem.name : undefined));
  const known = columns.every((c): c is string => c !== undefined) ? columns : null;
  const schema = table.slice(0, table.indexOf("."));
  const name = index.idxname ?? `${table.slice(table.indexOf(".") + 1)}_${(known ?? ["expr"]).join("_")}_${index.unique ? "key" : "idx"}`;
  if (index.if_not_exists && model.indexes.has(`${schema}.${name}`)) return;
  model.indexes.set(`${schema}.${name}`, { table, columns: known, unique: Boolean(index.unique), partial: index.whereClause !== undefined });
}

function alterEnum(model: SchemaModel, alter: AlterEnumStmt): void {
  const key = objectKey(alter.typeName);
  const labels = model.enums.get(key);
  if (!labels) return;
  if (alter.oldVal && alter.newVal) {
    model.enums.set(key, labels.map((label) => (label === alter.oldVal ? alter.newVal! : label)));
  } else if (alter.newVal && !labels.includes(alter.newVal)) {
    model.enums.set(key, [...labels, alter.newVal]);
  }
}
