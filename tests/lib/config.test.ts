import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeTarget, parseDatabaseUrl, requireDatabaseUrl } from "../../scripts/lib/config.ts";
import { ConfigError } from "../../scripts/lib/errors.ts";

describe("DATABASE_URL configuration", () => {
  it("reports a missing DATABASE_URL by name, as a configuration error (exit 2)", () => {
    assert.throws(
      () => requireDatabaseUrl({ DATABASE_URL: "" }),
      (error: unknown) => error instanceof ConfigError && error.exitCode === 2 && /DATABASE_URL is not set/.test(error.message),
    );
  });

  it("rejects a malformed URL without echoing its password", () => {
    assert.throws(
      () => parseDatabaseUrl("postgresql://app:s3cr3t@db.example.com:not-a-port/app"),
      (error: unknown) => error instanceof ConfigError && !error.message.includes("s3cr3t") && /DATABASE_URL/.test(error.message),
    );
  });

  it("rejects a non-PostgreSQL scheme and a URL without a database", () => {
    assert.throws(() => parseDatabaseUrl("mysql://root@localhost/app"), /must start with postgresql:\/\//);
    assert.throws(() => parseDatabaseUrl("postgresql://app:pw@localhost:5432/"), /no database name/);
  });

  it("parses host, port, database and user; describes the target without credentials", () => {
    const target = parseDatabaseUrl("postgres://app:p%40ss@db.internal:6543/social?schema=public");
    assert.equal(target.host, "db.internal");
    assert.equal(target.port, 6543);
    assert.equal(target.database, "social");
    assert.equal(target.user, "app");
    assert.equal(describeTarget(target), "db.internal:6543/social");
  });
});
