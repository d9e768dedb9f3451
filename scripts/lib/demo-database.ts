// The demo's database: an embedded PostgreSQL 17 kept in .data/, a fresh
// `demo` database on every run, migrated with the project's own history.
import path from "node:path";
import { PROJECT_ROOT } from "./config.ts";
import { startEmbeddedPostgres, type EmbeddedServer } from "./embedded-postgres.ts";
import { runPrismaCliCaptured } from "./prisma-cli.ts";
import { OperationError } from "./errors.ts";

export const DEMO_DATA_DIR = path.join(PROJECT_ROOT, ".data");
const DEMO_DATABASE = "demo";

export interface DemoDatabase {
  server: EmbeddedServer;
  url: string;
}

export async function startDemoDatabase(): Promise<DemoDatabase> {
  const server = await startEmbeddedPostgres({ dataDir: DEMO_DATA_DIR, persistent: true });
  try {
    await server.dropDatabase(DEMO_DATABASE);
    const url = await server.createDatabase(DEMO_DATABASE);
    const migrate = await runPrismaCliCaptured(["migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url } });
    if (migrate.code !== 0) throw new OperationError(`prisma migrate deploy failed on the demo database:\n${migrate.output}`);
    return { server, url };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
