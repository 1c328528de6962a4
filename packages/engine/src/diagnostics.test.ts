import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '@kordon/engine';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/** The product's source files (tests, fixtures and this list itself left out). */
function productSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '__fixtures__' && e.name !== 'dist') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') && p !== join(PACKAGES, 'engine/src/diagnostics.ts')) out.push(p);
    }
  };
  for (const pkg of readdirSync(PACKAGES)) walk(join(PACKAGES, pkg, 'src'));
  return out;
}

describe('diagnostic codes are a closed list', () => {
  it('every code of the list is emitted somewhere in the product (the type rejects any code not in it)', () => {
    const text = productSources()
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = DIAGNOSTIC_CODES.filter((c) => !text.includes(`'${c}'`));
    expect(unused).toEqual([]);
  });

  it('codes are unique and kebab-case', () => {
    expect(new Set(DIAGNOSTIC_CODES).size).toBe(DIAGNOSTIC_CODES.length);
    for (const c of DIAGNOSTIC_CODES) expect(c).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });
});
