#!/usr/bin/env node
// Generates the Prisma client (src/store/generated, not committed) from prisma/schema.prisma. Run by
// `npm install` / `npm ci` (postinstall) and by `npm run db:generate` after editing the schema.
//
// Why not plain `prisma generate`: Prisma 7's CLI downloads its schema-engine binary before every
// command, and that download fails on machines with no network but the npm registry. `generate`
// never runs the schema engine (the client is built by the bundled WebAssembly), so pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips the download. See CONTRIBUTING.md.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
const result = spawnSync(
  process.execPath,
  [cli, 'generate', '--schema', join(root, 'prisma/schema.prisma')],
  {
    cwd: root,
    env,
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
