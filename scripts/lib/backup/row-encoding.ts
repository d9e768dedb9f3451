// The row format of a table file, shared by the way out (copy-to-json.ts)
// and the way back in (json-to-copy.ts): one JSON object per row, each value
// PostgreSQL's own text for it, which the type's input function reads back
// exactly.
//
// One gap is closed here: in a json/jsonb column, JSON has only one null for
// both SQL NULL and the JSON value null (Prisma's DbNull vs JsonNull). Rows
// holding a JSON null therefore carry one extra key, the empty string — never
// a column name, since PostgreSQL forbids empty identifiers — naming those
// columns:
//   {"id":"pt_1","metadata":null,"":{"jsonNull":["metadata"]}}

export interface ColumnType {
  name: string;
  /** format_type() text, e.g. "jsonb", "timestamp(3) without time zone". */
  type: string;
}

export const ROW_ANNOTATION_KEY = "";

export function isJsonType(type: string): boolean {
  return type === "json" || type === "jsonb";
}
