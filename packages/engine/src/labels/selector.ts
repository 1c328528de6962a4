import type { LabelSelector, Labels } from '../model/types.js';

/**
 * A selector matches when every matchLabels pair is equal AND every matchExpressions entry holds:
 * In (key present, value listed), NotIn (key absent, or value not listed), Exists, DoesNotExist.
 * An empty selector matches everything.
 */
export function selectorMatches(sel: LabelSelector, labels: Labels): boolean {
  for (const key in sel.matchLabels) {
    if (ownLabel(labels, key) !== sel.matchLabels[key]) return false;
  }
  for (const req of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case 'In':
        if (!has || !req.values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && req.values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

export function selectorIsEmpty(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0;
}

/** kubectl's way of writing a selector: `app=web,tier in (a,b),!debug`; empty selector: `<none>`-style callers decide. */
export function formatSelector(sel: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) parts.push(`${k}=${v}`);
  for (const r of sel.matchExpressions) {
    switch (r.operator) {
      case 'In':
        parts.push(`${r.key} in (${[...r.values].sort().join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${r.key} notin (${[...r.values].sort().join(',')})`);
        break;
      case 'Exists':
        parts.push(r.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${r.key}`);
        break;
    }
  }
  return parts.join(',');
}

/** The value of a label the object itself carries: `constructor` or `toString` are label keys, not inherited members. */
function ownLabel(labels: Labels, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}

/** Why a selector does not match, in words (the first failing term), or undefined when it matches. */
export function selectorMismatch(sel: LabelSelector, labels: Labels): string | undefined {
  for (const key in sel.matchLabels) {
    const want = sel.matchLabels[key];
    const have = ownLabel(labels, key);
    if (have !== want) {
      return have === undefined ? `has no label ${key}` : `has ${key}=${have}, not ${key}=${want}`;
    }
  }
  for (const r of sel.matchExpressions) {
    const v = ownLabel(labels, r.key);
    if (r.operator === 'In' && (v === undefined || !r.values.includes(v))) {
      return v === undefined ? `has no label ${r.key}` : `has ${r.key}=${v}, not in (${r.values.join(',')})`;
    }
    if (r.operator === 'NotIn' && v !== undefined && r.values.includes(v)) return `has ${r.key}=${v}, which is excluded`;
    if (r.operator === 'Exists' && v === undefined) return `has no label ${r.key}`;
    if (r.operator === 'DoesNotExist' && v !== undefined) return `has label ${r.key}`;
  }
  return undefined;
}

/** Canonical key for deduplicating selectors. */
export function selectorKey(sel: LabelSelector): string {
  const ml = Object.entries(sel.matchLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const me = sel.matchExpressions
    .map((r) => `${r.key}\u0001${r.operator}\u0001${[...r.values].sort().join('\u0002')}`)
    .sort();
  return `${ml.map(([k, v]) => `${k}=${v}`).join('\u0003')}|${me.join('\u0003')}`;
}

export function formatLabels(labels: Labels): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
