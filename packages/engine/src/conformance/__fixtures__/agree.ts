// The comparison both property tests make: evaluate() against the plain reference on every pair of pods and outside
// addresses, on the explicit ports and every listed port of every protocol. Returns the disagreements, worded.
import { evaluate } from '../../eval/evaluate.js';
import type { Cluster, Protocol } from '../../model/types.js';
import { podByName } from './harness.js';
import { PORTS, PROTOS } from './random-cluster.js';
import type { reference, REnd } from './reference.js';

type Reference = ReturnType<typeof reference>;
type Explicit = { ports: readonly { port: number; protocol: Protocol }[]; ips: readonly string[] };

export function referenceDisagreements(cluster: Cluster, ref: Reference, opts: Explicit): string[] {
  const ends: REnd[] = [...ref.pods.map((pod) => ({ pod })), ...opts.ips.map((ip) => ({ ip }))];
  const toEngine = (e: REnd) => ('pod' in e ? { kind: 'pod' as const, pod: podByName(cluster, e.pod.id) } : { kind: 'ip' as const, ip: e.ip });
  const name = (e: REnd) => ('pod' in e ? e.pod.id : e.ip);
  const probes = [...opts.ports, ...PORTS.flatMap((port) => PROTOS.map((protocol) => ({ port, protocol })))];
  const bad: string[] = [];
  for (const a of ends) {
    for (const b of ends) {
      if ('ip' in a && 'ip' in b) continue;
      for (const { port, protocol } of probes) {
        const want = ref.allowed(a, b, port, protocol);
        const got = evaluate(cluster, { from: toEngine(a), to: toEngine(b), port, protocol }).allowed;
        if (got !== want) bad.push(`${name(a)} -> ${name(b)} ${port}/${protocol}: evaluate ${got}, reference ${want}`);
      }
    }
  }
  return bad;
}
