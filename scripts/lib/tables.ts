// What is in the database, read from the catalog (not from the Prisma schema):
// every table of the selected schemas, its columns, keys, partitions and
// inheritance parents, and the foreign-key order in which tables can be
// loaded. Backup and restore both work from this. Tables are always named
// by schema and name: two schemas may each have a "users".
import type pg from "pg";
import { qualifiedName } from "./db.ts";

type Db = pg.Pool | pg.PoolClient | pg.Client;

export interface ColumnInfo {
  name: string;
  /** format_type(), e.g. "timestamp(3) without time zone", "\"PointActionType\"", "text[]". */
  type: string;
  /** The type whose binary COPY form its values take: its own, a domain's base type, or "enum" for any enum. */
  binaryType: string;
  notNull: boolean;
  hasDefault: boolean;
  /** 'a' (ALWAYS) or 'd' (BY DEFAULT) identity, '' otherwise. */
  identity: "" | "a" | "d";
  generated: boolean;
  /** A generated column's expression (pg_get_expr), else null. */
  generationExpression: string | null;
}

export interface TableRef {
  schema: string;
  name: string;
}

export interface ForeignKey {
  name: string;
  /** The referencing table. */
  schema: string;
  table: string;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
  /** The referenced table is partitioned: its rows are in its partitions (read it without ONLY). */
  referencedPartitioned: boolean;
  deferrable: boolean;
}

export interface PartitionInfo {
  schema: string;
  name: string;
  /** The partition it belongs to, qualified ("public"."measurement"). */
  parent: string;
  /** pg_get_expr(relpartbound): FOR VALUES … / DEFAULT. */
  bound: string;
  /** Its own partition key when it is partitioned further, else null. */
  key: string | null;
}

export interface TableInfo extends TableRef {
  /** The Prisma model mapped to this table, when there is one. */
  model: string | null;
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Outgoing foreign keys (this table references another). */
  foreignKeys: ForeignKey[];
  /** pg_class.reltuples: the planner's estimate, cheap to read (-1 = never analyzed). */
  estimatedRows: number;
  /** Declaratively partitioned: its rows live in `partitions`, read and written through it. */
  partitioned: boolean;
  /** pg_get_partkeydef, e.g. "RANGE (payment_date)"; null when not partitioned. */
  partitionKey: string | null;
  /** Every partition below it, all levels, parents first. */
  partitions: PartitionInfo[];
  /** Inheritance parents (INHERITS), qualified. */
  inherits: string[];
}

/** Schema named by the URL's ?schema= (Prisma's convention), else public. */
export function schemaFromUrl(url: string): string {
  try {
    return new URL(url).searchParams.get("schema") || "public";
  } catch {
    return "public";
  }
}

/** The key a table is known by in maps and lists: its quoted, schema-qualified name. */
export function tableKey(table: TableRef): string {
  return qualifiedName(table.schema, table.name);
}

/**
 * The relation a statement reads, empties or locks: the table alone (ONLY, so
 * inheritance children are never touched), or a partitioned table with its
 * partitions, where its rows are.
 */
export function tableRelation(table: TableRef & { partitioned: boolean }): string {
  return table.partitioned ? tableKey(table) : `ONLY ${tableKey(table)}`;
}

/** How reports name a table: bare in the primary schema ("User"), else "auth.users". */
export function tableLabel(table: TableRef, primarySchema: string): string {
  return table.schema === primarySchema ? table.name : `${table.schema}.${table.name}`;
}

export async function discoverTables(db: Db, schemas: string[] = ["public"], modelsByTable: Map<string, string> = new Map()): Promise<TableInfo[]> {
  const tables = await db.query<{
    oid: string; schema: string; name: string; estimated_rows: string; partitioned: boolean; partition_key: string | null; inherits: string[];
  }>(
    `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.reltuples::bigint::text AS estimated_rows,
            c.relkind = 'p' AS partitioned, CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
            ARRAY(SELECT format('%I.%I', pn.nspname, p.relname) FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent
                    JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE h.inhrelid = c.oid ORDER BY h.inhseqno)::text[] AS inherits
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY n.nspname, c.relname`,
    [schemas],
  );
  const oids = tables.rows.map((table) => table.oid);
  const columns = await db.query<{
    table: string; name: string; type: string; binary_type: string; not_null: boolean; has_default: boolean; identity: string; expression: string | null;
  }>(
    `SELECT a.attrelid::text AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod)
                 ELSE format_type(a.atttypid, a.atttypmod) END AS binary_type,
            a.attnotnull AS not_null, a.atthasdef AS has_default, a.attidentity AS identity,
            CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS expression
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY ($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  // conparentid = 0: a partitioned table's keys once, not their copies on each partition.
  const constraints = await db.query<{
    table: string; name: string; kind: "p" | "f"; columns: string[]; referenced_schema: string | null; referenced_table: string | null;
    referenced_partitioned: boolean | null; referenced_columns: string[] | null; deferrable: boolean;
  }>(
    `SELECT con.conrelid::text AS table, con.conname AS name, con.contype AS kind,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.i)::text[] AS columns,
            rn.nspname AS referenced_schema, rc.relname AS referenced_table, rc.relkind = 'p' AS referenced_partitioned,
            CASE WHEN con.contype = 'f' THEN
              ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, i)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.i)::text[]
            END AS referenced_columns,
            con.condeferrable AS deferrable
       FROM pg_constraint con
       LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE con.conrelid = ANY ($1::oid[]) AND con.contype IN ('p', 'f') AND con.conparentid = 0
      ORDER BY con.conrelid, con.conname`,
    [oids],
  );
  const partitions = await db.query<{ root: string; schema: string; name: string; parent: string; bound: string; key: string | null }>(
    `SELECT root.oid::text AS root, n.nspname AS schema, c.relname AS name,
            format('%I.%I', pn.nspname, p.relname) AS parent, pg_get_expr(c.relpartbound, c.oid) AS bound,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS key
       FROM pg_class root, LATERAL pg_partition_tree(root.oid) t
       JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class p ON p.oid = t.parentrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE root.oid = ANY ($1::oid[]) AND root.relkind = 'p' AND t.level > 0
      ORDER BY root.oid, t.level, n.nspname, c.relname`,
    [oids],
  );

  return tables.rows.map((row) => {
    const own = constraints.rows.filter((con) => con.table === row.oid);
    return {
      schema: row.schema,
      name: row.name,
      model: modelsByTable.get(row.name) ?? null,
      columns: columns.rows
        .filter((column) => column.table === row.oid)
        .map((column) => ({
          name: column.name,
          type: column.type,
          binaryType: column.binary_type,
          notNull: column.not_null,
          hasDefault: column.has_default,
          identity: column.identity as ColumnInfo["identity"],
          generated: column.expression !== null,
          generationExpression: column.expression,
        })),
      primaryKey: own.find((con) => con.kind === "p")?.columns ?? [],
      foreignKeys: own
        .filter((con) => con.kind === "f")
        .map((con) => ({
          name: con.name,
          schema: row.schema,
          table: row.name,
          columns: con.columns,
          referencedSchema: con.referenced_schema ?? "",
          referencedTable: con.referenced_table ?? "",
          referencedColumns: con.referenced_columns ?? [],
          referencedPartitioned: con.referenced_partitioned ?? false,
          deferrable: con.deferrable,
        })),
      estimatedRows: Number(row.estimated_rows),
      partitioned: row.partitioned,
      partitionKey: row.partition_key,
      partitions: partitions.rows.filter((p) => p.root === row.oid).map(({ root: _root, ...partition }) => partition),
      inherits: row.inherits,
    };
  });
}

/** A foreign key's referenced table as a TableRef. */
export function referencedTable(fk: ForeignKey): TableRef {
  return { schema: fk.referencedSchema, name: fk.referencedTable };
}

export interface LoadOrder {
  /** Parents before children. */
  order: TableInfo[];
  /** Foreign keys from a table to itself (User.referredBy): load rows, then these columns. */
  selfReferences: ForeignKey[];
  /** Foreign keys that close a cycle between tables; they must be deferred or filled in afterwards. */
  cycleBreakers: ForeignKey[];
}

/**
 * Foreign-key dependency order (Kahn's algorithm, ties broken by schema and
 * name so the order is stable). Self-references are set aside; in a cycle,
 * the edge from the first remaining table is broken and reported.
 */
export function foreignKeyOrder(tables: TableInfo[]): LoadOrder {
  const byKey = new Map(tables.map((table) => [tableKey(table), table]));
  const selfReferences: ForeignKey[] = [];
  const cycleBreakers: ForeignKey[] = [];
  let edges: { from: string; to: string; fk: ForeignKey }[] = [];
  for (const table of tables) {
    for (const fk of table.foreignKeys) {
      const to = tableKey(referencedTable(fk));
      if (to === tableKey(table)) selfReferences.push(fk);
      else if (byKey.has(to)) edges.push({ from: tableKey(table), to, fk });
    }
  }

  const order: TableInfo[] = [];
  const remaining = new Set([...byKey.keys()].sort());
  while (remaining.size > 0) {
    const ready = [...remaining].filter((key) => !edges.some((edge) => edge.from === key && remaining.has(edge.to)));
    if (ready.length === 0) {
      const stuck = [...remaining][0]!;
      const broken = edges.filter((edge) => edge.from === stuck && remaining.has(edge.to));
      cycleBreakers.push(...broken.map((edge) => edge.fk));
      edges = edges.filter((edge) => !broken.includes(edge));
      continue;
    }
    for (const key of ready) {
      order.push(byKey.get(key)!);
      remaining.delete(key);
    }
  }
  return { order, selfReferences, cycleBreakers };
}

/** Exact row counts of `tables`, in their order, in one statement (each counted by tableRelation). */
export async function countTableRows(db: Db, tables: (TableRef & { partitioned: boolean })[]): Promise<number[]> {
  if (tables.length === 0) return [];
  const selects = tables.map((table, i) => `SELECT ${i} AS i, count(*)::text AS n FROM ${tableRelation(table)}`);
  const result = await db.query<{ i: number; n: string }>(`${selects.join(" UNION ALL ")} ORDER BY i`);
  return result.rows.map((row) => Number(row.n));
}
