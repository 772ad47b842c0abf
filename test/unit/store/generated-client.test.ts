import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

describe('generated Prisma client', () => {
  it('was generated from the current prisma/schema.prisma (else: npm run db:generate)', () => {
    const generated = readFileSync(
      new URL('../../../src/store/generated/internal/class.ts', import.meta.url),
      'utf8',
    );
    const literal = generated.match(/"inlineSchema": ("(?:[^"\\]|\\.)*")/)?.[1];
    assert.ok(literal, 'the generated client embeds its schema');
    const schema = readFileSync(new URL('../../../prisma/schema.prisma', import.meta.url), 'utf8');
    // Prisma embeds the schema re-aligned, so compare with runs of spaces collapsed.
    const normalise = (text: string) => text.replace(/[ \t]+/g, ' ').trim();
    assert.ok(
      normalise(JSON.parse(literal)) === normalise(schema),
      'src/store/generated is stale: run `npm run db:generate`',
    );
  });
});
