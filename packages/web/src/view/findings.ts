import { SEVERITY_RANK } from '@kordon/review';
import type { SourceLink } from './explain.js';

/** One entry of the page's findings list: a lint finding or a problem of the input. */
export interface FindingItem {
  severity: 'error' | 'warning' | 'info';
  rule: string;
  text: string;
  detail?: string;
  link?: SourceLink;
}

/**
 * Errors first, then warnings, then notes (the review package's ranking, which `kordon lint` sorts by); within a
 * severity by file and line, so the list reads top to bottom. Lint findings and input problems are sorted together.
 */
export function sortFindings<T extends FindingItem>(items: readonly T[]): T[] {
  return items
    .map((it, k) => ({ it, k }))
    .sort((a, b) => SEVERITY_RANK[b.it.severity] - SEVERITY_RANK[a.it.severity] || compareLinks(a.it.link, b.it.link) || a.k - b.k)
    .map((x) => x.it);
}

function compareLinks(a: SourceLink | undefined, b: SourceLink | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}
