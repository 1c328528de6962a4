#!/usr/bin/env node
// What a packet costs in the two layouts of a cluster-policy rule with ports (packages/dataplane/src/nft/tiers.ts):
// "inline" (the protocol and port tested in the rule, one nft rule per atom, over a hash set of 5,000 peer addresses)
// against "point" (one hash set of 5,000 addresses × N ports as address . protocol . port, plus the empty interval
// set of ranges the compiler always pairs with it), for N = 1, 4, 8, 16 atoms. A small C sender (built with gcc)
// sends UDP packets from a network namespace out of a veth; the output hook jumps to the rule's chain. Reported: the
// sender's CPU per packet (user + system, so the kernel's rule walk included), median of interleaved runs, for a
// packet that falls through (its address is a peer, its port none of the rule's: most packets meet most rules so)
// and one that matches the last atom. Usage (root, gcc): node scripts/bench-tier-packets.mjs [REPS] [PACKETS]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const [REPS = 3, PACKETS = 300_000] = process.argv.slice(2).map(Number);
const NS = `kordon-pkt-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'kordon-pkt-'));
const SENDER = `#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
  int n = atoi(argv[3]), s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[2])); inet_pton(AF_INET, argv[1], &a.sin_addr);
  if (connect(s, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
  char b[1] = {0};
  struct rusage r0, r1; getrusage(RUSAGE_SELF, &r0);
  for (int i = 0; i < n; i++) send(s, b, 1, 0);
  getrusage(RUSAGE_SELF, &r1);
  double ns = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec + r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1e9 + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec + r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) * 1e3;
  printf("%.0f\\n", ns / n);
  return 0;
}
`;
const sh = (cmd, input) => execFileSync('sh', ['-c', cmd], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
const inNs = (cmd, input) => sh(`ip netns exec ${NS} ${cmd}`, input);
// Peer addresses one apart from the next, as pod addresses spread over nodes are: hash set points, never ranges.
const addrs = Array.from({ length: 5000 }, (_, i) => `10.50.${Math.floor((2 * i + 1) / 256)}.${(2 * i + 1) % 256}`);
function table(layout, n) {
  const ports = Array.from({ length: n }, (_, i) => 1000 + 2 * i);
  const sets =
    layout === 'point'
      ? [`set p4 { type ipv4_addr . inet_proto . inet_service; elements = { ${ports.flatMap((p) => addrs.map((a) => `${a} . udp . ${p}`)).join(', ')} } }`, 'set s4 { type ipv4_addr . inet_proto . inet_service; flags interval; }']
      : [`set a4 { type ipv4_addr; elements = { ${addrs.join(', ')} } }`];
  const rules = layout === 'point' ? ['ip daddr . meta l4proto . th dport @p4 return', 'ip daddr . meta l4proto . th dport @s4 return'] : ports.map((p) => `udp dport ${p} ip daddr @a4 return`);
  return `table inet perf {\n${sets.join('\n')}\nchain t {\n${rules.join('\n')}\n}\nchain o { type filter hook output priority 0; policy accept; ip daddr 10.50.0.0/16 jump t; }\n}\n`;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};
try {
  writeFileSync(join(dir, 'send.c'), SENDER);
  sh(`gcc -O2 -o ${dir}/send ${dir}/send.c`);
  sh(`ip netns add ${NS}`);
  inNs(`sh -c 'ip link set lo up; ip link add v0 type veth peer name v1; ip link set v0 up; ip link set v1 up; ip addr add 10.49.0.1/24 dev v0; ip route add 10.50.0.0/16 via 10.49.0.2 dev v0; ip neigh add 10.49.0.2 lladdr 02:00:00:00:00:02 dev v0'`);
  const rows = new Map();
  for (let r = 0; r < REPS; r++)
    for (const n of [0, 1, 4, 8, 16])
      for (const layout of n === 0 ? ['none'] : ['point', 'inline'])
        for (const hit of n === 0 ? [false] : [false, true]) {
          try {
            inNs('nft delete table inet perf');
          } catch {}
          if (layout !== 'none') inNs('nft -f -', table(layout, n));
          const ns = Number(inNs(`${dir}/send ${addrs[0]} ${hit ? 1000 + 2 * (n - 1) : 9999} ${PACKETS}`));
          const k = `${layout} ${n} ${hit ? 'matches the last atom' : 'falls through'}`;
          rows.set(k, [...(rows.get(k) ?? []), ns]);
        }
  console.log(`${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}; ns of sender CPU per packet, median of ${REPS}`);
  for (const [k, xs] of rows) console.log(`${k.padEnd(34)} ${median(xs).toFixed(0)}  (${xs.join(' ')})`);
} finally {
  try {
    sh(`ip netns del ${NS}`);
  } catch {}
  rmSync(dir, { recursive: true, force: true });
}
