import type { PathSegment } from '../diagnostics.js';

/**
 * How deep a document may nest maps and lists. Every walk over parsed values (validation, normalisation, positions)
 * may then recurse safely; no Kubernetes object comes near it, while a hostile file can nest thousands deep.
 */
export const MAX_NESTING = 256;

export type NestingProblem = { kind: 'cyclic' | 'deep'; path: PathSegment[] };

interface Frame {
  value: object;
  keys: readonly PathSegment[];
  next: number;
}

/**
 * Checks, without recursion, that a parsed value is a tree no deeper than MAX_NESTING. YAML aliases can make a value
 * contain itself (`&x [*x]`), which no walk over it would finish.
 */
export function nestingProblem(root: unknown): NestingProblem | undefined {
  if (typeof root !== 'object' || root === null) return undefined;
  const onPath = new Set<object>([root]);
  const stack: Frame[] = [frame(root)];
  const path: PathSegment[] = [];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (top.next >= top.keys.length) {
      onPath.delete(top.value);
      stack.pop();
      path.pop();
      continue;
    }
    const key = top.keys[top.next++] as PathSegment;
    const child = (top.value as Record<PathSegment, unknown>)[key];
    if (typeof child !== 'object' || child === null) continue;
    path.push(key);
    if (onPath.has(child)) return { kind: 'cyclic', path };
    if (stack.length >= MAX_NESTING) return { kind: 'deep', path };
    onPath.add(child);
    stack.push(frame(child));
  }
  return undefined;
}

function frame(value: object): Frame {
  return { value, keys: Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value), next: 0 };
}
