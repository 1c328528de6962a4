import type { SourceLink } from './explain.js';

/** One entry of the page's findings list: a lint finding or a problem of the input. */
export interface FindingItem {
  severity: 'error' | 'warning' | 'info';
  rule: string;
  text: string;
  detail?: string;
  link?: SourceLink;
}

const RANK: Record<FindingItem['severity'], number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then warnings, then notes; within a severity by file and line, so the list reads top to bottom. */
export function sortFindings<T extends FindingItem>(items: readonly T[]): T[] {
  return items
    .map((it, k) => ({ it, k }))
    .sort((a, b) => RANK[a.it.severity] - RANK[b.it.severity] || compareLinks(a.it.link, b.it.link) || a.k - b.k)
    .map((x) => x.it);
}

function compareLinks(a: SourceLink | undefined, b: SourceLink | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}
