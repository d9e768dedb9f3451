import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  backupTimestamp,
  summaryFileName,
  tableFileName,
  tableFileStem,
  tableFileStems,
  timestampOfSummaryFile,
} from "../../scripts/lib/backup/naming.ts";
import { temporaryFileName } from "../../scripts/lib/repository/posix/write.ts";

describe("backup file names", () => {
  it("turns table names into kebab-case plurals", () => {
    const cases: Record<string, string> = {
      User: "users",
      PointTransaction: "point-transactions",
      DailyPointsLog: "daily-points-logs",
      _prisma_migrations: "prisma-migrations",
      UserAchievement: "user-achievements",
      Like: "likes",
      Follow: "follows",
      Comment: "comments",
      Achievement: "achievements",
      audit_log: "audit-logs",
      Category: "categories",
      Box: "boxes",
      Match: "matches",
      Day: "days",
      HTTPRequest: "http-requests",
      "Hard Types ✓": "hard-types",
      "✓": "tables",
    };
    for (const [table, stem] of Object.entries(cases)) assert.equal(tableFileStem(table), stem, table);
  });

  it("never gives two tables the same file", () => {
    const stems = tableFileStems(["User", "users", "USERS"]);
    assert.deepEqual([...stems.values()], ["users", "users-2", "users-3"]);
  });

  it("stamps files with a sortable, file-system-safe UTC timestamp", () => {
    const stamp = backupTimestamp(new Date("2025-07-05T21:00:00.000Z"));
    assert.equal(stamp, "2025-07-05T21-00-00-000Z");
    assert.equal(tableFileName("users", stamp, { gzip: false, encrypted: false }), "users-backup-2025-07-05T21-00-00-000Z.json");
    assert.equal(tableFileName("users", stamp, { gzip: true, encrypted: false }), "users-backup-2025-07-05T21-00-00-000Z.json.gz");
    assert.equal(tableFileName("users", stamp, { gzip: true, encrypted: true }), "users-backup-2025-07-05T21-00-00-000Z.json.gz.enc");
    assert.equal(summaryFileName(stamp), "backup-summary-2025-07-05T21-00-00-000Z.json");
  });

  it("recognises only summary file names", () => {
    assert.equal(timestampOfSummaryFile("backup-summary-2025-07-05T21-00-00-000Z.json"), "2025-07-05T21-00-00-000Z");
    assert.equal(timestampOfSummaryFile("users-backup-2025-07-05T21-00-00-000Z.json"), null);
    assert.equal(timestampOfSummaryFile("backup-summary-latest.json"), null);
    assert.equal(timestampOfSummaryFile(temporaryFileName("backup-summary-2025-07-05T21-00-00-000Z.json", "ab12")), null);
  });

  it("hides unfinished files behind a dot and a .partial suffix", () => {
    assert.equal(temporaryFileName("users-backup-X.json", "ab12"), ".users-backup-X.json.partial-ab12");
  });
});
