// The agent's path for one change, phase by phase, for the benches that time it in one process
// (bench-agent-events.mjs, bench-tier-edit.mjs): the build as the agent's ObjectStore makes it (the last build updated
// by the objects that changed, `updateCluster`, where the build under test has it and the changes allow it; else every
// held object built again with the one BuildCache), the compile of the node's ruleset with the one CompileCache, and
// the nft delta from the last ruleset. CPU ms per phase (process.cpuUsage). The changed objects are noted as `held`
// changes (its set and delete), as the agent's ObjectStore notes them when they arrive.
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** `engine` and `dataplane`: the two packages' dist modules of the build under test. */
export function eventPath(engine, dataplane, held, node) {
  const buildCache = new engine.BuildCache();
  const compileCache = new dataplane.CompileCache();
  let last = engine.buildCluster([...held.values()], { cache: buildCache });
  // What each key held before its first change since the last build, noted as the agent's ObjectStore notes it.
  const touched = new Map();
  const note = (k) => {
    if (!touched.has(k)) touched.set(k, held.get(k));
  };
  const set = held.set.bind(held);
  const remove = held.delete.bind(held);
  held.set = (k, v) => (note(k), set(k, v));
  held.delete = (k) => (note(k), remove(k));
  const build = () => {
    const changes = [];
    for (const [k, before] of touched) {
      const after = held.get(k);
      if (before !== after) changes.push({ ...(before ? { before } : {}), ...(after ? { after } : {}) });
    }
    touched.clear();
    last = engine.updateCluster?.(last, changes, { cache: buildCache }) ?? engine.buildCluster([...held.values()], { cache: buildCache });
    return last;
  };
  const first = last.cluster;
  const at = node ?? first.pods.find((p) => p.nodeName)?.nodeName;
  let ruleset = dataplane.compileRuleset(first, { node: at }, compileCache);
  return {
    node: at,
    get ruleset() {
      return ruleset;
    },
    /** Builds, compiles and diffs the held objects as they are now. */
    step() {
      const c1 = cpu();
      const built = build();
      const c2 = cpu();
      const next = dataplane.compileRuleset(built.cluster, { node: at }, compileCache);
      const c3 = cpu();
      const delta = dataplane.diffRulesets(ruleset, next);
      const c4 = cpu();
      ruleset = next;
      return { build: c2 - c1, compile: c3 - c2, diff: c4 - c3, delta };
    },
  };
}
