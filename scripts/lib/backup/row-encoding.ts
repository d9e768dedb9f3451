// How a row becomes JSON and back, both done by PostgreSQL itself so every
// type keeps its exact text: row_to_json when backing up,
// json_populate_record when restoring.
//
// One gap is closed here: row_to_json writes `null` both for SQL NULL and for
// the JSON value null in a json/jsonb column (Prisma's DbNull vs JsonNull), and
// json_populate_record reads both back as SQL NULL. Rows holding a JSON null
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

const JSON_TYPES: Record<string, string> = { json: "json_typeof", jsonb: "jsonb_typeof" };

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The SELECT whose single column is each row's JSON text (annotated where
 * needed). `t.*` names the whole row even when the table has a column "t".
 */
export function rowJsonSelect(schema: string, table: string, columns: ColumnType[]): string {
  const source = `${qualifiedName(schema, table)} AS t`;
  const jsonColumns = columns.filter((column) => JSON_TYPES[column.type]);
  if (jsonColumns.length === 0) return `SELECT row_to_json(t.*) FROM ${source}`;
  const isJsonNull = (column: ColumnType) => `${JSON_TYPES[column.type]}(t.${quoteIdent(column.name)}) = 'null'`;
  const names = jsonColumns.map((column) => `CASE WHEN ${isJsonNull(column)} THEN ${sqlString(column.name)} END`);
  return `SELECT CASE WHEN ${jsonColumns.map(isJsonNull).join(" OR ")}
    THEN left(row_to_json(t.*)::text, -1) || ',"":{"jsonNull":' || array_to_json(array_remove(ARRAY[${names.join(", ")}]::text[], NULL))::text || '}}'
    ELSE row_to_json(t.*)::text END
    FROM ${source}`;
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
    if (!JSON_TYPES[column.type]) return `p.${name}`;
    return `CASE WHEN p.${name} IS NULL AND (r.j -> '' -> 'jsonNull')::jsonb ? ${sqlString(column.name)}
      THEN 'null'::${column.type} ELSE p.${name} END`;
  });
  return `SELECT ${list.join(", ")}
    FROM json_array_elements(${rowsParam}::json) AS r(j)
    CROSS JOIN LATERAL json_populate_record(NULL::${qualifiedName(schema, table)}, r.j) AS p`;
}
