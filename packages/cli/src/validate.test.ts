import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run, STACK_TRACE, tempTree } from './test-support.js';

const CONFORMANCE = `${process.env['KORDON_SHARED']}/conformance/netpol-analyzer`;
const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));

interface Problem {
  severity: string;
  code: string;
  path: string;
  message: string;
  file: string;
  line: number;
  column: number;
  value?: string;
  hint?: string;
}

/** A NetworkPolicy app/p: the header is lines 1-6, so the first spec line is line 7. */
const policy = (...spec: string[]) => ['apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata:', '  name: p', '  namespace: app', 'spec:', ...spec, ''].join('\n');

const t = tempTree({
  'valid.yaml': policy(
    '  podSelector: {}',
    '  ingress:',
    '  - from:',
    '    - ipBlock:',
    '        cidr: 10.0.0.0/8',
    '        except: [10.1.0.0/16]',
    '    ports:',
    '    - port: 80',
    '      endPort: 90',
  ),
  'hostbits.yaml': policy(
    '  podSelector: {}', // 7
    '  ingress:', // 8
    '  - from:', // 9
    '    - ipBlock:', // 10
    '        cidr: 172.17.0.1/24', // 11
  ),
  'bad.yaml': policy(
    '  podSelector:', // 7
    '    matchLabels:', // 8
    '      app: web', // 9
    '  policyTypes: [Ingress, Sideways]', // 10
    '  ingress:', // 11
    '  - from:', // 12
    '    - podSelector: {}', // 13
    '      ports:', // 14: ports indented under the peer
    '      - port: 80', // 15
    '  - ports:', // 16
    '    - port: 0', // 17
    '      protocol: ICMP', // 18
    '    - port: http', // 19
    '      endPort: 90', // 20: endPort needs a numeric port
    '  - from:', // 21
    '    - ipBlock:', // 22
    '        cidr: 10.0.0.0/16', // 23
    '        except: [10.1.0.0/24]', // 24: not inside cidr
  ),
});
afterAll(() => t.cleanup());

describe('kordon validate', () => {
  it('a valid policy: exit 0, an empty list', async () => {
    const r = await run(['validate', t.path('valid.yaml'), '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([]);
    const text = await run(['validate', t.path('valid.yaml')]);
    expect(text.out).toMatch(/^✓ valid \(1 object in 1 file, 1 NetworkPolicy\)\n$/);
  });

  it('a CIDR with host bits set is a warning, not an error: exit 0', async () => {
    const r = await run(['validate', t.path('hostbits.yaml'), '-o', 'json']);
    expect(r.code).toBe(0);
    const problems = JSON.parse(r.out) as Problem[];
    expect(problems.map((p) => [p.severity, p.path, p.line, p.column])).toEqual([['warning', 'spec.ingress[0].from[0].ipBlock.cidr', 11, 9]]);
    expect(problems[0]!.value).toBe('172.17.0.1/24');
  });

  it('every problem with severity, field path, message and file:line:column; exit 1', async () => {
    const r = await run(['validate', t.path('bad.yaml'), '-o', 'json']);
    expect(r.code).toBe(1);
    const problems = JSON.parse(r.out) as Problem[];
    for (const p of problems) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['severity', 'path', 'message', 'file', 'line', 'column']));
      expect(p.file).toBe(t.path('bad.yaml'));
    }
    const got = problems.map((p) => `${p.severity} ${p.path} ${p.line}:${p.column}`);
    // What the API server rejects here, each at the line it is written on.
    expect(got).toEqual([
      'error spec.policyTypes[1] 10:26',
      'error spec.ingress[0].from[0].ports 14:7',
      'error spec.ingress[1].ports[0].port 17:7',
      'error spec.ingress[1].ports[0].protocol 18:7',
      'error spec.ingress[1].ports[1].endPort 20:7',
      'error spec.ingress[2].from[0].ipBlock.except[0] 24:18',
    ]);
  });

  it('text: file:line:column: severity: message [path], the hint below, and a summary', async () => {
    const r = await run(['validate', t.path('bad.yaml')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${t.path('bad.yaml')}:14:7: error: strict decoding error: unknown field "ports" in NetworkPolicyPeer [spec.ingress[0].from[0].ports]\n  hint: `);
    expect(r.out).toMatch(/✗ \d+ errors \(1 object in 1 file, 1 NetworkPolicy, 1 invalid\)\n$/);
  });

  it('a valid and an invalid policy together: the invalid one is reported, the valid one counted', async () => {
    const r = await run(['validate', SHOP]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('invalid.yaml:11:7: error:');
    expect(r.out).toContain('5 NetworkPolicies, 1 invalid');
  });

  it('notes go to stderr with -o json, so that stdout stays one JSON document', async () => {
    const u = tempTree({ 'x.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' });
    try {
      const r = await run(['validate', u.dir, '-o', 'json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual([]);
      expect(r.err).toMatch(/x\.yaml:1:1: note: Widget .*skipped/);
    } finally {
      u.cleanup();
    }
  });

  describe('real-world inputs (netpol-analyzer test folders)', () => {
    for (const name of readdirSync(CONFORMANCE).filter((n) => !n.startsWith('_') && !n.endsWith('.md'))) {
      it(name, async () => {
        const dir = join(CONFORMANCE, name, 'input');
        const r = await run(['validate', dir, '-o', 'json']);
        expect(r.out + r.err).not.toMatch(STACK_TRACE);
        const problems = JSON.parse(r.out) as Problem[];
        expect(r.code).toBe(problems.some((p) => p.severity === 'error') ? 1 : 0);
        for (const p of problems) {
          // Each place exists in its file.
          const lines = readFileSync(p.file, 'utf8').split('\n');
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.line).toBeLessThanOrEqual(lines.length);
          expect(p.column).toBeLessThanOrEqual(lines[p.line - 1]!.length + 1);
        }
      });
    }
  });
});
