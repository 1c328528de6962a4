import { spawnSync } from 'node:child_process';
import { UsageError } from '../io.js';

/** SVG drawn by Graphviz `dot` (Debian: graphviz), fed the DOT text on stdin. */
export function renderSvg(dotText: string): string {
  const r = spawnSync('dot', ['-Tsvg'], { input: dotText, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(missing ? '-o svg needs Graphviz, and its `dot` command is not installed' : `dot failed: ${r.error.message}`, missing ? 'apt-get install graphviz (or use -o dot and draw it elsewhere)' : undefined);
  }
  if (r.status !== 0) throw new UsageError(`dot failed: ${r.stderr.trim()}`);
  return r.stdout;
}
