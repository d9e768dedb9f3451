import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_RETENTION, retentionPolicyFromEnv } from "../../scripts/lib/retention/policy.ts";
import { decideRetention, isoWeekKey, type DatedSet } from "../../scripts/lib/retention/select.ts";
import { ConfigError } from "../../scripts/lib/errors.ts";

/** One set per entry: "2026-11-28T02:00Z" or ["2026-11-28T02:00Z", "pre-migration"]. */
function sets(...entries: (string | [string, string])[]): DatedSet[] {
  return entries.map((entry) => {
    const [iso, kind] = typeof entry === "string" ? [entry, "scheduled"] : entry;
    return { id: iso, createdAt: new Date(iso), kind };
  });
}

function kept(decisions: ReturnType<typeof decideRetention>): string[] {
  return decisions.filter((d) => d.keep).map((d) => d.set.id).sort();
}

/** Nightly sets at 02:00 UTC for `days` days ending on `last` (newest first). */
function nightly(last: string, days: number): DatedSet[] {
  const end = new Date(`${last}T02:00:00.000Z`).getTime();
  return Array.from({ length: days }, (_, i) => new Date(end - i * 86_400_000).toISOString()).map((iso) => ({
    id: iso, createdAt: new Date(iso), kind: "scheduled",
  }));
}

describe("retention: which sets a GFS policy keeps", () => {
  it("defaults to keep-last 3, daily 7, weekly 4, monthly 6", () => {
    assert.deepEqual(DEFAULT_RETENTION, { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 });
  });

  it("keeps the newest N sets with keep-last only", () => {
    const decisions = decideRetention(
      sets("2026-11-28T02:00:00Z", "2026-11-28T01:00:00Z", "2026-11-28T00:00:00Z", "2026-11-27T23:00:00Z"),
      { keepLast: 2, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
    );
    assert.deepEqual(kept(decisions), ["2026-11-28T01:00:00Z", "2026-11-28T02:00:00Z"]);
    assert.deepEqual(decisions[0]!.reasons, ["last 1", "newest set"]);
  });

  it("keeps the newest set of each of the last N days, not every set of a day", () => {
    const decisions = decideRetention(
      sets("2026-11-28T09:00:00Z", "2026-11-28T02:00:00Z", "2026-11-27T15:00:00Z", "2026-11-27T02:00:00Z", "2026-11-26T02:00:00Z"),
      { keepLast: 0, keepDaily: 2, keepWeekly: 0, keepMonthly: 0 },
    );
    assert.deepEqual(kept(decisions), ["2026-11-27T15:00:00Z", "2026-11-28T09:00:00Z"]);
  });

  it("with 200 nights of backups, the defaults keep 7 daily, 4 weekly and 6 monthly sets", () => {
    const decisions = decideRetention(nightly("2026-11-28", 200), DEFAULT_RETENTION);
    const keptSets = decisions.filter((d) => d.keep);
    const days = keptSets.map((d) => d.set.createdAt.toISOString().slice(0, 10));
    // Daily: the last 7 nights (covers keep-last 3). Weekly: Sundays of the 4 newest ISO weeks
    // (the newest week's newest set is 2026-11-28, a Saturday). Monthly: the last night of each of 6 months.
    assert.deepEqual(days.sort(), [
      "2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31",
      "2026-11-08", "2026-11-15",
      "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28",
    ]);
    const newest = keptSets.find((d) => d.set.createdAt.toISOString().startsWith("2026-11-28"))!;
    assert.deepEqual(newest.reasons, ["last 1", "daily 2026-11-28", "weekly 2026-W48", "monthly 2026-11", "newest set"]);
  });

  it("always keeps the newest pre-migration set, however old, and only the newest one", () => {
    const decisions = decideRetention(
      sets(["2026-01-10T02:00:00Z", "pre-migration"], ["2026-01-05T02:00:00Z", "pre-migration"], ...nightly("2026-11-28", 3).map((s) => s.id)),
      { keepLast: 3, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
    );
    const preMigration = decisions.filter((d) => d.set.kind === "pre-migration");
    assert.deepEqual(preMigration.map((d) => [d.set.id, d.keep]), [["2026-01-10T02:00:00Z", true], ["2026-01-05T02:00:00Z", false]]);
    assert.deepEqual(preMigration[0]!.reasons, ["newest pre-migration set"]);
  });

  it("likewise keeps the newest pre-restore set (what a replace overwrote)", () => {
    const decisions = decideRetention(
      sets(["2026-02-10T02:00:00Z", "pre-restore"], ["2026-02-01T02:00:00Z", "pre-restore"], ...nightly("2026-11-28", 3).map((s) => s.id)),
      { keepLast: 3, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
    );
    const preRestore = decisions.filter((d) => d.set.kind === "pre-restore");
    assert.deepEqual(preRestore.map((d) => [d.set.id, d.keep]), [["2026-02-10T02:00:00Z", true], ["2026-02-01T02:00:00Z", false]]);
    assert.deepEqual(preRestore[0]!.reasons, ["newest pre-restore set"]);
  });

  it("never prunes the newest set, even with every count at 0", () => {
    const decisions = decideRetention(sets("2026-11-28T02:00:00Z", "2026-11-27T02:00:00Z"), {
      keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0,
    });
    assert.deepEqual(kept(decisions), ["2026-11-28T02:00:00Z"]);
  });

  it("computes ISO weeks in UTC, including year boundaries", () => {
    assert.equal(isoWeekKey(new Date("2026-11-28T23:30:00Z")), "2026-W48");
    assert.equal(isoWeekKey(new Date("2021-01-03T12:00:00Z")), "2020-W53");
    assert.equal(isoWeekKey(new Date("2024-12-30T00:00:00Z")), "2025-W01");
    assert.equal(isoWeekKey(new Date("2026-01-01T00:00:00Z")), "2026-W01");
  });
});

describe("retention: BACKUP_RETENTION", () => {
  it("is off when unset or off", () => {
    assert.equal(retentionPolicyFromEnv({}), null);
    assert.equal(retentionPolicyFromEnv({ BACKUP_RETENTION: "off" }), null);
    assert.equal(retentionPolicyFromEnv({ BACKUP_RETENTION: "0" }), null);
  });

  it("uses the defaults when on, and applies overrides", () => {
    assert.deepEqual(retentionPolicyFromEnv({ BACKUP_RETENTION: "on" }), DEFAULT_RETENTION);
    assert.deepEqual(retentionPolicyFromEnv({ BACKUP_RETENTION: "default" }), DEFAULT_RETENTION);
    assert.deepEqual(retentionPolicyFromEnv({ BACKUP_RETENTION: "last=5, daily=14" }), {
      ...DEFAULT_RETENTION, keepLast: 5, keepDaily: 14,
    });
  });

  it("rejects a malformed value with a ConfigError saying what is accepted", () => {
    for (const value of ["yearly=2", "last=-1", "last=two", "last", "last=1=2"]) {
      assert.throws(() => retentionPolicyFromEnv({ BACKUP_RETENTION: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /BACKUP_RETENTION=.* is not understood: use "on" for the defaults/);
        return true;
      }, value);
    }
  });
});
