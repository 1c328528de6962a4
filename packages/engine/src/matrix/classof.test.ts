// Matrix.classOf: endpoints of one class answer alike, as sources and as destinations, in every column.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCluster, computeMatrix, loadSources } from '../index.js';

const dir = fileURLToPath(new URL('../../../../examples/002-earthly-namespaces/3-allow-by-labels/', import.meta.url));
const files = readdirSync(dir).filter((n) => n.endsWith('.yaml') && !n.startsWith('expect')).map((n) => ({ name: n, text: readFileSync(dir + n, 'utf8') }));

describe('Matrix.classOf', () => {
  it('groups endpoints whose rows and columns agree in every column (pairs with themselves aside)', () => {
    const m = computeMatrix(buildCluster(loadSources(files).objects).cluster, { ips: ['203.0.113.10', '203.0.113.11'] });
    const n = m.endpoints.length;
    const classes = new Set(Array.from({ length: n }, (_, i) => m.classOf(i)));
    expect(classes.size).toBe(m.stats.classes);
    let compared = 0;
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        if (m.classOf(a) !== m.classOf(b)) continue;
        compared++;
        for (let col = 0; col < m.columns.length; col++) {
          for (let k = 0; k < n; k++) {
            if (k === a || k === b) continue;
            expect(m.allowed(col, a, k), `${m.endpoints[a]} and ${m.endpoints[b]} to ${m.endpoints[k]}`).toBe(m.allowed(col, b, k));
            expect(m.allowed(col, k, a), `${m.endpoints[k]} to ${m.endpoints[a]} and ${m.endpoints[b]}`).toBe(m.allowed(col, k, b));
          }
        }
      }
    }
    // The two outside addresses share a class: the comparison above ran.
    expect(compared).toBeGreaterThan(0);
  });
});
