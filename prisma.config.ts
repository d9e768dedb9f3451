// Prisma CLI configuration: the Wasm schema engine ("js") driven through
// @prisma/adapter-pg, so migrate works offline with no native engine download.
// The CLI stops loading .env once a config file exists, hence loadEnvFile().
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import { loadEnvFile } from "./scripts/lib/config.ts";
import { poolConfigFromUrl } from "./scripts/lib/db.ts";

loadEnvFile();

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Discrete fields, not connectionString: node-postgres lets a connection
  // string win over the shadow pool's `database` override, which would make
  // the "shadow" database the real one.
  // allowExitOnIdle: the CLI never closes its pool, whose idle connections
  // would otherwise hold the process open for pg's 10 s idle timeout.
  adapter: async () => new PrismaPg({ ...poolConfigFromUrl(requiredUrl()), allowExitOnIdle: true }),
});

function requiredUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: copy .env.example to .env or export DATABASE_URL.");
  return url;
}
