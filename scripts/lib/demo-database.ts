// The demo's database: an embedded PostgreSQL 17 kept in .data/, a fresh
// `demo` database on every run, migrated with the project's own history.
import path from "node:path";
import { PROJECT_ROOT } from "./config.ts";
import { recreateMigratedDatabase } from "./database-admin.ts";
import { startEmbeddedPostgres, type EmbeddedServer } from "./embedded-postgres.ts";

export const DEMO_DATA_DIR = path.join(PROJECT_ROOT, ".data");
const DEMO_DATABASE = "demo";

export interface DemoDatabase {
  server: EmbeddedServer;
  url: string;
}

export async function startDemoDatabase(): Promise<DemoDatabase> {
  const server = await startEmbeddedPostgres({ dataDir: DEMO_DATA_DIR, persistent: true });
  try {
    const url = await recreateMigratedDatabase(server.urlFor("postgres"), DEMO_DATABASE);
    return { server, url };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
