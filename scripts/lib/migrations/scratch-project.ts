// A scratch Prisma project: a copy of prisma/ (schema + migration history)
// with its own prisma.config.ts, so the demo and the tests can add migrations
// without touching the real prisma/migrations. Pass `config` as --config.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../config.ts";

export interface ScratchProject {
  dir: string;
  config: string;
  migrationsDir: string;
  backupDir: string;
  /** Writes prisma/migrations/<name>/migration.sql. */
  addMigration(name: string, sql: string): string;
  remove(): void;
}

/** `dir` is emptied first. */
export function createScratchProject(dir: string): ScratchProject {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(PROJECT_ROOT, "prisma"), path.join(dir, "prisma"), { recursive: true });
  const config = path.join(dir, "prisma.config.ts");
  writeFileSync(
    config,
    `// Scratch copy of the project's Prisma config with its own schema and migrations.\n` +
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
