// Runs inside one lab network namespace (started by `ip netns exec`): serves the probed ports and makes
// probe connections on request. Plain JavaScript so that it runs without a build; it speaks JSON lines:
//   stdin  {"op":"serve","ports":[{"port":80,"protocol":"TCP"}]}          -> {"op":"serve","ok":true,...}
//   stdin  {"op":"probe","id":N,"timeoutMs":T,"targets":[{ip,port,protocol}]} -> {"op":"probe","id":N,"results":[...]}
// A socket belongs to the namespace it was created in, so every namespace needs its own process.
import { createSocket } from 'node:dgram';
import { createServer, connect, isIPv6 } from 'node:net';
import { createInterface } from 'node:readline';

const servers = [];

function send(msg) {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const srv = createServer((sock) => {
      sock.on('error', () => {});
      sock.end();
    });
    srv.on('error', reject);
    srv.listen({ port, host: '::', ipv6Only: false, backlog: 1024 }, () => resolve(srv));
  });
}

function listenUdp(port) {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: 'udp6', ipv6Only: false });
    sock.on('error', reject);
    sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
    sock.bind(port, '::', () => resolve(sock));
  });
}

async function serve(ports) {
  const unsupported = [];
  for (const { port, protocol } of ports) {
    if (protocol === 'TCP') servers.push(await listenTcp(port));
    else if (protocol === 'UDP') servers.push(await listenUdp(port));
    else unsupported.push(`${port}/${protocol}`);
  }
  return unsupported;
}

function probeTcp(ip, port, timeoutMs) {
  return new Promise((resolve) => {
    const start = performance.now();
    const sock = connect({ host: ip, port });
    const done = (ok, reason) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok, reason, ms: Math.round((performance.now() - start) * 10) / 10 });
    };
    const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
    sock.once('connect', () => done(true, 'connected'));
    sock.once('error', (e) => done(false, e.code ?? String(e)));
  });
}

function probeUdp(ip, port, timeoutMs) {
  return new Promise((resolve) => {
    const start = performance.now();
    const sock = createSocket(isIPv6(ip) ? 'udp6' : 'udp4');
    const payload = Buffer.from(`kordon-probe-${Math.random()}`);
    let resend;
    const done = (ok, reason) => {
      clearTimeout(timer);
      clearInterval(resend);
      sock.close();
      resolve({ ok, reason, ms: Math.round((performance.now() - start) * 10) / 10 });
    };
    const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
    sock.on('message', (msg) => {
      if (msg.equals(payload)) done(true, 'echoed');
    });
    sock.on('error', (e) => done(false, e.code ?? String(e)));
    sock.connect(port, ip, () => {
      const fire = () => sock.send(payload, () => {});
      fire();
      // A datagram can be lost; resending keeps one lost packet from reading as "denied".
      resend = setInterval(fire, Math.max(50, Math.floor(timeoutMs / 4)));
    });
  });
}

// Latency of a request/response through the node: 'udp-rr' reuses one socket (after the first packet conntrack
// accepts the flow), 'udp-new' opens a socket per round trip, so each request is a new flow that walks the policy
// chains. Returns percentiles in microseconds.
async function bench({ mode, ip, port, count }) {
  const family = isIPv6(ip) ? 'udp6' : 'udp4';
  const payload = Buffer.from('kordon-bench');
  const samples = new Float64Array(count);
  const once = (sock) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('bench packet lost or denied')), 1000);
      sock.once('message', () => {
        clearTimeout(t);
        resolve();
      });
      sock.send(payload, port, ip);
    });
  if (mode === 'udp-rr') {
    const sock = createSocket(family);
    await new Promise((r) => sock.bind(0, r));
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      await once(sock);
      samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
    sock.close();
  } else {
    for (let i = 0; i < count; i++) {
      const sock = createSocket(family);
      await new Promise((r) => sock.bind(0, r));
      const t0 = process.hrtime.bigint();
      await once(sock);
      samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
      sock.close();
    }
  }
  samples.sort();
  const q = (f) => samples[Math.min(count - 1, Math.floor(f * count))];
  let sum = 0;
  for (const v of samples) sum += v;
  return { count, mean: sum / count, p10: q(0.1), p50: q(0.5), p90: q(0.9), min: samples[0] };
}

function probe(t, timeoutMs) {
  if (t.protocol === 'TCP') return probeTcp(t.ip, t.port, timeoutMs);
  if (t.protocol === 'UDP') return probeUdp(t.ip, t.port, timeoutMs);
  return Promise.resolve({ ok: false, reason: 'unsupported', ms: 0 });
}

const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    send({ op: 'error', message: `not JSON: ${line}` });
    return;
  }
  try {
    if (msg.op === 'serve') {
      const unsupported = await serve(msg.ports ?? []);
      send({ op: 'serve', id: msg.id, ok: true, unsupported });
    } else if (msg.op === 'bench') {
      send({ op: 'bench', id: msg.id, result: await bench(msg) });
    } else if (msg.op === 'probe') {
      const results = await Promise.all(msg.targets.map((t) => probe(t, msg.timeoutMs ?? 1000)));
      send({ op: 'probe', id: msg.id, results });
    } else {
      send({ op: 'error', id: msg.id, message: `unknown op ${msg.op}` });
    }
  } catch (e) {
    send({ op: msg.op, id: msg.id, ok: false, message: String(e?.message ?? e) });
  }
});
rl.on('close', () => process.exit(0));
send({ op: 'ready', pid: process.pid });
