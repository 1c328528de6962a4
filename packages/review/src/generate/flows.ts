import { parsePortProto, type Diagnostic, type Protocol, type SourceFile } from '@kordon/engine';

/** One observed connection, as the input names its ends: `ns/pod`, `ns/workload`, an address, or a Service name. */
export interface ObservedFlow {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  /** `file:line` where it was read. */
  origin: string;
}

export type FlowFormat = 'csv' | 'hubble' | 'probe' | 'connection-log';

export interface FlowFile {
  file: string;
  format: FlowFormat;
  flows: ObservedFlow[];
  /** What was read but not taken (replies, dropped flows, columns that stand for many ports), in words. */
  notes: string[];
  diagnostics: Diagnostic[];
}

const problem = (file: string, line: number, message: string, hint: string): Diagnostic => ({ code: 'flow-invalid', severity: 'error', message, hint, path: '', file, line, column: 1 });

/** Reads observed flows: kordon connection-log lines (docs/generate.md), `hubble observe -o json` lines, `kordon lab probe` (or `kordon matrix -o json`) output, or CSV. */
export function parseFlows(file: SourceFile): FlowFile {
  const text = file.text.replace(/^\uFEFF/, '');
  const head = text.trimStart();
  if (head.startsWith('{')) {
    // One object with endpoints/ports/allowed is the matrix; a line per object is Hubble.
    const firstLine = head.slice(0, head.indexOf('\n') < 0 ? head.length : head.indexOf('\n'));
    if (/"verdict"\s*:/.test(firstLine) && /"from"\s*:/.test(firstLine)) return parseConnectionLog(file.name, text);
    if (/"(flow|source|destination|IP)"\s*:/.test(firstLine) && !/"endpoints"\s*:/.test(firstLine)) return parseHubble(file.name, text);
    return parseProbe(file.name, text);
  }
  return parseCsv(file.name, text);
}

function parseCsv(name: string, text: string): FlowFile {
  const out: FlowFile = { file: name, format: 'csv', flows: [], notes: [], diagnostics: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (i === 0 && /^(source|src|from)$/i.test(cells[0] ?? '')) return; // a header
    if (cells.length !== 3) {
      out.diagnostics.push(problem(name, i + 1, `a flow line has 3 fields, source,destination,port/protocol; this one has ${cells.length}`, 'write e.g. frontend/web,backend/api,8080/TCP'));
      return;
    }
    const pp = parsePortProto(cells[2]!);
    if (!pp) {
      out.diagnostics.push(problem(name, i + 1, `bad port ${JSON.stringify(cells[2])}`, 'write N or N/PROTOCOL with PROTOCOL TCP, UDP or SCTP'));
      return;
    }
    if (cells[0] === '' || cells[1] === '') {
      out.diagnostics.push(problem(name, i + 1, 'empty source or destination', 'name a pod (ns/pod), workload (ns/name), address or Service'));
      return;
    }
    out.flows.push({ from: cells[0]!, to: cells[1]!, port: pp.port, protocol: pp.protocol, origin: `${name}:${i + 1}` });
  });
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Hubble's JSON uses the proto names (`destination_port`); protojson's default is camelCase: accept both. */
const field = (o: Obj | undefined, snake: string): unknown => {
  if (!o) return undefined;
  if (snake in o) return o[snake];
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return o[camel];
};

/** The name of one end of a Hubble flow: `ns/pod` for a pod, else its address. */
function hubbleEnd(ep: unknown, ip: unknown): string | undefined {
  if (isObj(ep)) {
    const ns = field(ep, 'namespace');
    const pod = field(ep, 'pod_name');
    if (typeof ns === 'string' && ns !== '' && typeof pod === 'string' && pod !== '') return `${ns}/${pod}`;
  }
  return typeof ip === 'string' && ip !== '' ? ip : undefined;
}

/** Each non-empty line of a JSON Lines file, parsed; a line that is not JSON is a diagnostic at its place. */
function jsonLines(out: FlowFile, text: string, hint: string, each: (doc: unknown, index: number) => void): void {
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      out.diagnostics.push(problem(out.file, i + 1, 'not a JSON object', hint));
      return;
    }
    each(doc, i);
  });
}

function parseHubble(name: string, text: string): FlowFile {
  const out: FlowFile = { file: name, format: 'hubble', flows: [], notes: [], diagnostics: [] };
  const skipped = { reply: 0, dropped: 0, l7: 0, other: 0 };
  jsonLines(out, text, 'give the output of hubble observe -o json (one flow per line)', (doc, i) => {
    // `hubble observe -o json` wraps each flow as {"flow": {...}, "node_name", "time"}; the API's Flow itself is accepted too.
    const flow = isObj(doc) && isObj(doc['flow']) ? doc['flow'] : doc;
    if (!isObj(flow)) return;
    if (!('source' in flow || 'IP' in flow || 'l4' in flow)) {
      skipped.other++; // agent events, lost events, node status
      return;
    }
    const verdict = field(flow, 'verdict');
    if (verdict !== undefined && verdict !== 'FORWARDED') {
      skipped.dropped++;
      return;
    }
    if (field(flow, 'is_reply') === true || (field(flow, 'is_reply') === undefined && field(flow, 'reply') === true)) {
      skipped.reply++;
      return;
    }
    const type = field(flow, 'Type') ?? field(flow, 'type');
    if (type !== undefined && type !== 'L3_L4') {
      skipped.l7++;
      return;
    }
    const ip = isObj(flow['IP']) ? flow['IP'] : isObj(flow['ip']) ? flow['ip'] : undefined;
    const l4 = isObj(flow['l4']) ? flow['l4'] : undefined;
    let protocol: Protocol | undefined;
    let port: unknown;
    for (const p of ['TCP', 'UDP', 'SCTP'] as const) {
      const x = l4?.[p];
      if (isObj(x)) {
        protocol = p;
        port = field(x, 'destination_port');
      }
    }
    const from = hubbleEnd(flow['source'], field(ip, 'source'));
    const to = hubbleEnd(flow['destination'], field(ip, 'destination'));
    if (!protocol || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535 || !from || !to) {
      skipped.other++; // ICMP, or a flow without both ends
      return;
    }
    out.flows.push({ from, to, port, protocol, origin: `${name}:${i + 1}` });
  });
  if (skipped.reply) out.notes.push(`${skipped.reply} reply flows skipped (the connection's first direction is what a policy allows)`);
  if (skipped.dropped) out.notes.push(`${skipped.dropped} flows not FORWARDED (dropped, error or audit) skipped: they are not traffic that works today`);
  if (skipped.l7) out.notes.push(`${skipped.l7} L7 flows skipped (their L3/L4 flow carries the connection)`);
  if (skipped.other) out.notes.push(`${skipped.other} events without a TCP, UDP or SCTP destination port skipped`);
  return out;
}

/** `kordon lab probe` / `kordon matrix -o json`: every allowed cell of a single-port column is a flow. */
function parseProbe(name: string, text: string): FlowFile {
  const out: FlowFile = { file: name, format: 'probe', flows: [], notes: [], diagnostics: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    out.diagnostics.push(problem(name, 1, `not JSON: ${err instanceof Error ? err.message : String(err)}`, 'give the output of kordon lab probe or kordon matrix -o json'));
    return out;
  }
  const endpoints = isObj(doc) ? doc['endpoints'] : undefined;
  const allowed = isObj(doc) ? doc['allowed'] : undefined;
  if (!Array.isArray(endpoints) || !isObj(allowed) || !endpoints.every((e) => typeof e === 'string')) {
    out.diagnostics.push(problem(name, 1, 'a probe file has endpoints (a list of names) and allowed (rows per port)', 'give the output of kordon lab probe or kordon matrix -o json'));
    return out;
  }
  const names = endpoints as string[];
  const wide: string[] = [];
  for (const [label, rows] of Object.entries(allowed)) {
    const pp = /^\d+\/(TCP|UDP|SCTP)$/.test(label) ? parsePortProto(label) : undefined;
    if (!pp) {
      wide.push(label);
      continue;
    }
    if (!Array.isArray(rows)) continue;
    rows.forEach((row, i) => {
      if (typeof row !== 'string') return;
      for (let j = 0; j < row.length; j++) if (row[j] === '1' && i !== j) out.flows.push({ from: names[i]!, to: names[j]!, port: pp.port, protocol: pp.protocol, origin: `${name} ${label} ${names[i]}` });
    });
  }
  if (wide.length) out.notes.push(`columns ${wide.join(', ')} stand for many ports and are not generated from: probe the ports you mean with --port`);
  return out;
}

const PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);

/**
 * The kordon connection log (docs/generate.md): one JSON object per line, `{"time", "node", "direction", "verdict",
 * "from", "to", "port", "protocol", "packets"}`. A connection seen on both nodes (egress at the source, ingress at the
 * destination) is one connection; the log's denied attempts are taken too, and counted in a note, because a connection
 * the policies in force block is what one reads the log to open.
 */
function parseConnectionLog(name: string, text: string): FlowFile {
  const out: FlowFile = { file: name, format: 'connection-log', flows: [], notes: [], diagnostics: [] };
  let denied = 0;
  let other = 0;
  const seen = new Set<string>();
  jsonLines(out, text, 'a connection log has one JSON object per line, see docs/generate.md', (doc, i) => {
    if (!isObj(doc)) return;
    const { from, to, port, protocol, verdict } = doc;
    if (verdict !== 'allowed' && verdict !== 'denied') {
      out.diagnostics.push(problem(name, i + 1, `verdict is ${JSON.stringify(verdict)}`, 'write "allowed" or "denied"'));
      return;
    }
    const proto = typeof protocol === 'string' ? protocol.toUpperCase() : '';
    if (!PROTOCOLS.has(proto)) {
      other++; // ICMP and other protocols without ports: no NetworkPolicy port names them
      return;
    }
    if (typeof from !== 'string' || from === '' || typeof to !== 'string' || to === '' || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      out.diagnostics.push(problem(name, i + 1, 'a connection has from and to (ns/pod or an address) and port (1 to 65535)', 'see the connection log format in docs/generate.md'));
      return;
    }
    // One connection logged at both ends, or again at each report: the first line is where it was seen.
    const key = `${from}\u0000${to}\u0000${port}/${proto}\u0000${verdict}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (verdict === 'denied') denied++;
    out.flows.push({ from, to, port, protocol: proto as Protocol, origin: `${name}:${i + 1}` });
  });
  if (denied) out.notes.push(`${denied} ${denied === 1 ? 'connection' : 'connections'} the policies in force denied ${denied === 1 ? 'is' : 'are'} taken as wanted (they were attempted); leave ${denied === 1 ? 'it' : 'them'} out of the log to keep ${denied === 1 ? 'it' : 'them'} closed`);
  if (other) out.notes.push(`${other} connections without a TCP, UDP or SCTP port skipped`);
  return out;
}
