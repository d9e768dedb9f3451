// How a backed-up row goes back into PostgreSQL: json_populate_record hands
// every value to its type's input function (see copy-to-json.ts for the way
// out), so every type comes back exactly.
//
// One gap is closed here: in a json/jsonb column, JSON has only one null for
// both SQL NULL and the JSON value null (Prisma's DbNull vs JsonNull), and
// json_populate_record reads `null` back as SQL NULL. Rows holding a JSON null
// therefore carry one extra key, the empty string — never a column name,
// since PostgreSQL forbids empty identifiers — naming those columns:
//   {"id":"pt_1","metadata":null,"":{"jsonNull":["metadata"]}}
// json_populate_record ignores the key; populateRowsSql below applies it.
import { qualifiedName, quoteIdent } from "../db.ts";

export interface ColumnType {
  name: string;
  /** format_type() text, e.g. "jsonb", "timestamp(3) without time zone". */
  type: string;
}

export const ROW_ANNOTATION_KEY = "";

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function isJsonType(type: string): boolean {
  return type === "json" || type === "jsonb";
}

/**
 * A SELECT turning a JSON array of backed-up rows (the parameter `rowsParam`,
 * e.g. "$1") back into typed rows of `schema.table`, giving `columns` in that
 * order — for `INSERT INTO t (columns…) <this>`. JSON nulls noted in a row's
 * annotation come back as JSON null, SQL nulls as SQL NULL.
 */
export function populateRowsSql(schema: string, table: string, columns: ColumnType[], rowsParam = "$1"): string {
  const list = columns.map((column) => {
    const name = quoteIdent(column.name);
    if (!isJsonType(column.type)) return `p.${name}`;
    return `CASE WHEN p.${name} IS NULL AND (r.j -> '' -> 'jsonNull')::jsonb ? ${sqlString(column.name)}
      THEN 'null'::${column.type} ELSE p.${name} END`;
  });
  return `SELECT ${list.join(", ")}
    FROM json_array_elements(${rowsParam}::json) AS r(j)
    CROSS JOIN LATERAL json_populate_record(NULL::${qualifiedName(schema, table)}, r.j) AS p`;
}
