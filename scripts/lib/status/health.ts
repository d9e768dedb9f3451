// Health checks on the app's data that the schema alone does not guarantee:
// users missing a username or referral code, social rows pointing at users
// that do not exist (only where no foreign key already prevents it), and
// users whose totalPoints disagree with the sum of their point transactions.
import type pg from "pg";
import { quoteIdent } from "../db.ts";

export interface HealthCheck {
  name: string;
  /** ok: nothing found; problem: rows found; skipped: the check cannot run on this schema. */
  status: "ok" | "problem" | "skipped";
  /** Rows found (0 when ok or skipped). */
  count: number;
  /** One line: what was found or why it was skipped. */
  detail: string;
}

interface UserReference {
  table: string;
  column: string;
}

/** Columns of the social tables that hold a User's privyDid. */
const USER_REFERENCES: UserReference[] = [
  { table: "Follow", column: "followerId" },
  { table: "Follow", column: "followingId" },
  { table: "Like", column: "userId" },
  { table: "Comment", column: "authorId" },
  { table: "Comment", column: "profileId" },
];

async function columnsOf(db: pg.Pool): Promise<Map<string, Set<string>>> {
  const result = await db.query<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
        AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  const columns = new Map<string, Set<string>>();
  for (const row of result.rows) columns.set(row.table, (columns.get(row.table) ?? new Set()).add(row.column));
  return columns;
}

/** The validated single-column foreign key from table.column to User, if any. */
async function foreignKeyToUser(db: pg.Pool, reference: UserReference): Promise<string | null> {
  const result = await db.query<{ name: string }>(
    `SELECT con.conname AS name
       FROM pg_constraint con
       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
      WHERE con.contype = 'f' AND con.convalidated AND cardinality(con.conkey) = 1
        AND con.conrelid = to_regclass($1) AND con.confrelid = to_regclass('"User"') AND a.attname = $2`,
    [quoteIdent(reference.table), reference.column],
  );
  return result.rows[0]?.name ?? null;
}

async function count(db: pg.Pool, sql: string): Promise<number> {
  const result = await db.query<{ n: string }>(sql);
  return Number(result.rows[0]?.n ?? 0);
}

function outcome(name: string, found: number, what: string): HealthCheck {
  return found === 0
    ? { name, status: "ok", count: 0, detail: `no ${what}` }
    : { name, status: "problem", count: found, detail: `${what}: ${found}` };
}

function skipped(name: string, detail: string): HealthCheck {
  return { name, status: "skipped", count: 0, detail };
}

export async function runHealthChecks(db: pg.Pool): Promise<HealthCheck[]> {
  const columns = await columnsOf(db);
  const has = (table: string, ...names: string[]) => names.every((name) => columns.get(table)?.has(name));
  const checks: HealthCheck[] = [];

  for (const column of ["username", "referralCode"]) {
    const name = `users without ${column === "username" ? "a username" : "a referral code"}`;
    checks.push(
      has("User", column)
        ? outcome(name, await count(db, `SELECT count(*) AS n FROM "User" WHERE coalesce(btrim(${quoteIdent(column)}), '') = ''`), `users with an empty ${column}`)
        : skipped(name, `"User".${column} does not exist`),
    );
  }

  for (const reference of USER_REFERENCES) {
    const name = `${reference.table}.${reference.column} → missing user`;
    if (!has(reference.table, reference.column) || !has("User", "privyDid")) {
      checks.push(skipped(name, `"${reference.table}".${reference.column} or "User".privyDid does not exist`));
      continue;
    }
    const foreignKey = await foreignKeyToUser(db, reference);
    if (foreignKey) {
      checks.push({ name, status: "ok", count: 0, detail: `prevented by foreign key ${foreignKey}` });
      continue;
    }
    const table = quoteIdent(reference.table);
    const column = quoteIdent(reference.column);
    const orphans = await count(
      db,
      `SELECT count(*) AS n FROM ${table} t
        WHERE t.${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "User" u WHERE u."privyDid" = t.${column})`,
    );
    checks.push(outcome(name, orphans, `${reference.table} rows point at users that do not exist (no foreign key)`));
  }

  const pointsName = "points totals vs point transactions";
  checks.push(
    has("User", "privyDid", "totalPoints") && has("PointTransaction", "userId", "points")
      ? outcome(
          pointsName,
          await count(
            db,
            `SELECT count(*) AS n
               FROM "User" u
               LEFT JOIN (SELECT "userId", sum(points) AS total FROM "PointTransaction" GROUP BY "userId") t
                 ON t."userId" = u."privyDid"
              WHERE u."totalPoints" <> coalesce(t.total, 0)`,
          ),
          "users whose totalPoints differ from the sum of their point transactions",
        )
      : skipped(pointsName, `"User".totalPoints or "PointTransaction".points does not exist`),
  );
  return checks;
}
