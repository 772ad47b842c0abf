import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../../src/codeLocation.js';

describe('generated Prisma client', () => {
  it('was generated from the current prisma/schema.prisma (else: npm run db:generate)', () => {
    const generated = readFileSync(join(packageRoot, 'src/store/generated/internal/class.ts'), 'utf8');
    const literal = generated.match(/"inlineSchema": ("(?:[^"\\]|\\.)*")/)?.[1];
    assert.ok(literal, 'the generated client embeds its schema');
    const schema = readFileSync(join(packageRoot, 'prisma/schema.prisma'), 'utf8');
    // Prisma embeds the schema re-aligned, so compare with runs of spaces collapsed.
    const normalise = (text: string) => text.replace(/[ \t]+/g, ' ').trim();
    assert.ok(
      normalise(JSON.parse(literal)) === normalise(schema),
      'src/store/generated is stale: run `npm run db:generate`',
    );
  });
});
