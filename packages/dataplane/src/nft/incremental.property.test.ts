// The agent's incremental path against a compile from scratch: random clusters with cluster policies of both tiers,
// then random event sequences as informers deliver them (an object added, replaced or deleted: pods relabelled or
// moved, policies and cluster policies edited, namespaces and nodes relabelled). After each event the ruleset built
// with the caches carried over (ObjectStore's build cache, the CompileCache) must be the text a fresh compile writes,
// and the nft delta sent for the event, played on the previous table, must leave exactly that table.
import { buildCluster, loadSources } from '@kordon/engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsArb, NAMESPACES, tieredClusterArb, tieredManifestsOf, type TieredInput } from '../../../engine/src/conformance/__fixtures__/random-cluster.js';
import { ObjectStore } from '../agent/object-store.js';
import { CompileCache, compileRuleset, type CompileOptions } from './compile.js';
import { diffRulesets, type RulesetDiff } from './diff.js';
import { renderRuleset, type Ruleset } from './ruleset.js';

type Obj = Record<string, unknown>;

const keyOf = (o: Obj): string => {
  const m = o['metadata'] as Obj;
  return `${String(o['kind'])}/${String(m['namespace'] ?? '')}/${String(m['name'])}`;
};

/** A table as nft holds it: elements of each set by key (a map's by its key), rule texts of each chain. */
interface TableState {
  sets: Map<string, Map<string, string>>;
  chains: Map<string, string[]>;
}

const elementKey = (kind: 'set' | 'map', e: string): string => (kind === 'map' ? e.slice(0, e.indexOf(' : ')) : e);

function stateOf(rs: Ruleset): TableState {
  const sets = new Map<string, Map<string, string>>();
  for (const s of rs.sets) if (!s.dynamic) sets.set(s.name, new Map(s.elements.map((e) => [elementKey(s.kind, e), e])));
  return { sets, chains: new Map(rs.chains.map((c) => [c.name, c.rules.map((r) => r.text)])) };
}

/** Plays an `nft -f` delta (the commands diffRulesets writes) on a table, as the kernel would. */
function play(before: Ruleset, script: string, t: string): TableState {
  const st = stateOf(before);
  const kinds = new Map(before.sets.map((s) => [s.name, s.kind]));
  const dynamic = new Set(before.sets.filter((s) => s.dynamic).map((s) => s.name));
  for (const line of script.split('\n').filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^add (set|map) inet ${t} (\\S+) \\{`).exec(line))) {
      kinds.set(m[2]!, m[1] as 'set' | 'map');
      if (line.includes('dynamic')) dynamic.add(m[2]!);
      else st.sets.set(m[2]!, new Map());
    } else if ((m = new RegExp(`^delete (set|map) inet ${t} (\\S+)$`).exec(line))) st.sets.delete(m[2]!);
    else if ((m = new RegExp(`^(add|delete) element inet ${t} (\\S+) \\{ (.*) \\}$`).exec(line))) {
      const set = st.sets.get(m[2]!);
      if (!set) throw new Error(`element of a missing set: ${line}`);
      const kind = kinds.get(m[2]!) ?? 'set';
      for (const e of m[3]!.split(', ')) {
        // A map element is deleted by its key alone.
        const k = m[1] === 'add' ? elementKey(kind, e) : e;
        if (m[1] === 'add') {
          if (set.has(k)) throw new Error(`nft refuses to add an element twice: ${e} to ${m[2]}`);
          set.set(k, e);
        } else if (!set.delete(k)) throw new Error(`nft refuses to delete a missing element: ${e} of ${m[2]}`);
      }
    } else if ((m = new RegExp(`^add chain inet ${t} (\\S+) `).exec(line))) st.chains.set(m[1]!, []);
    else if ((m = new RegExp(`^flush chain inet ${t} (\\S+)$`).exec(line))) st.chains.set(m[1]!, []);
    else if ((m = new RegExp(`^delete chain inet ${t} (\\S+)$`).exec(line))) st.chains.delete(m[1]!);
    else if ((m = new RegExp(`^add rule inet ${t} (\\S+) (.*)$`).exec(line))) st.chains.get(m[1]!)!.push(m[2]!);
    else throw new Error(`a command the player does not know: ${line}`);
  }
  return st;
}

const fromScratch = (objects: Obj[], opts: CompileOptions): Ruleset => {
  const loaded = loadSources([{ name: 'all.json', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) }]);
  return compileRuleset(buildCluster(loaded.objects).cluster, opts);
};

/**
 * Most generated pods are off the network (no address, not running, host network), so peers would seldom change: here
 * every pod runs with an address on a node, so that each event moves pods in and out of peers and classes.
 */
function onTheNetwork(input: TieredInput): TieredInput {
  const pods = input.base.pods.map((p) => ({ ...p, hostNetwork: false, phase: 'Running', nodeNameKnown: true, ips: p.ips.length ? p.ips : ['10.0.0.1'] }));
  return { ...input, base: { ...input.base, pods } };
}

/**
 * Two pods never share an address in a cluster (the generator may give them one): each pod of a cluster gets its own,
 * by name and cluster, so that putting the other cluster's pod of the same name moves it to a neighbouring address.
 */
function ownAddresses(objects: Obj[], origin: 0 | 1): Obj[] {
  return objects.map((o) => {
    if (o['kind'] !== 'Pod' || (o['spec'] as Obj)['hostNetwork']) return o;
    const status = o['status'] as Obj;
    const n = 2 * Number(/\d+$/.exec(String((o['metadata'] as Obj)['name']))![0]) + origin + 1;
    const ips = ((status['podIPs'] as Array<{ ip: string }> | undefined) ?? []).map((x) => (x.ip.includes(':') ? `fd00::${n.toString(16)}` : `10.0.0.${n}`));
    return { ...o, status: { ...status, ...(ips.length ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}) } };
  });
}

/** What the agent holds, twice: by key for the fresh compile, and in the agent's own ObjectStore. */
function holding(): { held: Map<string, Obj>; store: ObjectStore; put(o: Obj): void; remove(key: string): void } {
  const held = new Map<string, Obj>();
  const store = new ObjectStore();
  return {
    held,
    store,
    put(o) {
      held.set(keyOf(o), o);
      store.put(keyOf(o), o);
    },
    remove(key) {
      held.delete(key);
      store.remove(key);
    },
  };
}

/** The incremental compile after an event, checked: the text a fresh compile writes, and a delta that leaves exactly that table. */
function checkedStep(store: ObjectStore, held: ReadonlyMap<string, Obj>, last: Ruleset, opts: CompileOptions, cache: CompileCache): { next: Ruleset; delta: RulesetDiff } {
  const next = compileRuleset(store.build().cluster, opts, cache);
  const want = fromScratch([...held.values()], opts);
  expect(renderRuleset(next)).toBe(renderRuleset(want));
  const delta = diffRulesets(last, next);
  expect(play(last, delta.script, next.table)).toEqual(stateOf(want));
  return { next, delta };
}

/** An event: an object of the pool put (added, or replacing the object of that name), or the n-th object held deleted. */
const eventArb = fc.oneof(fc.record({ put: fc.nat() }), fc.record({ del: fc.nat() }));

/**
 * A generated cluster held and compiled once, with a pool of objects to put: the other cluster's, whose objects share
 * names with the start's (p0, pol-0, cnp-0, node-0...), so that putting one is an edit, and the start's own.
 */
function started(start: TieredInput, other: TieredInput, opts: CompileOptions): ReturnType<typeof holding> & { pool: Obj[]; cache: CompileCache; first: Ruleset } {
  const first = ownAddresses(tieredManifestsOf(onTheNetwork(start)) as Obj[], 0);
  const pool = [...ownAddresses(tieredManifestsOf(onTheNetwork(other)) as Obj[], 1), ...first];
  const h = holding();
  const cache = new CompileCache();
  for (const o of first) h.put(o);
  return { ...h, pool, cache, first: compileRuleset(h.store.build().cluster, opts, cache) };
}

/** The event `{ put }` or `{ del }` on what is held. */
function putOrDelete(h: ReturnType<typeof started>, ev: { put: number } | { del: number }): void {
  if ('put' in ev) h.put(structuredClone(h.pool[ev.put % h.pool.length]!));
  else {
    const keys = [...h.held.keys()].sort();
    const k = keys[ev.del % Math.max(1, keys.length)];
    if (k !== undefined) h.remove(k);
  }
}

describe('incremental compile: after random event sequences the ruleset is the one a fresh compile writes', () => {
  it('ruleset text equal, and the delta sent leaves exactly that table', () => {
    let withPodPeers = 0;
    fc.assert(
      fc.property(tieredClusterArb, tieredClusterArb, fc.array(eventArb, { minLength: 1, maxLength: 10 }), fc.boolean(), (start, other, events, oneNode) => {
        const opts: CompileOptions = oneNode ? { node: 'node-0' } : {};
        const h = started(start, other, opts);
        const { held, store, cache } = h;
        let last = h.first;
        expect(renderRuleset(last)).toBe(renderRuleset(fromScratch([...held.values()], opts)));
        for (const ev of events) {
          putOrDelete(h, ev);
          const next = compileRuleset(store.build().cluster, opts, cache);
          const want = fromScratch([...held.values()], opts);
          if (want.sets.some((s) => s.kind === 'set' && /^(in|eg|t)_/.test(s.name) && s.elements.some((e) => /^(10\.0\.0\.\d+|fd00::[0-9a-f]+)( |$)/.test(e)))) withPodPeers++;
          expect(renderRuleset(next)).toBe(renderRuleset(want));
          const played = play(last, diffRulesets(last, next).script, next.table);
          expect(played).toEqual(stateOf(want));
          last = next;
        }
      }),
      { numRuns: 150, seed: 20261202 },
    );
    // Steps whose ruleset holds peer pods in its sets (what a pod event changes): the property is not vacuous.
    expect(withPodPeers).toBeGreaterThan(100);
  });
});

describe('incremental compile: named egress ports, which resolve on pods no peer names', () => {
  const pod = (name: string, ip: string, ports: Obj[], node = 'node-0'): Obj => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns-a', labels: { app: name } },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'i', ports }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  });
  const policy = (name: string, to: Obj[] | undefined): Obj => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: 'ns-a' },
    spec: { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ...(to ? { to } : {}), ports: [{ port: 'http' }] }] },
  });
  it.each([
    ['to every peer', undefined],
    ['to an ipBlock', [{ ipBlock: { cidr: '10.9.0.0/16' } }]],
  ])('%s: a pod off the node gaining, changing or losing the port name changes the rule', (_, to) => {
    const http = (port: number): Obj[] => [{ name: 'http', containerPort: port }];
    const steps: Obj[][] = [
      [pod('client', '10.9.0.1', []), pod('server', '10.9.0.2', http(8080), 'node-1'), policy('p', to as Obj[] | undefined)],
      [pod('client', '10.9.0.1', []), pod('server', '10.9.0.2', http(9090), 'node-1'), policy('p', to as Obj[] | undefined)],
      [pod('client', '10.9.0.1', []), pod('server', '10.9.0.2', http(9090), 'node-1'), pod('other', '10.9.0.3', http(7070), 'node-1'), policy('p', to as Obj[] | undefined)],
      [pod('client', '10.9.0.1', []), pod('server', '10.9.0.2', http(9090), 'node-1'), pod('other', '10.9.0.3', [], 'node-1'), policy('p', to as Obj[] | undefined)],
      [pod('client', '10.9.0.1', []), pod('server', '10.9.0.2', [], 'node-1'), policy('p', to as Obj[] | undefined)],
    ];
    const store = new ObjectStore();
    const cache = new CompileCache();
    const texts: string[] = [];
    for (const [i, objs] of steps.entries()) {
      for (const k of [...store.entries()].map(([key]) => key)) if (!objs.some((o) => keyOf(o) === k)) store.remove(k);
      for (const o of objs) store.put(keyOf(o), o);
      const text = renderRuleset(compileRuleset(store.build().cluster, { node: 'node-0' }, cache));
      expect(text, `step ${i}`).toBe(renderRuleset(fromScratch(objs, { node: 'node-0' })));
      texts.push(text);
    }
    // Every step changes the ports the client may reach, except that 'other' losing its port name goes back to step 1.
    expect(new Set(texts).size).toBe(4);
    expect(texts[3]).toBe(texts[1]);
  });

  it('a rule to every pod\'s named port that goes while pods change their ports, and comes back', () => {
    const http = (port: number): Obj[] => [{ name: 'http', containerPort: port }];
    const client = pod('client', '10.9.0.1', []);
    const steps: Obj[][] = [
      [client, pod('server', '10.9.0.2', http(8080), 'node-1'), policy('p', undefined)],
      // The rule now reaches an ipBlock only; the server moves its port and another pod gains one.
      [client, pod('server', '10.9.0.2', http(9090), 'node-1'), pod('other', '10.9.0.3', http(7070), 'node-1'), policy('p', [{ ipBlock: { cidr: '10.8.0.0/16' } }])],
      [client, pod('server', '10.9.0.2', http(9090), 'node-1'), pod('other', '10.9.0.3', http(7070), 'node-1'), policy('p', undefined)],
    ];
    const store = new ObjectStore();
    const cache = new CompileCache();
    for (const [i, objs] of steps.entries()) {
      for (const k of [...store.entries()].map(([key]) => key)) if (!objs.some((o) => keyOf(o) === k)) store.remove(k);
      for (const o of objs) store.put(keyOf(o), o);
      const text = renderRuleset(compileRuleset(store.build().cluster, { node: 'node-0' }, cache));
      expect(text, `step ${i}`).toBe(renderRuleset(fromScratch(objs, { node: 'node-0' })));
      if (i === 2) expect(text).toContain('10.9.0.3 . tcp . 7070');
    }
  });
});

/**
 * Pod events alone, as most of a live cluster's traffic is: pods added, relabelled, moved to another address or node,
 * and deleted, over random policies and cluster policies. Each event patches the peers it touches (their pods,
 * addresses and set elements) instead of computing them again; the addresses are few and close, so that pods share
 * one, neighbours join into ranges, and a patched peer gains and loses elements.
 */
describe('incremental compile: pod events patch the peers they touch', () => {
  const podEventArb = fc.oneof(
    fc.record({
      put: fc.record({
        name: fc.constantFrom('q0', 'q1', 'q2', 'q3', 'q4', 'q5'),
        namespace: fc.constantFrom('ns-a', 'ns-b', 'ns-c'),
        labels: fc.dictionary(fc.constantFrom('app', 'tier', 'env'), fc.constantFrom('a', 'b', 'c'), { maxKeys: 3 }),
        last: fc.integer({ min: 1, max: 12 }),
        v6: fc.boolean(),
        node: fc.constantFrom('node-0', 'node-1'),
        http: fc.option(fc.constantFrom(80, 8080, 9000), { nil: undefined }),
      }),
    }),
    fc.record({ del: fc.constantFrom('q0', 'q1', 'q2', 'q3', 'q4', 'q5'), namespace: fc.constantFrom('ns-a', 'ns-b', 'ns-c') }),
  );
  type PodEvent = typeof podEventArb extends fc.Arbitrary<infer T> ? T : never;
  const podOf = (e: Extract<PodEvent, { put: unknown }>['put']): Obj => {
    const ips = [`10.0.0.${e.last}`, ...(e.v6 ? [`fd00::${e.last.toString(16)}`] : [])];
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: e.name, namespace: e.namespace, labels: e.labels },
      spec: { nodeName: e.node, containers: [{ name: 'c', image: 'i', ports: e.http ? [{ name: 'http', containerPort: e.http }] : [] }] },
      status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
    };
  };

  it('ruleset text equal to a fresh compile after each pod event, and the delta sent leaves exactly that table', () => {
    let patched = 0;
    fc.assert(
      fc.property(tieredClusterArb, fc.array(podEventArb, { minLength: 1, maxLength: 12 }), fc.boolean(), (start, events, oneNode) => {
        const opts: CompileOptions = oneNode ? { node: 'node-0' } : {};
        const held = new Map<string, Obj>();
        const store = new ObjectStore();
        const cache = new CompileCache();
        for (const o of ownAddresses(tieredManifestsOf(onTheNetwork(start)) as Obj[], 0)) {
          held.set(keyOf(o), o);
          store.put(keyOf(o), o);
        }
        let last = compileRuleset(store.build().cluster, opts, cache);
        for (const ev of events) {
          if ('put' in ev) {
            const o = podOf(ev.put);
            held.set(keyOf(o), o);
            store.put(keyOf(o), o);
          } else {
            const k = `Pod/${ev.namespace}/${ev.del}`;
            held.delete(k);
            store.remove(k);
          }
          const { next, delta } = checkedStep(store, held, last, opts, cache);
          if (delta.sets.some((s) => /^(in|eg|t)_/.test(s))) patched++;
          last = next;
        }
      }),
      { numRuns: 200, seed: 20261203 },
    );
    // Events whose delta changed the elements of a peer's sets: the patched path ran, not only the untouched one.
    expect(patched).toBeGreaterThan(150);
  });
});

/**
 * Pod events under policies made to hit them: broad and narrow pod peers, ipBlocks with excepts, several rules and
 * policies per class, ports that overlap (a range holding a single port, a named port resolving to one of them), both
 * directions. The classes' peer · protocol · port elements are then patched at the addresses of the pods that came and
 * went (box-sets.ts), and neighbouring addresses join into ranges and split again. Among the pod events, a policy's
 * rules get other peers on the same ports: a class of the same policies and port groups whose rules changed must be
 * written anew, not patched. After each event the ruleset must be what a fresh compile writes, and the delta must leave
 * exactly that table.
 */
describe('incremental compile: pod events patch the classes\' peer · port elements', () => {
  const app = fc.constantFrom('a', 'b', 'c');
  const peerArb = fc.oneof(
    fc.record({ podSelector: fc.record({ matchLabels: fc.record({ app }) }) }),
    fc.constant({ podSelector: {} }),
    fc.constant({ namespaceSelector: {} }),
    fc.record({ namespaceSelector: fc.record({ matchLabels: fc.record({ team: fc.constantFrom('x', 'y') }) }), podSelector: fc.record({ matchLabels: fc.record({ tier: app }) }) }),
    fc.constantFrom({ ipBlock: { cidr: '10.0.0.0/28', except: ['10.0.0.4/31'] } }, { ipBlock: { cidr: 'fd00::/124' } }, { ipBlock: { cidr: '10.0.0.8/29' } }),
  );
  const portArb = fc.oneof(
    fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constantFrom(80, 443, 8080) }),
    fc.record({ protocol: fc.constant('TCP'), port: fc.constant(8000), endPort: fc.constantFrom(8080, 8100) }),
    fc.constant({ protocol: 'TCP', port: 'http' }),
  );
  // No peers: every pod, and a named egress port then resolves on every pod of the cluster.
  const peersArb = fc.option(fc.array(peerArb, { minLength: 1, maxLength: 3 }), { nil: undefined, freq: 4 });
  const ruleArb = fc.record({ peers: peersArb, ports: fc.array(portArb, { minLength: 1, maxLength: 3 }) });
  const policyArb = fc.record({
    namespace: fc.constantFrom('ns-a', 'ns-b'),
    subject: fc.option(app, { nil: undefined }),
    ingress: fc.array(ruleArb, { maxLength: 3 }),
    egress: fc.array(ruleArb, { maxLength: 3 }),
  });
  const podArb = fc.record({
    name: fc.constantFrom('q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7'),
    namespace: fc.constantFrom('ns-a', 'ns-b', 'ns-c'),
    app,
    tier: app,
    last: fc.integer({ min: 1, max: 14 }),
    v6: fc.boolean(),
    node: fc.constantFrom('node-0', 'node-1'),
    http: fc.option(fc.constantFrom(80, 8080, 9000), { nil: undefined }),
  });
  type PodIn = typeof podArb extends fc.Arbitrary<infer T> ? T : never;
  const podOf = (e: PodIn): Obj => {
    const ips = [`10.0.0.${e.last}`, ...(e.v6 ? [`fd00::${e.last.toString(16)}`] : [])];
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: e.name, namespace: e.namespace, labels: { app: e.app, tier: e.tier } },
      spec: { nodeName: e.node, containers: [{ name: 'c', image: 'i', ports: e.http ? [{ name: 'http', containerPort: e.http }] : [] }] },
      status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
    };
  };
  const eventArb = fc.oneof(
    { weight: 5, arbitrary: fc.record({ put: podArb }) },
    { weight: 3, arbitrary: fc.record({ del: fc.constantFrom('q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7'), namespace: fc.constantFrom('ns-a', 'ns-b', 'ns-c') }) },
    { weight: 1, arbitrary: fc.record({ repeer: fc.nat(), peers: peersArb }) },
  );
  const namespaces: Obj[] = [
    ['ns-a', 'x'],
    ['ns-b', 'y'],
    ['ns-c', 'x'],
  ].map(([name, team]) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team } } }));

  it('after each event the ruleset is the one a fresh compile writes, and the delta leaves exactly that table', () => {
    let patched = 0;
    fc.assert(
      fc.property(fc.array(policyArb, { minLength: 1, maxLength: 4 }), fc.array(podArb, { maxLength: 8 }), fc.array(eventArb, { minLength: 1, maxLength: 12 }), fc.boolean(), (policies, pods, events, oneNode) => {
        const opts: CompileOptions = oneNode ? { node: 'node-0' } : {};
        const { held, store, put, remove } = holding();
        const cache = new CompileCache();
        const policyOf = (p: (typeof policies)[number], i: number): Obj => ({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: `pol-${i}`, namespace: p.namespace },
          spec: {
            podSelector: p.subject ? { matchLabels: { app: p.subject } } : {},
            policyTypes: ['Ingress', 'Egress'],
            ingress: p.ingress.map((r) => ({ ...(r.peers ? { from: r.peers } : {}), ports: r.ports })),
            egress: p.egress.map((r) => ({ ...(r.peers ? { to: r.peers } : {}), ports: r.ports })),
          },
        });
        for (const o of namespaces) put(o);
        policies.forEach((p, i) => put(policyOf(p, i)));
        for (const p of pods) put(podOf(p));
        let last = compileRuleset(store.build().cluster, opts, cache);
        for (const ev of events) {
          if ('put' in ev) put(podOf(ev.put));
          else if ('repeer' in ev) {
            const i = ev.repeer % policies.length;
            const p = policies[i]!;
            const moved = (rules: typeof p.ingress) => rules.map((r) => ({ ...r, peers: ev.peers }));
            policies[i] = { ...p, ingress: moved(p.ingress), egress: moved(p.egress) };
            put(policyOf(policies[i]!, i));
          } else {
            const k = `Pod/${ev.namespace}/${ev.del}`;
            remove(k);
          }
          const { next, delta } = checkedStep(store, held, last, opts, cache);
          // A class's peer · port set that was there before and whose elements changed: patched, not made anew.
          if (delta.sets.some((s) => /^(in|eg)_[0-9a-f]+_(pp|peerport)[46]$/.test(s) && last.sets.some((o) => o.name === s))) patched++;
          last = next;
        }
      }),
      { numRuns: 200, seed: 20261204 },
    );
    expect(patched).toBeGreaterThan(200);
  });
});

/**
 * Namespace events among pod and policy events: a namespace relabelled, added or deleted (its pods stay, read with the
 * name label alone), over random NetworkPolicies with namespaceSelector peers and cluster policies whose subjects and
 * peers select namespaces. A namespace event computes again only the peers, rules and subjects whose answer it changes
 * for a pod of that namespace and keeps the rest; after each event the ruleset must be what a fresh compile writes,
 * and the delta must leave exactly that table.
 */
describe('incremental compile: namespace events recompute only what reads the changed labels', () => {
  const nsNames = [...NAMESPACES, 'ns-undeclared'];
  const namespaceOf = (name: string, labels: Record<string, string>): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const eventArb = fc.oneof(
    { weight: 4, arbitrary: fc.record({ relabel: fc.constantFrom(...nsNames), labels: labelsArb }) },
    { weight: 1, arbitrary: fc.record({ dropNs: fc.constantFrom(...nsNames) }) },
    { weight: 2, arbitrary: fc.record({ movePod: fc.nat(), labels: labelsArb }) },
    { weight: 1, arbitrary: fc.record({ put: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ del: fc.nat() }) },
  );

  it('after each event the ruleset is the one a fresh compile writes, and the delta leaves exactly that table', () => {
    let nsChanged = 0;
    fc.assert(
      fc.property(tieredClusterArb, tieredClusterArb, fc.array(eventArb, { minLength: 1, maxLength: 12 }), fc.boolean(), (start, other, events, oneNode) => {
        const opts: CompileOptions = oneNode ? { node: 'node-0' } : {};
        const h = started(start, other, opts);
        const { held, store, put, remove, cache } = h;
        let last = h.first;
        for (const ev of events) {
          if ('relabel' in ev) put(namespaceOf(ev.relabel, ev.labels));
          else if ('dropNs' in ev) remove(`Namespace//${ev.dropNs}`);
          else if ('movePod' in ev) {
            // A held pod relabelled: pod events mixed with namespace events in one sequence.
            const pods = [...held.keys()].filter((k) => k.startsWith('Pod/')).sort();
            const k = pods[ev.movePod % Math.max(1, pods.length)];
            if (k === undefined) continue;
            const o = structuredClone(held.get(k)!);
            (o['metadata'] as Obj)['labels'] = ev.labels;
            put(o);
          } else putOrDelete(h, ev);
          const { next, delta } = checkedStep(store, held, last, opts, cache);
          if (('relabel' in ev || 'dropNs' in ev) && delta.script !== '') nsChanged++;
          last = next;
        }
      }),
      { numRuns: 500, seed: 20261205 },
    );
    // Namespace events that changed the ruleset: the recompute path ran, not only the untouched one.
    expect(nsChanged).toBeGreaterThan(100);
  });
});
