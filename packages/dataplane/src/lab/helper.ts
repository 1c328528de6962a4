import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Protocol } from '@kordon/engine';

/** Same relative place from src/lab and dist/lab. */
export const HELPER_SCRIPT = fileURLToPath(new URL('../../helpers/pod-helper.mjs', import.meta.url));

export interface ProbePort {
  port: number;
  protocol: Protocol;
}

export interface ProbeTarget extends ProbePort {
  ip: string;
}

export interface ProbeOutcome {
  ok: boolean;
  /** connected, echoed, timeout, ECONNREFUSED, unsupported … */
  reason: string;
  ms: number;
}

interface Reply {
  op: string;
  id?: number;
  ok?: boolean;
  message?: string;
  unsupported?: string[];
  results?: ProbeOutcome[];
  result?: LatencySummary;
}

/** Round-trip latency percentiles in microseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
}

/** One long-lived helper process inside a network namespace: a server on each port and a prober. */
export class PodHelper {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private nextId = 1;
  private exited: string | undefined;
  private readonly ready: Promise<void>;

  constructor(readonly netns: string) {
    this.child = spawn('ip', ['netns', 'exec', netns, process.execPath, HELPER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    this.child.stdin.on('error', () => {});
    this.ready = new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        this.exited = why;
        reject(new Error(why));
        for (const w of this.waiting.values()) w({ op: 'error', ok: false, message: why });
        this.waiting.clear();
      };
      this.child.on('error', (e) => fail(`helper in ${netns} failed to start: ${e.message}`));
      this.child.on('exit', (code, sig) => fail(`helper in ${netns} exited (${code ?? sig}): ${stderr.trim()}`));
      const rl = createInterface({ input: this.child.stdout });
      rl.on('line', (line) => {
        let msg: Reply;
        try {
          msg = JSON.parse(line) as Reply;
        } catch {
          return;
        }
        if (msg.op === 'ready') resolve();
        else if (msg.id !== undefined) {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          w?.(msg);
        }
      });
    });
    this.ready.catch(() => {});
  }

  private async request(msg: Record<string, unknown>): Promise<Reply> {
    await this.ready;
    if (this.exited) throw new Error(this.exited);
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    this.child.stdin.write(`${JSON.stringify({ ...msg, id })}\n`);
    const r = await reply;
    if (r.ok === false) throw new Error(`helper in ${this.netns}: ${r.message ?? 'failed'}`);
    return r;
  }

  /** Starts servers; returns the ports this kernel cannot serve (SCTP without the module). */
  async serve(ports: readonly ProbePort[]): Promise<string[]> {
    const r = await this.request({ op: 'serve', ports });
    return r.unsupported ?? [];
  }

  async probe(targets: readonly ProbeTarget[], timeoutMs: number): Promise<ProbeOutcome[]> {
    if (targets.length === 0) return [];
    const r = await this.request({ op: 'probe', targets, timeoutMs });
    return r.results ?? [];
  }

  /** Measures round trips to a UDP echo server (see pod-helper.mjs for the modes). */
  async latency(target: { ip: string; port: number }, mode: 'udp-rr' | 'udp-new', count: number): Promise<LatencySummary> {
    const r = await this.request({ op: 'bench', mode, ip: target.ip, port: target.port, count });
    if (!r.result) throw new Error(`helper in ${this.netns}: no bench result`);
    return r.result;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
