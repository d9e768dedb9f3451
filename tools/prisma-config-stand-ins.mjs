// @ts-check
// An esbuild plugin for bundling a prisma.config.ts only to read the paths in
// it (schema, migrations): the Prisma packages such a config imports are
// replaced by stand-ins. Importing prisma/config costs ~0.36 s of start-up (it
// loads the effect library) and @prisma/adapter-pg ~0.05 s; for the fields read
// here defineConfig() copies its input through unchanged, env() is Prisma's,
// and the adapter class is never constructed (only the Prisma CLI calls
// config.adapter()).
/** The project's own prisma.config.ts, bundled so by tools/build.mjs, beside the commands in dist/<id>/. */
export const BUILT_PRISMA_CONFIG = "prisma.config.js";

const STAND_INS = {
  "prisma/config": `
    export const defineConfig = (config) => config;
    export function env(name) {
      const value = process.env[name];
      if (!value) throw new Error(\`Missing required environment variable: \${name}\`);
      return value;
    }`,
  "@prisma/adapter-pg": "export class PrismaPg {}",
};

/** @type {import("esbuild").Plugin} */
export const prismaConfigStandIns = {
  name: "prisma-config-stand-ins",
  setup(build) {
    build.onResolve({ filter: /^(prisma\/config|@prisma\/adapter-pg)$/ }, (args) => ({ path: args.path, namespace: "stand-in" }));
    build.onLoad({ filter: /.*/, namespace: "stand-in" }, (args) => ({
      contents: STAND_INS[/** @type {keyof typeof STAND_INS} */ (args.path)],
      loader: "js",
    }));
  },
};
