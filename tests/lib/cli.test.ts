import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runFixture } from "../helpers/cli.ts";

const PROBE = "cli-probe.ts";

describe("CLI conventions", () => {
  it("--help prints usage and exits 0", async () => {
    const result = await runFixture(PROBE, ["--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: cli-probe/);
  });

  it("an unknown option is a usage error: exit 2 with the reason", async () => {
    const result = await runFixture(PROBE, ["--nope"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '--nope'/);
  });

  it("an invalid option value is a usage error naming the option", async () => {
    const result = await runFixture(PROBE, ["--limit", "-3"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--limit must be a positive integer/);
  });

  it("an operation failure exits 1 with one redacted line", async () => {
    const result = await runFixture(PROBE, ["--fail", "operation"]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, "error: backup of postgresql://app:***@db/app failed: disk full; free space and retry\n");
  });

  it("an unexpected error still exits 1 with a single line", async () => {
    const result = await runFixture(PROBE, ["--fail", "crash"]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, "error: unexpected\n");
  });

  it("a missing DATABASE_URL exits 2 naming the variable", async () => {
    const result = await runFixture(PROBE, ["--fail", "config"], { DATABASE_URL: "" });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: DATABASE_URL is not set/);
  });

  it("succeeds with exit 0", async () => {
    const result = await runFixture(PROBE, ["--limit", "5"]);
    assert.deepEqual([result.code, result.stdout], [0, "ok 5\n"]);
  });
});
