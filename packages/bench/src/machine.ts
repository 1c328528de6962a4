import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

export interface MachineInfo {
  cpu: string;
  nproc: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  date: string;
  /** 1-minute load average when the run started: other work on the machine inflates wall times. */
  loadAverage: number;
}

function firstMatch(text: string, re: RegExp): string | undefined {
  return re.exec(text)?.[1]?.trim();
}

/** What BENCHMARKS.md reports about the machine: model, core count, memory, Node and kernel. */
export function machineInfo(): MachineInfo {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = firstMatch(readFileSync('/proc/cpuinfo', 'utf8'), /^model name\s*:\s*(.+)$/m) ?? cpu;
  } catch {
    // not Linux: keep os.cpus()
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: keep os.cpus()
  }
  let kernel = 'unknown';
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // uname missing
  }
  return { cpu, nproc, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version, kernel, date: new Date().toISOString(), loadAverage: Math.round(loadavg()[0]! * 100) / 100 };
}
