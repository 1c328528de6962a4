import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContainerPort, Pod, PortSpec, Protocol } from '../model/types.js';
import { formatPortProto, parsePortProto, portSpecMatches, resolveNamedPort } from './ports.js';

const PROTOS: Protocol[] = ['TCP', 'UDP', 'SCTP'];
const NAMES = ['http', 'dns', 'metrics'];
const portNum = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(1, 53, 80, 81, 65535));

const containerPort: fc.Arbitrary<ContainerPort> = fc.record({ name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }), port: fc.constantFrom(53, 80, 81, 8080), protocol: fc.constantFrom(...PROTOS) }).map((c) => {
  const out: ContainerPort = { port: c.port, protocol: c.protocol };
  if (c.name) out.name = c.name;
  return out;
});
const podArb = fc.array(containerPort, { maxLength: 4 }).map(
  (containerPorts): Pod => ({ namespace: 'ns', name: 'p', labels: {}, ips: [], hostNetwork: false, ready: true, containerPorts, fromTemplate: false }),
);
const specArb: fc.Arbitrary<PortSpec> = fc.oneof(
  fc.record({ protocol: fc.constantFrom(...PROTOS) }).map((s) => ({ index: 0, protocol: s.protocol, port: null, endPort: null })),
  fc.record({ protocol: fc.constantFrom(...PROTOS), port: portNum }).map((s) => ({ index: 0, ...s, endPort: null })),
  fc.record({ protocol: fc.constantFrom(...PROTOS), port: portNum, width: fc.integer({ min: 0, max: 2000 }) }).map((s) => ({ index: 0, protocol: s.protocol, port: s.port, endPort: Math.min(65535, s.port + s.width) })),
  fc.record({ protocol: fc.constantFrom(...PROTOS), port: fc.constantFrom(...NAMES, 'absent') }).map((s) => ({ index: 0, ...s, endPort: null })),
);

/** Semantics §2, Ports: protocol first; then no port, a number or range, or a name resolved on the destination. */
function reference(spec: PortSpec, port: number, protocol: Protocol, dest: Pod | undefined): boolean {
  if (spec.protocol !== protocol) return false;
  if (spec.port === null) return true;
  if (typeof spec.port === 'number') return spec.endPort === null ? port === spec.port : spec.port <= port && port <= spec.endPort;
  return dest !== undefined && dest.containerPorts.some((c) => c.name === spec.port && c.protocol === protocol && c.port === port);
}

const RUNS = { seed: 8080, numRuns: 5000 };

describe('portSpecMatches', () => {
  it('follows the definition (numbers, endPort ranges, named ports, protocols)', () => {
    fc.assert(
      fc.property(specArb, fc.oneof(portNum, fc.constantFrom(53, 80, 81, 8080)), fc.constantFrom(...PROTOS), fc.option(podArb, { nil: undefined }), (spec, port, protocol, dest) => {
        expect(portSpecMatches(spec, port, protocol, dest)).toBe(reference(spec, port, protocol, dest));
      }),
      RUNS,
    );
  });

  it('a range admits both of its ends and nothing just outside', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROTOS), fc.integer({ min: 2, max: 65000 }), fc.integer({ min: 0, max: 534 }), (protocol, port, width) => {
        const spec: PortSpec = { index: 0, protocol, port, endPort: port + width };
        expect(portSpecMatches(spec, port, protocol, undefined)).toBe(true);
        expect(portSpecMatches(spec, port + width, protocol, undefined)).toBe(true);
        expect(portSpecMatches(spec, port - 1, protocol, undefined)).toBe(false);
        expect(portSpecMatches(spec, port + width + 1, protocol, undefined)).toBe(false);
      }),
      RUNS,
    );
  });

  it('resolveNamedPort lists exactly the container ports of that name and protocol', () => {
    fc.assert(
      fc.property(podArb, fc.constantFrom(...NAMES), fc.constantFrom(...PROTOS), (pod, name, protocol) => {
        expect(resolveNamedPort(pod, name, protocol).sort()).toEqual(pod.containerPorts.filter((c) => c.name === name && c.protocol === protocol).map((c) => c.port).sort());
      }),
      RUNS,
    );
  });
});

describe('parsePortProto', () => {
  it('reads what formatPortProto writes, in any case, and defaults to TCP', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(...PROTOS), fc.boolean(), (port, protocol, lower) => {
        const text = formatPortProto({ port, protocol });
        expect(parsePortProto(lower ? text.toLowerCase() : text)).toEqual({ port, protocol });
        expect(parsePortProto(String(port))).toEqual({ port, protocol: 'TCP' });
      }),
      RUNS,
    );
  });

  it('rejects ports outside 1-65535 and unknown protocols', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65536, max: 99999 }), (port) => {
        expect(parsePortProto(String(port))).toBeUndefined();
      }),
      { seed: 1, numRuns: 200 },
    );
    expect(parsePortProto('0')).toBeUndefined();
    expect(parsePortProto('80/icmp')).toBeUndefined();
    expect(parsePortProto('http')).toBeUndefined();
  });
});
