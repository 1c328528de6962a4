// cyclonus' simulated probe of its "simple-example" policies (shared/conformance/cyclonus/simple-example-probe): the
// Ingress, Egress and Combined tables it prints for TCP 80, 81 and 82 against kordon.
//
// Mapping of cyclonus cells to kordon:
//  - `.` allowed, `X` blocked: compared with evaluate() (and the matrix) cell by cell. Ingress and Egress tables are the
//    two directions of the verdict, diagonal included (cyclonus decides a pod's traffic to itself from policies too,
//    and so do kordon's per-direction verdicts). In the Combined table the diagonal is not compared: a pod always
//    reaches itself in kordon, where cyclonus prints e.g. y/a -> y/a as X.
//  - `N` (TCP 82): no container serves the port. kordon judges policy, not listeners, so N must appear exactly where
//    the destination has no container port 82/TCP, and kordon's verdict there is the policy verdict: no rule of these
//    policies names a port, so 82 shares its port class with 80 and must get cyclonus' Combined verdicts for 80.
//  - `?` (Egress table of 82): cyclonus did not decide; nothing to compare.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../model/types.js';
import { evaluate } from '../eval/evaluate.js';
import { defaultColumns } from '../matrix/columns.js';
import { CONFORMANCE_DIR, clusterOfFiles, matrixVsEvaluate, namespaceObject, podByName, podObject, readJson, readText } from './__fixtures__/harness.js';

const DIR = 'cyclonus/simple-example-probe';

interface ProbeFile {
  Probes: { Protocol: Protocol; Port: number }[];
  Resources: {
    Namespaces: Record<string, Record<string, string>>;
    Pods: { Namespace: string; Name: string; Labels: Record<string, string>; IP: string; Containers: { Name: string; Port: number; PortName: string; Protocol: string }[] }[];
  };
}

type Kind = 'Ingress' | 'Egress' | 'Combined';
interface Group {
  tables: Partial<Record<Kind, { columns: string[]; rows: Map<string, string[]> }>>;
}

/** Reads the groups of three tables, one group per probe, in probe order. */
function parseAnalyzeProbe(text: string): Group[] {
  const groups: Group[] = [];
  let current: { columns: string[]; rows: Map<string, string[]> } | undefined;
  for (const line of text.split('\n')) {
    const head = /^(Ingress|Egress|Combined):$/.exec(line.trim());
    if (head) {
      if (head[1] === 'Ingress') groups.push({ tables: {} });
      current = { columns: [], rows: new Map() };
      groups[groups.length - 1]!.tables[head[1] as Kind] = current;
      continue;
    }
    if (!current || !line.startsWith('|')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (current.columns.length === 0 && cells[0] === '') current.columns = cells.slice(1).map((c) => c.toLowerCase());
    else if (cells[0]) current.rows.set(cells[0], cells.slice(1));
  }
  return groups;
}

const probe = readJson<ProbeFile>(`${DIR}/input/probe.json`);
const policyFiles = readdirSync(join(CONFORMANCE_DIR, DIR, 'input/policies'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ name: f, text: readText(`${DIR}/input/policies/${f}`) }));
const resources = [
  ...Object.entries(probe.Resources.Namespaces).map(([name, labels]) => namespaceObject(name, labels)),
  ...probe.Resources.Pods.map((p) =>
    podObject({
      namespace: p.Namespace,
      name: p.Name,
      labels: p.Labels,
      ips: [p.IP],
      containerPorts: p.Containers.map((c) => ({ name: c.PortName, port: c.Port, protocol: c.Protocol.toUpperCase() as Protocol, container: c.Name })),
    }),
  ),
];
const { cluster, diagnostics } = clusterOfFiles([{ name: 'probe-resources.json', text: JSON.stringify(resources) }, ...policyFiles]);
const groups = parseAnalyzeProbe(readText(`${DIR}/expected/analyze-probe.txt`));

const cellOf = (allowed: boolean) => (allowed ? '.' : 'X');

describe('cyclonus simple-example probe (analyze-probe.txt)', () => {
  it('reads the input as cyclonus did: 9 pods, 7 policies, no errors, one group of tables per probe', () => {
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(cluster.pods.length).toBe(9);
    expect(cluster.policies.length).toBe(7);
    expect(groups.length).toBe(probe.Probes.length + 1); // the file ends with an empty group
    expect(groups.slice(0, probe.Probes.length).every((g) => g.tables.Combined?.rows.size === 9)).toBe(true);
  });

  it('no policy rule names a port, so every port other than the served ones shares the class of 80', () => {
    expect(cluster.policies.every((p) => [...p.ingress, ...p.egress].every((r) => r.ports === null))).toBe(true);
    expect(defaultColumns(cluster).map((c) => c.label)).toEqual(['80/TCP', '81/TCP', '*']);
  });

  probe.Probes.forEach((pr, k) => {
    it(`${pr.Protocol} ${pr.Port}: Ingress, Egress and Combined tables`, () => {
      const g = groups[k]!;
      const served = (dest: string) => podByName(cluster, dest).containerPorts.some((c) => c.port === pr.Port && c.protocol === pr.Protocol);
      const problems: string[] = [];
      const combined = g.tables.Combined!;
      for (const [from, cells] of combined.rows) {
        combined.columns.forEach((to, j) => {
          const v = evaluate(cluster, { from: { kind: 'pod', pod: podByName(cluster, from) }, to: { kind: 'pod', pod: podByName(cluster, to) }, port: pr.Port, protocol: pr.Protocol });
          const check = (table: string, got: string, want: string | undefined) => {
            if (want !== got) problems.push(`${table} ${from} -> ${to}: cyclonus ${want}, kordon ${got}`);
          };
          const cy = cells[j];
          if (!served(to)) {
            // N: nobody listens; our policy verdict must be cyclonus' verdict for port 80 (same port class).
            check('Combined', 'N', cy);
            check('Ingress', 'N', g.tables.Ingress!.rows.get(from)![j]);
            const on80 = groups[probe.Probes.findIndex((p) => p.Port === 80 && p.Protocol === 'TCP')]!.tables.Combined!.rows.get(from)![j];
            if (from === to) check('Combined', '.', cellOf(v.allowed));
            else check('Combined (port-80 class)', cellOf(v.allowed), on80);
            return;
          }
          check('Ingress', cellOf(v.ingress.allowed), g.tables.Ingress!.rows.get(from)![j]);
          check('Egress', cellOf(v.egress.allowed), g.tables.Egress!.rows.get(from)![j]);
          if (from === to) check('Combined (a pod reaches itself)', cellOf(v.allowed), '.');
          else check('Combined', cellOf(v.allowed), cy);
        });
      }
      expect(problems).toEqual([]);
    });
  });

  it('the matrix agrees with evaluate on the probed ports', () => {
    expect(matrixVsEvaluate(cluster, { ports: probe.Probes.map((p) => ({ port: p.Port, protocol: p.Protocol })) })).toEqual([]);
    expect(matrixVsEvaluate(cluster)).toEqual([]);
  });
});
