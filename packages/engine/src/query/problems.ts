import type { Protocol } from '../model/types.js';

/**
 * Why `checkConnection` could not decide (part of) a request: a closed union of codes with the facts as fields, so
 * callers branch on `code` and render words with `describeCheckProblem` (or their own), never parse sentences.
 */
export type CheckProblem =
  /** The source name does not resolve (`reason` says why, as resolveName words it). */
  | { code: 'source-unresolved'; name: string; reason: string }
  /** The source is a Service, which cannot open connections. */
  | { code: 'source-is-service'; name: string }
  /** The destination name does not resolve. */
  | { code: 'destination-unresolved'; name: string; reason: string }
  /** A workload named on one side has no pods in the input. */
  | { code: 'workload-without-pods'; side: 'from' | 'to'; name: string }
  /** The port argument is neither a number, N/PROTO nor a port name. */
  | { code: 'port-invalid'; text: string }
  /** No port was given and the destination is not a Service. */
  | { code: 'port-required' }
  /** The Service has no port of that number, or of that name (nor one targeting that container port name). */
  | { code: 'service-port-missing'; service: string; port: number | string; protocol: Protocol }
  /** The Service declares no ports at all. */
  | { code: 'service-without-ports'; service: string }
  /** The Service has no selector: its endpoints are managed by hand and not in the input. */
  | { code: 'service-without-selector'; service: string }
  /** The Service selects no ready pod. */
  | { code: 'service-without-endpoints'; service: string }
  /** A destination pod has no container port of that name and protocol. */
  | { code: 'named-port-missing'; endpoint: string; name: string; protocol: Protocol }
  /** A port name was given for an address, which has no named ports. */
  | { code: 'named-port-on-address'; endpoint: string };

export type CheckProblemCode = CheckProblem['code'];

// A record over the union: a code added to `CheckProblem` and left out here does not compile.
const CODES: Record<CheckProblemCode, true> = {
  'source-unresolved': true,
  'source-is-service': true,
  'destination-unresolved': true,
  'workload-without-pods': true,
  'port-invalid': true,
  'port-required': true,
  'service-port-missing': true,
  'service-without-ports': true,
  'service-without-selector': true,
  'service-without-endpoints': true,
  'named-port-missing': true,
  'named-port-on-address': true,
};

/** Every code of `CheckProblem`. */
export const CHECK_PROBLEM_CODES = Object.keys(CODES) as readonly CheckProblemCode[];

/** A problem in one sentence, as `kordon check` prints it under `problem:`. */
export function describeCheckProblem(p: CheckProblem): string {
  switch (p.code) {
    case 'source-unresolved':
    case 'destination-unresolved':
      return p.reason;
    case 'source-is-service':
      return 'source must be a pod, workload or IP';
    case 'workload-without-pods':
      return p.side === 'from' ? `no pods of ${p.name}` : `workload ${p.name} has no pods in the input`;
    case 'port-invalid':
      return `bad port ${p.text}`;
    case 'port-required':
      return '--port is required unless the destination is a Service';
    case 'service-port-missing':
      return typeof p.port === 'string' ? `Service ${p.service} has no port named ${p.port} (nor one targeting it)` : `Service ${p.service} has no port ${p.port}/${p.protocol}`;
    case 'service-without-ports':
      return `Service ${p.service} has no ports`;
    case 'service-without-selector':
      return `Service ${p.service} has no selector: its endpoints are managed by hand and not in the input`;
    case 'service-without-endpoints':
      return `Service ${p.service} selects no ready pod: the connection is refused`;
    case 'named-port-missing':
      return `${p.endpoint} has no container port named ${p.name}/${p.protocol}`;
    case 'named-port-on-address':
      return `${p.endpoint} is not a pod: a port name means nothing there (give a number)`;
  }
}

/** The request field a problem is about, when it stops the whole request: `from`, `to` or `port`. */
export function checkProblemField(p: CheckProblem): 'from' | 'to' | 'port' | undefined {
  switch (p.code) {
    case 'source-unresolved':
    case 'source-is-service':
      return 'from';
    case 'destination-unresolved':
      return 'to';
    case 'workload-without-pods':
      return p.side;
    case 'port-invalid':
    case 'port-required':
    case 'service-port-missing':
      return 'port';
    default:
      return undefined;
  }
}
