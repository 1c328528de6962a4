import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { run } from './test-support.js';

const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));

describe('kordon exposure', () => {
  it('--to names who could reach a destination, in the words of its policies', async () => {
    const r = await run(['exposure', SHOP, '--to', 'backend/db']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('backend/db[Pod]\n  ingress from:\n    pods with app=api in namespace backend, on 5432/TCP  (backend/db-ingress ingress rule 0 at ');
    expect(r.out).toContain('addresses in 192.168.0.0/16 except 192.168.1.0/24, on every port');
    expect(r.out).not.toContain('frontend/web');
  });
  it('writes json, yaml and md; a --to that names nothing is a usage error', async () => {
    const j = JSON.parse((await run(['exposure', SHOP, '-o', 'json'])).out) as { unprotected: { ingress: string[] } };
    expect(j.unprotected.ingress).toContain('backend/worker[Deployment]');
    expect(parse((await run(['exposure', SHOP, '-o', 'yaml'])).out)).toEqual(j);
    expect((await run(['exposure', SHOP, '-o', 'md'])).out).toContain('| workload | direction | peer | ports | rule |');
    expect((await run(['exposure', SHOP, '--to', 'backend/nothing'])).code).toBe(2);
  });
});
