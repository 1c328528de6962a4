/**
 * The machine's speed at the moment of a run, against performance.md §3.2 (measured there on an idle machine of this
 * kind): one streaming row-OR pass over a 10,000 × 10,000 bit matrix (11.9 MiB) took 16 ms. On a shared machine
 * every figure of a run scales with the ratio printed here, which is what makes runs on a busy machine comparable.
 */
import { performance } from 'node:perf_hooks';

/** performance.md §3.2: Node Uint32Array row-OR pass over the whole 10k matrix, read + write. */
export const IDLE_ROW_OR_10K_MS = 16;

export interface Calibration {
  /** Median of the measured passes, milliseconds. */
  rowOr10kMs: number;
  /** rowOr10kMs / IDLE_ROW_OR_10K_MS: 1 on an idle machine like the one of performance.md, higher when busy. */
  slowdown: number;
}

/** row[i] |= mask for every row of an n × n bit matrix; returns the milliseconds of each pass after the first touch. */
export function rowOrPasses(n: number, passes: number): number[] {
  const words = Math.ceil(n / 32);
  const m = new Uint32Array(n * words);
  const mask = new Uint32Array(words);
  for (let k = 0; k < words; k++) mask[k] = (k * 2654435761) >>> 0;
  m.fill(1); // first touch is not part of a pass (§3.2 measures it apart)
  const times: number[] = [];
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const base = i * words;
      for (let k = 0; k < words; k++) m[base + k]! |= mask[k]!;
    }
    times.push(performance.now() - t0);
  }
  // Keep the result observable so the passes cannot be optimised away.
  if (m[m.length - 1] === 0xdeadbeef) times.push(0);
  return times;
}

export function calibrate(): Calibration {
  const times = rowOrPasses(10_000, 7).sort((a, b) => a - b);
  const rowOr10kMs = times[times.length >> 1]!;
  return { rowOr10kMs: Math.round(rowOr10kMs * 10) / 10, slowdown: Math.round((rowOr10kMs / IDLE_ROW_OR_10K_MS) * 100) / 100 };
}

/** Median pass time over an n × n matrix (performance.md §3.2's streaming pass, after first touch). */
export function rowOrPassMs(n: number): number {
  const times = rowOrPasses(n, n > 50_000 ? 3 : 5).sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

// `node calibrate.js N`: the runner measures the pass for a scenario's pod count in a process of its own,
// so the matrix (1.2 GiB at 100k) never counts against a scenario's memory.
if (process.argv[1]?.endsWith('calibrate.js') && process.argv[2]) {
  process.stdout.write(`${JSON.stringify({ n: Number(process.argv[2]), passMs: rowOrPassMs(Number(process.argv[2])) })}\n`);
}
