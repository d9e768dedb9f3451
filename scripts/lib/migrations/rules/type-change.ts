// What ALTER COLUMN … TYPE costs, from the column's old type (the schema
// model) and the new one: nothing (PostgreSQL only changes the catalog), a
// rewrite under ACCESS EXCLUSIVE that cannot fail, or a cast that can fail or
// lose information.
import type { ColumnType } from "../schema-model.ts";

export type TypeChangeCost =
  | { kind: "none"; why: string }
  | { kind: "timezone"; why: string }
  | { kind: "rewrite"; why: string }
  | { kind: "risky"; why: string };

const INTEGER_WIDTH: Record<string, number> = { int2: 2, int4: 4, int8: 8 };
const STRING_TYPES = new Set(["text", "varchar"]);
const PRECISION_TYPES = new Set(["timestamp", "timestamptz", "time", "timetz"]);

function show(type: ColumnType): string {
  const base = type.schema === null ? type.name : `${type.schema}.${type.name}`;
  return `${base}${type.mods.length ? `(${type.mods.join(",")})` : ""}${type.array ? "[]" : ""}`;
}

function same(a: ColumnType, b: ColumnType): boolean {
  return show(a) === show(b);
}

/** numeric(p) means numeric(p,0); numeric without modifiers is unbounded. */
function numericMods(type: ColumnType): [number, number] | null {
  if (type.mods.length === 0) return null;
  return [type.mods[0]!, type.mods[1] ?? 0];
}

export function typeChangeCost(from: ColumnType, to: ColumnType): TypeChangeCost {
  const change = `${show(from)} -> ${show(to)}`;
  if (same(from, to)) return { kind: "none", why: `${change}: the type does not change` };
  if (from.array !== to.array) return { kind: "risky", why: `${change}: between an array and a scalar` };
  if (from.array) return { kind: "risky", why: `${change}: the array's elements are cast one by one` };
  const builtin = from.schema === null && to.schema === null;
  if (builtin && STRING_TYPES.has(from.name) && STRING_TYPES.has(to.name)) {
    const fromLength = from.name === "varchar" ? from.mods[0] : undefined;
    const toLength = to.name === "varchar" ? to.mods[0] : undefined;
    if (toLength === undefined || (fromLength !== undefined && toLength >= fromLength)) {
      return { kind: "none", why: `${change}: no length limit is tightened, so PostgreSQL rewrites nothing and no value can fail` };
    }
    return { kind: "risky", why: `${change}: values longer than ${toLength} characters make the ALTER fail` };
  }
  if (builtin && from.name === "numeric" && to.name === "numeric") {
    const a = numericMods(from);
    const b = numericMods(to);
    if (b === null) return { kind: "none", why: `${change}: an unbounded numeric holds every value, no rewrite` };
    if (a !== null && b[1] === a[1] && b[0] >= a[0]) return { kind: "none", why: `${change}: more digits at the same scale, no rewrite` };
    return { kind: "risky", why: `${change}: values are rounded to the new scale or overflow the new precision` };
  }
  if (builtin && from.name === to.name && PRECISION_TYPES.has(from.name)) {
    const a = from.mods[0] ?? 6;
    const b = to.mods[0] ?? 6;
    return b >= a
      ? { kind: "none", why: `${change}: a finer precision, no rewrite` }
      : { kind: "risky", why: `${change}: fractional seconds are rounded to ${b} digits (values change)` };
  }
  if (builtin && ((from.name === "timestamp" && to.name === "timestamptz") || (from.name === "timestamptz" && to.name === "timestamp"))) {
    const finer = (to.mods[0] ?? 6) >= (from.mods[0] ?? 6);
    if (finer) {
      return {
        kind: "timezone",
        why: `${change}: PostgreSQL rewrites nothing only while the session's TimeZone is UTC; under any other TimeZone every value is re-read as local time (shifted by the offset) and the table is rewritten`,
      };
    }
  }
  if (builtin && from.name in INTEGER_WIDTH && to.name in INTEGER_WIDTH) {
    return INTEGER_WIDTH[to.name]! > INTEGER_WIDTH[from.name]!
      ? { kind: "rewrite", why: `${change}: a wider integer holds every value, but the table is rewritten` }
      : { kind: "risky", why: `${change}: values outside the narrower range make the ALTER fail` };
  }
  if (builtin && from.name in INTEGER_WIDTH && to.name === "numeric" && numericMods(to) === null) {
    return { kind: "rewrite", why: `${change}: numeric holds every integer, but the table is rewritten` };
  }
  if (builtin && from.name === "float4" && to.name === "float8") return { kind: "rewrite", why: `${change}: double precision holds every real, but the table is rewritten` };
  if (to.schema === null && to.name === "text") return { kind: "rewrite", why: `${change}: every value has a text form, but the table is rewritten` };
  return { kind: "risky", why: `${change}: the cast can fail on existing values or change them` };
}
