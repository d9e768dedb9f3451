// Small readers over libpg-query's statement trees. The trees are JSON: a
// node is `{ TypeName: {...} }`, a name list is `[{ String: { sval } }]`.
import type { Node, RangeVar, TypeName } from "libpg-query";

/** "schema.table" with public as the default schema (how findings name tables). */
export function tableKey(relation: RangeVar | undefined): string {
  return `${relation?.schemaname ?? "public"}.${relation?.relname ?? "?"}`;
}

/** `[{String:{sval:"a"}},{String:{sval:"b"}}]` -> ["a", "b"] */
export function names(list: Node[] | undefined): string[] {
  return (list ?? []).flatMap((item) => ("String" in item && item.String.sval !== undefined ? [item.String.sval] : []));
}

/** The parser spells built-in types by their internal names; reports use the SQL ones. */
const SQL_TYPE_NAMES: Record<string, string> = {
  int2: "smallint", int4: "integer", int8: "bigint", float4: "real", float8: "double precision", bool: "boolean", bpchar: "char",
};

/** A type name as SQL people read and PostgreSQL accepts: varchar(20), integer, "Role"[] … */
export function typeNameSql(type: TypeName | undefined): string {
  if (!type) return "?";
  const given = names(type.names);
  // Built-ins come back as pg_catalog.<internal name>; pg_catalog is always searched first.
  const unqualified = given.length === 2 && given[0] === "pg_catalog" ? [SQL_TYPE_NAMES[given[1]!] ?? given[1]!] : given;
  const parts = unqualified.map((part) => (part === "double precision" || /^[a-z_][a-z0-9_]*$/.test(part) ? part : `"${part.replaceAll('"', '""')}"`));
  const mods = (type.typmods ?? []).flatMap((mod) => ("A_Const" in mod && mod.A_Const.ival ? [String(mod.A_Const.ival.ival ?? 0)] : []));
  const arrays = "[]".repeat(type.arrayBounds?.length ?? 0);
  return `${parts.join(".")}${mods.length > 0 ? `(${mods.join(",")})` : ""}${arrays}`;
}

/** The last part of a type name without schema: pg_catalog.int8 -> int8. */
export function typeBaseName(type: TypeName | undefined): string {
  return names(type?.names).at(-1) ?? "?";
}

/** Calls `visit` for every property of every object inside a tree (depth first, in order). */
export function walkTree(tree: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(tree)) {
    for (const item of tree) walkTree(item, visit);
    return;
  }
  if (!tree || typeof tree !== "object") return;
  for (const [key, child] of Object.entries(tree)) {
    visit(key, child);
    walkTree(child, visit);
  }
}

/** Every function name called anywhere inside a tree (lower case, without schema). */
export function calledFunctions(tree: unknown): string[] {
  const found: string[] = [];
  walkTree(tree, (key, child) => {
    const name = key === "FuncCall" ? names((child as { funcname?: Node[] }).funcname).at(-1) : undefined;
    if (name) found.push(name.toLowerCase());
  });
  return found;
}

/** The column names referenced anywhere inside a tree (the last part of each ColumnRef). */
export function columnRefs(tree: unknown): string[] {
  const found: string[] = [];
  walkTree(tree, (key, child) => {
    const name = key === "ColumnRef" ? names((child as { fields?: Node[] }).fields).at(-1) : undefined;
    if (name) found.push(name);
  });
  return found;
}

/** DROP TABLE's objects are name lists ([schema,] table) -> "schema.table". */
export function droppedTableName(object: Node): string {
  const parts = "List" in object ? names(object.List.items) : [];
  return parts.length > 1 ? parts.join(".") : `public.${parts[0] ?? "?"}`;
}
