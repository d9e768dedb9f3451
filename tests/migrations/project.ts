// A throw-away Prisma project for end-to-end migration tests: a copy of
// prisma/ (schema + migration history) with its own prisma.config.ts, so test
// migrations never touch the real prisma/migrations.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";

export interface TestProject {
  dir: string;
  config: string;
  migrationsDir: string;
  backupDir: string;
  /** Writes prisma/migrations/<name>/migration.sql. */
  addMigration(name: string, sql: string): string;
  remove(): void;
}

export function createTestProject(): TestProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pdg-migrations-"));
  cpSync(path.join(PROJECT_ROOT, "prisma"), path.join(dir, "prisma"), { recursive: true });
  const config = path.join(dir, "prisma.config.ts");
  writeFileSync(
    config,
    `import base from ${JSON.stringify(path.join(PROJECT_ROOT, "prisma.config.ts"))};\n` +
      `export default { ...base, schema: "prisma/schema.prisma", migrations: { ...base.migrations, path: "prisma/migrations" } };\n`,
  );
  const migrationsDir = path.join(dir, "prisma", "migrations");
  return {
    dir,
    config,
    migrationsDir,
    backupDir: path.join(dir, "backups"),
    addMigration(name, sql) {
      const file = path.join(migrationsDir, name, "migration.sql");
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, sql);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
