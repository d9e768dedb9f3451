// Every rule the analyzer knows, with its usual severity (a live check can
// downgrade or upgrade a finding). Suppression comments must name one of these.
import type { Severity } from "../findings.ts";

export const RULES: Record<string, { severity: Severity; title: string }> = {
  "drop-table": { severity: "data-loss", title: "DROP TABLE deletes every row" },
  "drop-schema": { severity: "data-loss", title: "DROP SCHEMA deletes what the schema holds" },
  "drop-database": { severity: "data-loss", title: "DROP DATABASE deletes the database" },
  "drop-column": { severity: "data-loss", title: "DROP COLUMN deletes the column's values" },
  truncate: { severity: "data-loss", title: "TRUNCATE deletes every row (CASCADE: of referencing tables too)" },
  "delete-without-where": { severity: "data-loss", title: "DELETE without WHERE deletes every row" },
  "update-without-where": { severity: "data-loss", title: "UPDATE without WHERE overwrites every row" },
  "alter-column-type": { severity: "may-fail", title: "ALTER COLUMN TYPE: a failing or lossy cast, a table rewrite" },
  "drop-type": { severity: "may-fail", title: "DROP TYPE fails while in use (CASCADE drops the columns)" },
  "enum-value-removed": { severity: "may-fail", title: "an enum replaced by one with fewer values" },
  "add-column-not-null-no-default": { severity: "may-fail", title: "ADD COLUMN NOT NULL without a default fails on a table with rows" },
  "set-not-null": { severity: "may-fail", title: "SET NOT NULL fails on NULLs and scans under an exclusive lock" },
  "add-unique": { severity: "may-fail", title: "a UNIQUE constraint or unique index fails on duplicates" },
  "primary-key-change": { severity: "breaking", title: "adding or dropping a primary key" },
  "drop-foreign-key": { severity: "breaking", title: "dropping a foreign key" },
  "rename-table": { severity: "breaking", title: "renaming a table breaks the running app" },
  "rename-column": { severity: "breaking", title: "renaming a column breaks the running app" },
  "create-index-non-concurrent": { severity: "lock", title: "CREATE INDEX without CONCURRENTLY blocks writes" },
  "drop-index-non-concurrent": { severity: "lock", title: "DROP INDEX without CONCURRENTLY blocks the table" },
  "concurrently-in-transaction": { severity: "may-fail", title: "CONCURRENTLY cannot run inside a transaction" },
  "add-foreign-key-validating": { severity: "lock", title: "a foreign key added without NOT VALID" },
  "add-check-validating": { severity: "lock", title: "a CHECK constraint added without NOT VALID" },
  "volatile-default": { severity: "lock", title: "a volatile default rewrites the table" },
  "missing-lock-timeout": { severity: "lock", title: "a locking statement without lock_timeout" },
  "begin-without-commit": { severity: "may-fail", title: "BEGIN without COMMIT" },
  "semicolon-in-comment": { severity: "data-loss", title: "a ';' in a comment: Prisma's adapter runs the text after it as SQL" },
  "semicolon-in-literal": { severity: "may-fail", title: "a ';' in a string or identifier: Prisma's adapter cuts the statement there" },
};
