/**
 * A pod peer's addresses patched by the pods that came and went, instead of asking the engine again who the peer
 * selects among every pod: a pod event touches one or two pods, while a broad peer holds thousands. The result is
 * what a fresh computation gives (the incremental property test compares the two after every random event).
 */
import type { Pod } from '@kordon/engine';
import { FAMILIES, podName, podRanges, type PerFamily } from './elements.js';
import { formatRange, lowerBound } from './ranges.js';

/** The pods that changed since the last compile: `gone` are versions no longer in the cluster, `came` the new ones. */
export interface PodDelta {
  gone: readonly Pod[];
  came: readonly Pod[];
}

/** What a pod peer stands for, by pods: the pods themselves and their addresses, sorted and unique, per family. */
export interface PodPoints {
  pods: readonly Pod[];
  points: PerFamily<readonly bigint[]>;
  /** The points as set elements, when known; kept in step. */
  texts?: PerFamily<readonly string[]>;
  /**
   * How many addresses the pods hold together, when known: equal to the points, no two pods share one, so a pod that
   * goes takes its addresses along without a look at the others.
   */
  count?: PerFamily<number>;
}

/**
 * The peer after `delta`: `selects(pod)` is the engine's answer for a pod that came. Pods are matched by namespace and
 * name, not by object: a relist hands over new objects for unchanged pods, which the peer may still hold in their old
 * versions. A pod that changed or went leaves the list, and its addresses go unless a pod still selected holds them.
 */
export function patchPodPoints(before: PodPoints, delta: PodDelta, selects: (pod: Pod) => boolean): PodPoints {
  const pods: Pod[] = [];
  const removed: Pod[] = [];
  const touched = touchedBy(delta);
  for (const p of before.pods) (touched(p) ? removed : pods).push(p);
  const came = delta.came.filter(selects);
  for (const p of came) pods.push(p);
  const points = { 4: before.points[4], 6: before.points[6] } as PerFamily<bigint[]>;
  const texts = before.texts ? ({ 4: before.texts[4], 6: before.texts[6] } as PerFamily<string[]>) : undefined;
  const count = { ...(before.count ?? addressCount(before.pods)) };
  for (const f of FAMILIES) {
    const unique = count[f] === before.points[f].length;
    const drop = new Set<bigint>();
    for (const p of removed)
      for (const [v] of podRanges(p)[f]) {
        drop.add(v);
        count[f]--;
      }
    const add = new Set<bigint>();
    for (const p of came)
      for (const [v] of podRanges(p)[f]) {
        add.add(v);
        count[f]++;
      }
    // An address of a pod that went stays if a pod still selected holds it: with no address shared before, only a
    // pod that came can.
    if (drop.size) for (const p of unique ? came : pods) for (const [v] of podRanges(p)[f]) drop.delete(v);
    if (!drop.size && !add.size) continue;
    const vs = points[f].slice();
    const ts = texts?.[f].slice();
    for (const v of drop) {
      const i = lowerBound(vs, v);
      if (vs[i] !== v) continue;
      vs.splice(i, 1);
      ts?.splice(i, 1);
    }
    for (const v of add) {
      const i = lowerBound(vs, v);
      if (vs[i] === v) continue;
      vs.splice(i, 0, v);
      ts?.splice(i, 0, formatRange(f, v, v));
    }
    points[f] = vs;
    if (texts && ts) texts[f] = ts;
  }
  return texts ? { pods, points, texts, count } : { pods, points, count };
}

/** Whether a pod (in any version) is one that `delta` changed, by namespace and name. */
export function touchedBy(delta: PodDelta): (pod: Pod) => boolean {
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const p of [...delta.gone, ...delta.came]) {
    names.add(p.name);
    keys.add(podName(p));
  }
  return (p) => names.has(p.name) && keys.has(podName(p));
}

/** How many addresses some pods hold together, per family. */
export function addressCount(pods: readonly Pod[]): PerFamily<number> {
  const n = { 4: 0, 6: 0 };
  for (const p of pods) for (const f of FAMILIES) n[f] += podRanges(p)[f].length;
  return n;
}
