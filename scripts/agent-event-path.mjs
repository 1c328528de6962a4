// The agent's path for one change, phase by phase, for the benches that time it in one process
// (bench-agent-events.mjs, bench-tier-edit.mjs): the build of every held object with the one BuildCache, the compile
// of the node's ruleset with the one CompileCache, and the nft delta from the last ruleset. CPU ms per phase
// (process.cpuUsage).
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** `engine` and `dataplane`: the two packages' dist modules of the build under test. */
export function eventPath(engine, dataplane, held, node) {
  const buildCache = new engine.BuildCache();
  const compileCache = new dataplane.CompileCache();
  const first = engine.buildCluster([...held.values()], { cache: buildCache }).cluster;
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
      const built = engine.buildCluster([...held.values()], { cache: buildCache });
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
