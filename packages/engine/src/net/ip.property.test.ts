import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, cidrWithin, formatCidr, formatIP, hasHostBits, ipBlockContains, ipBlockRanges, parseCidr, parseIP, type Family } from './ip.js';

const RUNS = { seed: 5952, numRuns: 3000 };
const bitsOf = (f: Family): number => (f === 4 ? 32 : 128);

const v4 = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n });
/** IPv6 values rich in zero groups, so that '::' placement is exercised. */
const v6 = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((gs) => gs.reduce((v, g) => (v << 16n) | BigInt(g), 0n));
const groupsOf = (v: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt((7 - i) * 16)) & 0xffffn));

/** RFC 5952 §4, written independently: lowercase, no leading zeros, the first longest run of 2+ zero groups as '::'. */
function rfc5952(v: bigint): string {
  const hex = groupsOf(v).map((g) => g.toString(16));
  const runs = [...hex.join(',').matchAll(/(?:^|,)(0(?:,0)+)(?=,|$)/g)];
  let best: { at: number; len: number } | undefined;
  for (const m of runs) {
    const len = m[1]!.split(',').length;
    const at = hex.join(',').slice(0, m.index! + (m[0].startsWith(',') ? 1 : 0)).split(',').length - 1;
    if (!best || len > best.len) best = { at, len };
  }
  if (!best) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** Other ways of writing the same IPv6 address: padded or upper-case groups, '::' on any zero run, an IPv4 tail. */
const v6Spelling = (v: bigint) =>
  fc.record({ pad: fc.boolean(), upper: fc.boolean(), cut: fc.nat(), v4tail: fc.boolean() }).map(({ pad, upper, cut, v4tail }) => {
    const gs = groupsOf(v);
    let parts = gs.map((g) => (pad ? g.toString(16).padStart(4, '0') : g.toString(16)));
    if (upper) parts = parts.map((p) => p.toUpperCase());
    let tail: string[] = [];
    if (v4tail) {
      tail = [`${gs[6]! >> 8}.${gs[6]! & 255}.${gs[7]! >> 8}.${gs[7]! & 255}`];
      parts = parts.slice(0, 6);
    }
    const zeroRuns: [number, number][] = [];
    for (let i = 0; i < parts.length; ) {
      if (gs[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < parts.length && gs[j] === 0) j++;
      zeroRuns.push([i, j]);
      i = j;
    }
    const all = [...parts, ...tail];
    if (zeroRuns.length === 0 || cut % 3 === 0) return all.join(':');
    const [a, b] = zeroRuns[cut % zeroRuns.length]!;
    return `${parts.slice(0, a).join(':')}::${[...parts.slice(b), ...tail].join(':')}`;
  });

describe('parseIP / formatIP', () => {
  it('IPv4 round trip, dotted decimal', () => {
    fc.assert(
      fc.property(v4, (v) => {
        const text = formatIP({ family: 4, value: v });
        expect(text).toBe([24, 16, 8, 0].map((s) => Number((v >> BigInt(s)) & 255n)).join('.'));
        expect(parseIP(text)).toEqual({ family: 4, value: v });
      }),
      RUNS,
    );
  });

  it('IPv6 formats canonically (RFC 5952) and parses back', () => {
    fc.assert(
      fc.property(v6, (v) => {
        const text = formatIP({ family: 6, value: v });
        expect(text).toBe(rfc5952(v));
        // A second, unrelated oracle: the WHATWG URL serializer compresses IPv6 hosts the same way.
        expect(`[${text}]`).toBe(new URL(`http://[${text}]/`).hostname);
        expect(parseIP(text)).toEqual({ family: 6, value: v });
      }),
      RUNS,
    );
  });

  it('IPv6 in any spelling parses to the same address', () => {
    fc.assert(fc.property(v6.chain((v) => fc.tuple(fc.constant(v), v6Spelling(v))), ([v, text]) => {
        expect(parseIP(text), text).toEqual({ family: 6, value: v });
      }), RUNS);
  });

  it('rejects malformed addresses', () => {
    fc.assert(
      fc.property(v6, fc.integer({ min: 0, max: 7 }), (v, k) => {
        const gs = groupsOf(v).map((g) => g.toString(16));
        expect(parseIP([...gs, '1'].join(':'))).toBeUndefined(); // nine groups
        expect(parseIP(gs.slice(0, 7).join(':'))).toBeUndefined(); // seven groups, no '::'
        expect(parseIP(`${gs.slice(0, k).join(':')}::${gs.slice(k).join(':')}`)).toBeUndefined(); // '::' standing for no group
        expect(parseIP(`${gs.join(':')}:`)).toBeUndefined();
        expect(parseIP('1::2::3')).toBeUndefined();
      }),
      { seed: 1, numRuns: 300 },
    );
    fc.assert(
      fc.property(v4, fc.integer({ min: 256, max: 999 }), fc.integer({ min: 0, max: 3 }), (v, big, at) => {
        const parts = formatIP({ family: 4, value: v }).split('.');
        parts[at] = String(big);
        expect(parseIP(parts.join('.'))).toBeUndefined();
        expect(parseIP(parts.slice(0, 3).join('.'))).toBeUndefined();
      }),
      { seed: 2, numRuns: 300 },
    );
  });
});

const familyValue = fc.oneof(v4.map((v) => ({ family: 4 as Family, value: v })), v6.map((v) => ({ family: 6 as Family, value: v })));
const cidrArb = familyValue.chain((a) => fc.record({ family: fc.constant(a.family), value: fc.constant(a.value), prefix: fc.integer({ min: 0, max: bitsOf(a.family) }) }));

/** Containment by shifting away host bits: the BigInt reference. */
const sameNetwork = (a: bigint, b: bigint, prefix: number, family: Family) => a >> BigInt(bitsOf(family) - prefix) === b >> BigInt(bitsOf(family) - prefix);

describe('parseCidr', () => {
  it('reads any address/prefix and knows its first and last address', () => {
    fc.assert(
      fc.property(cidrArb, ({ family, value, prefix }) => {
        const c = parseCidr(`${formatIP({ family, value })}/${prefix}`)!;
        const host = BigInt(bitsOf(family) - prefix);
        expect(c.start).toBe((value >> host) << host);
        expect(c.end).toBe(((value >> host) << host) + (1n << host) - 1n);
        expect(hasHostBits(c)).toBe(value !== c.start);
        expect(parseCidr(formatCidr(c))).toEqual({ ...c, address: c.start });
      }),
      RUNS,
    );
  });

  it('contains exactly the addresses of its network (BigInt reference)', () => {
    fc.assert(
      fc.property(cidrArb, familyValue, fc.boolean(), ({ family, value, prefix }, other, near) => {
        const c = parseCidr(`${formatIP({ family, value })}/${prefix}`)!;
        // Half the probes sit next to the block's edges, where off-by-one errors live.
        const probe = near && other.family === family ? { family, value: [c.start - 1n, c.start, c.end, c.end + 1n][Number(other.value % 4n)]! } : other;
        if (probe.value < 0n || probe.value >= 1n << BigInt(bitsOf(probe.family))) return;
        expect(cidrContains(c, probe)).toBe(probe.family === family && sameNetwork(probe.value, value, prefix, family));
      }),
      RUNS,
    );
  });

  it('cidrWithin is containment of every address', () => {
    fc.assert(
      fc.property(cidrArb, fc.integer({ min: 0, max: 128 }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), ({ family, value, prefix }, p2, noise) => {
        const outer = parseCidr(`${formatIP({ family, value })}/${prefix}`)!;
        const prefix2 = p2 % (bitsOf(family) + 1);
        const inner = parseCidr(`${formatIP({ family, value: (value ^ (noise >> BigInt(128 - bitsOf(family) + prefix2))) })}/${prefix2}`)!;
        const want = inner.prefix >= outer.prefix && sameNetwork(inner.start, outer.start, outer.prefix, family);
        expect(cidrWithin(inner, outer)).toBe(want);
      }),
      RUNS,
    );
  });

  it('rejects a prefix longer than the family or a missing one', () => {
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('::/129')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
    expect(parseCidr('10.0.0.0/')).toBeUndefined();
    expect(parseCidr('10.0.0.0/-1')).toBeUndefined();
  });
});

describe('ipBlockRanges', () => {
  // Small blocks (/23 to /32 inside 10.0.0.0/16, and the same shape in IPv6) are checked address by address.
  const smallBlock = fc
    .record({
      family: fc.constantFrom<Family>(4, 6),
      base: fc.integer({ min: 0, max: 0xffff }),
      prefix: fc.integer({ min: 23, max: 32 }),
      except: fc.array(fc.record({ offset: fc.integer({ min: -64, max: 600 }), prefix: fc.integer({ min: 22, max: 32 }), otherFamily: fc.boolean() }), { maxLength: 4 }),
    })
    .map(({ family, base, prefix, except }) => {
      const shift = family === 4 ? 0 : 96;
      const net = (family === 4 ? 0x0a000000n : 0xfd000000n << 96n) + (BigInt(base) << 8n);
      const text = (v: bigint, p: number, fam: Family) => `${formatIP({ family: fam, value: fam === 4 ? v & 0xffffffffn : v })}/${fam === 4 ? p : p + 96}`;
      return {
        cidr: text(net, prefix, family),
        except: except.map((e) => {
          const fam: Family = e.otherFamily && e.prefix === 32 ? (family === 4 ? 6 : 4) : family;
          return text(net + BigInt(e.offset), e.prefix, fam);
        }),
        shift,
      };
    });

  it('matches a brute-force walk of the block (excepts overlapping, outside, or of the other family)', () => {
    fc.assert(
      fc.property(smallBlock, ({ cidr, except }) => {
        const block = { cidr: parseCidr(cidr)!, except: except.map((e) => parseCidr(e)!) };
        const family = block.cidr.family;
        const inBlock = (v: bigint) => block.cidr.start <= v && v <= block.cidr.end && !block.except.some((e) => e.family === family && e.start <= v && v <= e.end);
        const want: Array<[bigint, bigint]> = [];
        for (let v = block.cidr.start; v <= block.cidr.end; v++) {
          if (!inBlock(v)) continue;
          const last = want[want.length - 1];
          if (last && last[1] === v - 1n) last[1] = v;
          else want.push([v, v]);
          expect(ipBlockContains(block, { family, value: v })).toBe(true);
        }
        expect(ipBlockRanges(block)).toEqual(want);
        for (const e of block.except) if (e.family === family) expect(ipBlockContains(block, { family, value: e.start })).toBe(false);
      }),
      { seed: 77, numRuns: 400 },
    );
  });
});
