import type { PathSegment } from '../diagnostics.js';
import { isObj } from './decode.js';
import type { Reporter } from './report.js';

/** Kinds the API server refuses as owners (`BannedOwners`), by group/version/kind. */
const BANNED_OWNERS = new Set(['/v1/Event']);

/** The version of an apiVersion as the API server parses it: `apps/v1` → v1, `v1` → v1, `apps/` or `a/b/c` → ''. */
function versionOf(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0] as string, version: parts[1] as string };
  return { group: '', version: '' };
}

/** A reference with every part written, to a kind that may own objects. */
function complete(ref: Record<string, unknown>): boolean {
  const apiVersion = ref['apiVersion'];
  const kind = ref['kind'];
  const name = ref['name'];
  const uid = ref['uid'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string' || typeof uid !== 'string') return false;
  if (kind === '' || name === '' || uid === '' || kind === 'Event') return false;
  const slash = apiVersion.indexOf('/');
  // `v1` or `group/v1`, with a version and no second slash.
  return slash < 0 ? apiVersion !== '' : slash < apiVersion.length - 1 && apiVersion.indexOf('/', slash + 1) < 0;
}

/**
 * metadata.ownerReferences as ValidateObjectMeta checks them on create: each names its owner completely (a version, a
 * kind, a name and a uid), is not an Event, and at most one is the controller. Types are already checked by decoding.
 */
export function validateOwnerReferences(r: Reporter, refs: unknown): void {
  if (!Array.isArray(refs)) return;
  const at: PathSegment[] = ['metadata', 'ownerReferences'];
  const controllers: string[] = [];
  refs.forEach((ref, i) => {
    if (!isObj(ref)) return;
    const text = (k: string): string => (typeof ref[k] === 'string' ? (ref[k] as string) : '');
    // The common case, a complete reference to a workload, is settled without building paths or messages.
    if (complete(ref)) {
      if (ref['controller'] === true) controllers.push(`${ref['kind'] as string}/${ref['name'] as string}`);
      return;
    }
    const here = [...at, i];
    const { group, version } = versionOf(text('apiVersion'));
    const empty = (field: string, what: string): void =>
      r.add('owner-reference-invalid', 'error', [...here, field], `Invalid value: ${JSON.stringify(text(field))}: ${what} must not be empty`, {
        at: ref[field] === undefined ? here : [...here, field],
        hint: 'an owner reference names its owner completely: apiVersion, kind, name and uid (as `kubectl get -o yaml` of the owner shows them)',
      });
    if (version === '') empty('apiVersion', 'version');
    if (text('kind') === '') empty('kind', 'kind');
    if (text('name') === '') empty('name', 'name');
    if (text('uid') === '') empty('uid', 'uid');
    if (BANNED_OWNERS.has(`${group}/${version}/${text('kind')}`)) {
      r.add('owner-reference-invalid', 'error', here, `Invalid value: ${text('kind')} is disallowed from being an owner`, { hint: 'an Event cannot own another object: remove this reference' });
    }
    if (ref['controller'] === true) controllers.push(`${text('kind')}/${text('name')}`);
  });
  if (controllers.length > 1) {
    r.add('owner-reference-invalid', 'error', at, `Invalid value: Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`, {
      hint: 'keep controller: true on the one owner that manages this object',
    });
  }
}
