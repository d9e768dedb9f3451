// Which schemas the tools cover by default: the Prisma datasource's
// `schemas` (multiSchema), else the URL's ?schema=, else public.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { PRISMA_SCHEMA_FILE, defaultSchemas, prismaDatasourceSchemas } from "../../scripts/lib/schemas.ts";

describe("default schemas", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "pdg-schemas-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function schemaFile(text: string): Promise<string> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.prisma`);
    await writeFile(file, text);
    return file;
  }

  it("reads the datasource's schemas list, ignoring comments and // inside strings", async () => {
    const file = await schemaFile(`
      // schemas = ["commented"]
      datasource db {
        provider = "postgresql"
        url      = "postgresql://u@h/db" // a comment
        schemas  = ["public", "auth"] // Supabase keeps users in auth
      }
      model User { id Int @id @@schema("auth") }`);
    assert.deepEqual(prismaDatasourceSchemas(file), ["public", "auth"]);
    assert.deepEqual(defaultSchemas("postgresql://u@h/db", file), ["public", "auth"]);
    assert.deepEqual(defaultSchemas("postgresql://u@h/db?schema=auth", file), ["auth", "public"]);
  });

  it("falls back to the URL's ?schema=, then public", async () => {
    const file = await schemaFile(`datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n`);
    assert.equal(prismaDatasourceSchemas(file), null);
    assert.deepEqual(defaultSchemas("postgresql://u@h/db?schema=app", file), ["app"]);
    assert.deepEqual(defaultSchemas("postgresql://u@h/db", file), ["public"]);
    assert.deepEqual(defaultSchemas("postgresql://u@h/db", path.join(dir, "missing.prisma")), ["public"]);
  });

  it("gives this project's own schema file no list (one schema, public)", () => {
    assert.equal(prismaDatasourceSchemas(PRISMA_SCHEMA_FILE), null);
  });
});
