import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChild } from './child.js';
import { generate, toJsonList, writeCluster } from './generate.js';
import { formatTable, parseRunArgs, selectScenarios, timeoutFor, type ScenarioResult } from './run.js';
import { SCENARIOS } from './scenarios.js';
import { PRESETS } from './presets.js';

const dir = mkdtempSync(join(tmpdir(), 'kordon-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scenarios', () => {
  it('measure exactly the targets of the brief', () => {
    const byName = new Map(SCENARIOS.map((s) => [s.name, s]));
    expect(byName.get('realistic-10k-matrix')).toMatchObject({ preset: 'realistic', pods: 10_000, policies: 2_000, task: 'matrix', target: { seconds: 1, rssMiB: 1024 } });
    expect(byName.get('kano-10k-5k-matrix')).toMatchObject({ preset: 'kano', pods: 10_000, policies: 5_000, task: 'matrix', target: { seconds: 2 } });
    expect(byName.get('antrea-small-ns-summary')).toMatchObject({ preset: 'antrea-small-ns', task: 'summary', target: { seconds: 10, rssMiB: 4096 } });
    expect(byName.get('antrea-small-ns-matrix')).toMatchObject({ preset: 'antrea-small-ns', task: 'matrix', target: { seconds: 30 } });
    expect(byName.get('check-1k-cli')).toMatchObject({ pods: 1_000, task: 'check-cli', target: { seconds: 0.3 } });
    expect(PRESETS['antrea-small-ns'].resolve({})).toEqual({ namespaces: 25_000, pods: 100_000, policies: 75_000 });
  });

  it('have unique names and quick sizes every preset accepts', () => {
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
    for (const s of SCENARIOS) {
      expect(() => PRESETS[s.preset].resolve(s.quick), s.name).not.toThrow();
      expect(() => PRESETS[s.preset].resolve({ pods: s.pods, policies: s.policies }), s.name).not.toThrow();
    }
  });
});

describe('runner arguments', () => {
  it('reads --only (lists and prefixes), --quick, --reps, --pin', () => {
    const o = parseRunArgs(['--only', 'kano-10k-5k-matrix,antrea-*', '--quick', '--reps=3', '--pin', '1', '--no-floor']);
    expect(o).toMatchObject({ only: ['kano-10k-5k-matrix', 'antrea-*'], quick: true, reps: 3, pin: 1, floor: false });
    expect(parseRunArgs([]).floor).toBe(true);
    expect(selectScenarios(o.only).map((s) => s.name)).toEqual(SCENARIOS.filter((s) => s.name === 'kano-10k-5k-matrix' || s.name.startsWith('antrea-')).map((s) => s.name));
    expect(selectScenarios([])).toHaveLength(SCENARIOS.length);
  });

  it('gives up on a targeted scenario at 10x its target (at least 60 s), never later than --timeout', () => {
    const [summary] = selectScenarios(['antrea-small-ns-summary']);
    const [cli] = selectScenarios(['check-1k-cli']);
    const [free] = selectScenarios(['cyclonus-matrix']);
    const o = parseRunArgs([]);
    expect(timeoutFor(summary!, o)).toBe(100);
    expect(timeoutFor(cli!, o)).toBe(60);
    expect(timeoutFor(free!, o)).toBe(o.timeoutSeconds);
    expect(timeoutFor(summary!, parseRunArgs(['--timeout', '30']))).toBe(30);
  });

  it('refuses unknown scenarios and flags', () => {
    expect(() => selectScenarios(['nope'])).toThrow(/unknown scenario nope/);
    expect(() => parseRunArgs(['--fast'])).toThrow(/unknown argument/);
    expect(() => parseRunArgs(['--reps', 'x'])).toThrow(/integer/);
  });
});

describe('child measurement (in-process)', () => {
  it('times every phase of a matrix run and reports the allowed-pair fingerprint', async () => {
    const file = join(dir, 'cyclonus.json');
    writeFileSync(file, toJsonList(generate({ preset: 'cyclonus', policies: 0 }).objects));
    const r = await runChild({ task: 'matrix', files: [file] });
    expect(r.status).toBe('ok');
    for (const p of ['read', 'parse', 'build', 'compute'] as const) expect(r.phases[p]).toBeGreaterThanOrEqual(0);
    expect(r.counts).toMatchObject({ pods: 9, policies: 0, namespaces: 3 });
    // No policy: every pod reaches every pod on every port class.
    expect(r.matrix!.columns).toBeGreaterThan(0);
    for (const pairs of Object.values(r.matrix!.pairsByColumn)) expect(pairs).toBe(81);
    expect(r.maxRssMiB).toBeGreaterThan(10);
    expect(r.cpuMs).toBeGreaterThan(0);
    expect(r.used).toEqual(['loadSources', 'buildCluster', 'computeMatrix']);
  });

  it('reads a directory of YAML files (one per object) to the same matrix as the JSON List', async () => {
    const objects = generate({ preset: 'realistic', pods: 120, policies: 60, seed: 4 }).objects;
    const file = join(dir, 'r.json');
    writeFileSync(file, toJsonList(objects));
    writeCluster(objects, 'yaml-dir', join(dir, 'r-yaml'));
    const fromJson = await runChild({ task: 'matrix', files: [file] });
    const fromYaml = await runChild({ task: 'matrix', files: [join(dir, 'r-yaml')] });
    expect(fromYaml.counts).toEqual(fromJson.counts);
    expect(fromYaml.matrix!.pairsByColumn).toEqual(fromJson.matrix!.pairsByColumn);
    expect(fromJson.matrix!.totalPairs).toBeGreaterThan(0);
  });

  it('runs the per-pod summary and fingerprints it: with no policy every pod reaches every other', async () => {
    const file = join(dir, 'cyclonus-summary.json');
    writeFileSync(file, toJsonList(generate({ preset: 'cyclonus', policies: 0 }).objects));
    const r = await runChild({ task: 'summary', files: [file] });
    expect(r.status).toBe('ok');
    expect(r.used).toEqual(['loadSources', 'buildCluster', 'summarizePods']);
    expect(r.summary).toEqual({ entries: 9, canReach: 72, reachableFrom: 72 });
  });

  it('reports a missing input as a failure, not as numbers', async () => {
    const r = await runChild({ task: 'matrix', files: [join(dir, 'absent.json')] });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/ENOENT/);
    expect(r.matrix).toBeUndefined();
  });
});

describe('table', () => {
  it('shows phases, the verdict and why a scenario did not run', () => {
    const base = { preset: 'kano', task: 'matrix', pods: 10_000, policies: 5_000, namespaces: 1, inputFiles: 1, reps: 1, allTotalsMs: [] };
    const results: ScenarioResult[] = [
      {
        ...base,
        name: 'a',
        status: 'ok',
        phases: { read: 5, parse: 250, build: 600, compute: 1500 },
        totalMs: 2360,
        cpuMs: 2100,
        maxRssMiB: 180.4,
        target: { seconds: 2 },
        verdict: 'missed',
        detail: { used: [], matrix: { columns: 3, classes: 40, distinctColumns: 2, totalPairs: 1234, pairsByColumn: {} } },
        floor: { passMs: 10, matrices: 2, ratio: 75 },
      },
      { ...base, name: 'b', status: 'not available', reason: 'missing: computeMatrix', phases: {}, verdict: 'n/a' },
    ];
    const t = formatTable(results);
    expect(t).toMatch(/\| a +\| +10,000 \| +5,000 \| +5\.0 ms \| +250 ms \| +600 ms \| +1\.50 s \| +2\.36 s \| +2\.10 s \| +180 MiB \| +< 2 s \| +missed \|/);
    expect(t).toMatch(/\| b .*not available/);
    expect(t).toContain('- b: not available — missing: computeMatrix');
    expect(t).toContain('- a: 3 port classes (2 distinct), 40 pod classes, 1,234 allowed pairs in all; matrix phase 75× the floor (2 × 10 ms pass)');
  });
});

describe('calibration kernel', () => {
  it('times each pass and states the slowdown against the idle figure', async () => {
    const { rowOrPasses, rowOrPassMs, calibrate, IDLE_ROW_OR_10K_MS } = await import('./calibrate.js');
    expect(rowOrPassMs(512)).toBeGreaterThan(0);
    const times = rowOrPasses(256, 3);
    expect(times).toHaveLength(3);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(0);
    const c = calibrate();
    expect(c.slowdown).toBeCloseTo(c.rowOr10kMs / IDLE_ROW_OR_10K_MS, 1);
  });
});
