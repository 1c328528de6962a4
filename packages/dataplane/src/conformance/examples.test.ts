// Every tutorial scenario under examples/ (a folder holding expect.yaml, its own manifests only) is built in the
// lab, enforced by kordon's nftables ruleset, probed for real on every column of `kordon matrix`, and must equal
// the engine's matrix cell for cell. Outside addresses named by the scenario's expectations become endpoints too.
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCluster, computeMatrix, loadSources } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { labLimits, matrixColumns, LabSession, withLabAddresses } from '../lab/probe.js';
import { requirePrivileges } from '../test-support.js';

requirePrivileges();

const root = fileURLToPath(new URL('../../../../examples/', import.meta.url));

function scenarioDirs(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name === 'expect.yaml') ? [dir] : [];
  return [...here, ...entries.filter((e) => e.isDirectory() && e.name !== 'node_modules').flatMap((e) => scenarioDirs(join(dir, e.name)))];
}

function manifests(dir: string): Array<{ name: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/.test(e.name) && !e.name.startsWith('expect'))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Addresses the expectations talk about, in order of appearance. */
function outsideAddresses(dir: string): string[] {
  const doc = parse(readFileSync(join(dir, 'expect.yaml'), 'utf8')) as unknown;
  const list = Array.isArray(doc) ? doc : ((doc as { expectations?: unknown[] } | null)?.expectations ?? []);
  const ips: string[] = [];
  for (const e of list as Array<Record<string, unknown>>)
    for (const k of ['from', 'to']) {
      const v = e[k];
      if (typeof v === 'string' && isIP(v) && !ips.includes(v)) ips.push(v);
    }
  return ips;
}

const dirs = scenarioDirs(root);

describe('examples/ scenarios: the lab probes what kordon matrix says', () => {
  it('finds the scenarios', () => {
    expect(dirs.length).toBeGreaterThan(10);
  });

  for (const dir of dirs) {
    const name = relative(root, dir);
    it(name, async () => {
      const loaded = loadSources(manifests(dir));
      const cluster = withLabAddresses(buildCluster(loaded.objects).cluster);
      expect(labLimits(cluster)).toEqual([]);
      const ips = outsideAddresses(dir).filter((ip) => !cluster.pods.some((p) => p.ips.includes(ip) || p.hostIP === ip));
      const columns = matrixColumns(cluster);
      const m = computeMatrix(cluster, { ips });
      const session = await LabSession.open(cluster, { ips, serve: columns.map((c) => ({ port: c.port, protocol: c.protocol })) });
      try {
        await session.enforce(cluster);
        const probed = await session.probe(columns, 1000);
        expect(probed.endpoints).toEqual([...m.endpoints]);
        columns.forEach((col, c) => {
          const engine = m.endpoints.map((_, i) => m.row(c, i));
          if (probed.unsupported?.[col.label]) {
            expect(col.protocol, `${name} ${col.label} not probed: ${probed.unsupported[col.label]}`).toBe('SCTP');
            return;
          }
          expect(probed.allowed[col.label], `${name} ${col.label}: probed (rows) vs kordon matrix; endpoints ${m.endpoints.join(' ')}`).toEqual(engine);
        });
      } finally {
        await session.close();
      }
    }, 90_000);
  }
});
