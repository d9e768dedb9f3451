// A seeded test database and a scratch copy of prisma/ for one describe block
// of migration-run tests (created before its tests, removed after them).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { createScratchProject, type ScratchProject } from "../../scripts/lib/migrations/scratch-project.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

export interface SeededProject {
  db: TestDatabase;
  project: ScratchProject;
}

/** Registers before/after hooks; read `db` and `project` inside the tests. */
export function seededProject(users: number): SeededProject {
  const context = {} as SeededProject;
  before(async () => {
    context.db = await createTestDatabase();
    await seedDatabase(context.db.pool, { users });
    context.project = createScratchProject(mkdtempSync(path.join(os.tmpdir(), "pdg-migrations-")));
  });
  after(async () => {
    await context.db.drop();
    context.project.remove();
  });
  return context;
}
