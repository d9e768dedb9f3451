// `pnpm bench:lint-migrations [N]`: analysis of an N-migration history (default
// 200) — in-process (parser load included) and as the CLI a CI job runs — side
// by side with squawk (squawk-cli from npm, a Rust migration linter) on the same files.
// Target (issue 5): 200 migrations in under 2 s.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../scripts/lib/config.ts";
import { lintMigrations } from "../scripts/lib/migrations/lint.ts";
import { migrationNames } from "../scripts/lib/migrations/sources.ts";
import { scriptArgs } from "../scripts/lib/cli.ts";

const count = Number(process.argv[2] ?? 200);
const RUNS = 5;

/** A Prisma-shaped history: new tables with keys and indexes, added columns, enums, renames, type changes, data fixes. */
function migrationSql(i: number): string {
  const t = `Table${i - (i % 5)}`;
  switch (i % 5) {
    case 0:
      return `-- CreateTable
CREATE TABLE "${t}" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "body" TEXT,
    "score" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "${t}_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "${t}_userId_idx" ON "${t}"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "${t}_title_key" ON "${t}"("title");

-- AddForeignKey
ALTER TABLE "${t}" ADD CONSTRAINT "${t}_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("privyDid") ON DELETE CASCADE ON UPDATE CASCADE;
`;
    case 1:
      return `-- AlterTable
ALTER TABLE "${t}" ADD COLUMN "tags" TEXT[], ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "User" ADD COLUMN "pref${i}" TEXT;

-- CreateIndex
CREATE INDEX "${t}_createdAt_idx" ON "${t}"("createdAt");
`;
    case 2:
      return `-- CreateEnum
CREATE TYPE "Kind${i}" AS ENUM ('A', 'B', 'C');

-- AlterTable
ALTER TABLE "${t}" ADD COLUMN "kind" "Kind${i}" NOT NULL DEFAULT 'A';

UPDATE "${t}" SET "score" = 1 WHERE "score" IS NULL;
`;
    case 3:
      return `SET lock_timeout = '5s';
-- AlterTable
ALTER TABLE "${t}" ALTER COLUMN "title" SET DATA TYPE TEXT;
ALTER TABLE "${t}" RENAME COLUMN "body" TO "content";
-- DropIndex
DROP INDEX "${t}_createdAt_idx";
`;
    default:
      return `-- safe-migrate: allow drop-column the content moved to the Revision table
ALTER TABLE "${t}" DROP COLUMN "content";
INSERT INTO "Achievement" ("id", "name", "description", "category", "pointsReward", "requirement")
VALUES ('ach_${i}', 'Badge ${i}', 'Reach level ${i}', 'SPECIAL', ${i}, '{"level": ${i}}');
`;
  }
}

function makeHistory(dir: string): void {
  for (let i = 0; i < count; i++) {
    const name = `2026${String(Math.floor(i / 28) + 1).padStart(2, "0").slice(-2)}${String((i % 28) + 1).padStart(2, "0")}120000_m${i}`;
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "migration.sql"), migrationSql(i));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeProcess(command: string, args: string[]): { ms: number; code: number | null } {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: "ignore", env: { ...process.env, GITHUB_ACTIONS: "" } });
  return { ms: performance.now() - started, code: result.status };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-lint-"));
try {
  makeHistory(dir);
  const files = migrationNames(dir).map((name) => path.join(dir, name, "migration.sql"));

  const inProcess: number[] = [];
  let statements = 0;
  let findings = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = await lintMigrations({ paths: [dir], engine: { engine: "adapter-pg", source: "bench" } });
    inProcess.push(performance.now() - started);
    statements = result.analyses.reduce((sum, analysis) => sum + analysis.statements, 0);
    findings = result.analyses.reduce((sum, analysis) => sum + analysis.findings.length, 0);
  }

  const cli = Array.from({ length: 3 }, () => timeProcess(process.execPath, scriptArgs("db-lint-migrations", [dir])));
  const require = createRequire(import.meta.url);
  const squawkBin = path.join(path.dirname(require.resolve("squawk-cli/package.json")), "js", "bin", "squawk");
  const squawk = Array.from({ length: 3 }, () => timeProcess(squawkBin, files));

  const target = 2000;
  console.log(`bench:lint-migrations — ${count} migrations, ${statements} statements, ${findings} findings (${os.cpus().length} cores, node ${process.version})`);
  console.log(`  in-process analysis: first run ${inProcess[0]!.toFixed(0)} ms (Wasm parser load included), median of ${RUNS} ${median(inProcess).toFixed(0)} ms`);
  console.log(`  db:lint-migrations CLI (process start, tsx, parse, rules, report): median of 3 ${median(cli.map((r) => r.ms)).toFixed(0)} ms (exit ${cli[0]!.code})`);
  console.log(`  squawk 2.66.0 CLI on the same files: median of 3 ${median(squawk.map((r) => r.ms)).toFixed(0)} ms (exit ${squawk[0]!.code})`);
  console.log(`  CLI / squawk: ${(median(cli.map((r) => r.ms)) / median(squawk.map((r) => r.ms))).toFixed(1)}×`);
  const verdict = median(cli.map((r) => r.ms)) < target ? "meets" : "MISSES";
  console.log(`  target: ${count} migrations analysed in < ${target} ms by the CLI — ${verdict} it`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
