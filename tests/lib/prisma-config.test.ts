import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { ConfigError } from "../../scripts/lib/errors.ts";
import { importPrismaConfig, PROJECT_PRISMA_CONFIG } from "../../scripts/lib/prisma-config.ts";

describe("reading a prisma.config.ts's paths", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pdg-prisma-config-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const copies = () => {
    const bundles = path.join(PROJECT_ROOT, "dist", "prisma-config");
    return existsSync(bundles) ? readdirSync(bundles).filter((name) => name.startsWith(`${process.pid}-`)) : [];
  };

  it("reads the project's own config as the Prisma CLI would", async () => {
    const config = (await importPrismaConfig(PROJECT_PRISMA_CONFIG)).default;
    assert.equal(config?.schema, "prisma/schema.prisma");
    assert.equal(config?.migrations?.path, "prisma/migrations");
  });

  it("reads another config through the stand-ins for prisma/config and @prisma/adapter-pg, leaving no copy behind", async () => {
    const file = path.join(dir, "prisma.config.ts");
    writeFileSync(
      file,
      'import { defineConfig, env } from "prisma/config";\nimport { PrismaPg } from "@prisma/adapter-pg";\n' +
        'const folder: string = env("PDG_TEST_MIGRATIONS");\n' +
        'export default defineConfig({ schema: "db/schema.prisma", migrations: { path: folder }, adapter: async () => new PrismaPg({}) });\n',
    );
    process.env.PDG_TEST_MIGRATIONS = "db/history";
    try {
      const config = (await importPrismaConfig(file)).default;
      assert.deepEqual([config?.schema, config?.migrations?.path], ["db/schema.prisma", "db/history"]);
    } finally {
      delete process.env.PDG_TEST_MIGRATIONS;
    }
    assert.deepEqual(copies(), []);
  });

  it("a config that does not parse is a configuration error naming the file", async () => {
    const file = path.join(dir, "broken.config.ts");
    writeFileSync(file, "export default {\n");
    await assert.rejects(importPrismaConfig(file), (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${file} cannot be read: `));
    assert.deepEqual(copies(), []);
  });
});
