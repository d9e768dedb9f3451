// The row format of a table file, shared by the way out (copy-to-json.ts),
// the strict reader both verify and restore use (row-parser.ts) and the way
// back in (json-to-copy.ts): one JSON object per row, each value
// PostgreSQL's own text for it, which the type's input function reads back
// exactly. How a column's values are written depends only on its type (and
// the set's formatVersion):
//   numbers (smallint … double precision, oid) -> a JSON number, or a string for NaN/±Infinity
//   boolean                                     -> true / false
//   jsonb                                       -> the JSON value itself (its text is canonical)
//   everything else, json included (format 2)   -> a JSON string of the text
// Format 1 wrote json like jsonb, with line breaks between tokens turned into
// spaces; it is still read.
//
// One gap is closed here: for a jsonb value, JSON has only one null for both
// SQL NULL and the JSON value null (Prisma's DbNull vs JsonNull). Rows
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

/** The formatVersion this tool writes; it reads 1 and 2. */
export const FORMAT_VERSION = 2;

export const ValueKind = { Number: 0, Boolean: 1, RawJson: 2, String: 3 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

const NUMBER_TYPES = /^(smallint|integer|bigint|oid|real|double precision|numeric(\(\d+(,\s*-?\d+)?\))?)$/;

export function valueKind(type: string, formatVersion: number): ValueKind {
  if (NUMBER_TYPES.test(type)) return ValueKind.Number;
  if (type === "boolean") return ValueKind.Boolean;
  if (type === "jsonb" || (type === "json" && formatVersion < 2)) return ValueKind.RawJson;
  return ValueKind.String;
}
