import { SourceError } from './problems.js';

/**
 * The most bytes one run reads, over every input together. 50 MB of YAML already costs about a gigabyte of memory to
 * load and evaluate; far beyond that a run would die of an out-of-memory dump instead of saying why.
 */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** `--max-input-size` values: a number of bytes with an optional K, M or G suffix (powers of 1024). */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const n = Math.floor(Number(m[1]) * mult);
  return n > 0 ? n : undefined;
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} bytes`;
}

/** What is left of the limit as inputs are read. */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number = DEFAULT_MAX_INPUT_BYTES) {}

  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }

  /** Counts `bytes` read from `name`, or stops the run with the limit and how to raise it. */
  take(name: string, bytes: number): void {
    this.used += bytes;
    if (this.used > this.limit) {
      throw new SourceError(
        'too-large',
        `the input is larger than the limit of ${formatSize(this.limit)} (stopped at ${name})`,
        'raise it with --max-input-size SIZE (e.g. 1G) or KORDON_MAX_INPUT_SIZE, or give fewer files',
      );
    }
  }
}
