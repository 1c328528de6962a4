import { describe, expect, it } from 'vitest';
import { defaultColumns, type Rule } from '@kordon/engine';
import { inline, pods } from '../__fixtures__/support.js';
import { flippableColumns } from './columns.js';

// db names pg=5432, metrics=9090; web names http=8080. A policy elsewhere names 80, so 80/TCP is a column of its own.
const base = pods('app', [
  { name: 'web', labels: { app: 'web' }, ip: '10.1.0.5', ports: [{ name: 'http', port: 8080 }] },
  { name: 'db', labels: { app: 'db' }, ip: '10.1.0.6', ports: [{ name: 'pg', port: 5432 }, { name: 'metrics', port: 9090 }] },
]);
const other = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: other, namespace: app}\nspec:\n  podSelector: {matchLabels: {app: none}}\n  ingress:\n  - ports: [{port: 80}]`;
const dbPolicy = (dir: 'ingress' | 'egress', rules: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: app}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [${dir === 'ingress' ? 'Ingress' : 'Egress'}]\n  ${dir}:\n${rules}`;
const ruleText = (r: Rule) => JSON.stringify([r.peers, r.ports]);

function flippable(dir: 'ingress' | 'egress', before: string, after: string): string[] {
  const old = inline(`${base}\n---\n${other}\n---\n${dbPolicy(dir, before)}`).cluster;
  const next = inline(`${base}\n---\n${other}\n---\n${dbPolicy(dir, after)}`).cluster;
  const columns = defaultColumns(next);
  const at = (c: typeof old) => c.pods.find((p) => p.name === 'db')!;
  const cols = flippableColumns({ old, next, pod: { old: at(old), next: at(next) }, direction: dir, changed: new Set(['app/db']), columns, ruleText });
  return cols.map((i) => columns[i]!.label);
}

describe('the columns a changed rule can flip, as the engine model admits ports', () => {
  it('an added ingress rule on a named port flips only the port that name resolves to on the pod', () => {
    expect(flippable('ingress', '  - ports: [{port: 5432}]', '  - ports: [{port: 5432}]\n  - ports: [{port: metrics}]')).toEqual(['9090/TCP']);
  });

  it('a named port the pod does not have flips nothing on ingress', () => {
    expect(flippable('ingress', '  - ports: [{port: 5432}]', '  - ports: [{port: 5432}]\n  - ports: [{port: http}]')).toEqual([]);
  });

  it('an added egress rule on a named port flips the ports that name resolves to on some pod', () => {
    expect(flippable('egress', '  - ports: [{port: 5432}]', '  - ports: [{port: 5432}]\n  - ports: [{port: http}]')).toEqual(['8080/TCP']);
  });

  it('numbers, ranges and rules without ports keep their columns', () => {
    expect(flippable('ingress', '  - ports: [{port: 5432}]', '  - ports: [{port: 80}]')).toEqual(['80/TCP', '5432/TCP']);
    expect(flippable('ingress', '  - ports: [{port: 5432}]', '  - ports: [{port: 5432}]\n  - {}')).toEqual(defaultColumns(inline(`${base}\n---\n${other}`).cluster).map((c) => c.label));
  });
});
