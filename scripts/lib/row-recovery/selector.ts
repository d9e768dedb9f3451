// `--rows 'TABLE:COLUMN=VALUE[,VALUE…]'`: which rows of the set a row-level
// recovery starts from. The table is named as --tables names it (table,
// model or file name); the values are compared with the column's text as the
// backup holds it (PostgreSQL's own text for the value).
import { UsageError } from "../errors.ts";

export interface RowSelector {
  /** As the user wrote it (resolved against the set later). */
  table: string;
  column: string;
  values: string[];
}

const FORM = `TABLE:COLUMN=VALUE[,VALUE…], e.g. 'User:privyDid=did:privy:abc' or 'Comment:id=c1,c2'`;

export function parseRowSelector(text: string): RowSelector {
  const colon = text.indexOf(":");
  const equals = text.indexOf("=", colon + 1);
  const table = text.slice(0, Math.max(colon, 0)).trim();
  const column = colon === -1 || equals === -1 ? "" : text.slice(colon + 1, equals).trim();
  const values = equals === -1 ? [] : text.slice(equals + 1).split(",").map((value) => value.trim()).filter(Boolean);
  if (!table || !column || values.length === 0) throw new UsageError(`--rows "${text}" is not of the form ${FORM}`);
  return { table, column, values: [...new Set(values)] };
}
