import { describe, expect, it } from 'vitest';
import { cidrContains, formatCidr, parseCidr, parseIP, podAddressOddity } from './ip.js';

describe('IPv4-mapped IPv6, read as Go net.IP reads it (the API server and Go plugins)', () => {
  it('an address ::ffff:a.b.c.d is the IPv4 address a.b.c.d', () => {
    expect(parseIP('::ffff:10.0.0.1')).toEqual(parseIP('10.0.0.1'));
    expect(parseIP('::FFFF:a00:1')).toEqual(parseIP('10.0.0.1'));
    expect(parseIP('::fffe:10.0.0.1')?.family).toBe(6);
  });

  it('a mapped block of prefix 96 or more is the IPv4 block of prefix − 96', () => {
    const c = parseCidr('::ffff:10.1.0.0/112')!;
    expect(formatCidr(c)).toBe('10.1.0.0/16');
    expect(c.written).toEqual({ family: 6, prefix: 112 });
    expect(cidrContains(c, parseIP('10.1.2.3')!)).toBe(true);
    expect(cidrContains(c, parseIP('::ffff:10.1.2.3')!)).toBe(true);
    expect(cidrContains(c, parseIP('10.2.0.1')!)).toBe(false);
    expect(formatCidr(parseCidr('::ffff:0:0/96')!)).toBe('0.0.0.0/0');
  });

  it('below prefix 96 the block loses its mapped prefix once masked: it is an IPv6 block', () => {
    const c = parseCidr('::ffff:10.0.0.0/80')!;
    expect(c.family).toBe(6);
    expect(formatCidr(c)).toBe('::/80');
  });

  it('plain IPv4 and IPv6 blocks are as before', () => {
    expect(parseCidr('10.0.0.0/8')!.written).toBeUndefined();
    expect(formatCidr(parseCidr('2001:db8::/32')!)).toBe('2001:db8::/32');
  });

  it('names pod addresses no network plugin gives', () => {
    expect(podAddressOddity('10.0.0.1')).toBeUndefined();
    expect(podAddressOddity('fd00::1')).toBeUndefined();
    expect(podAddressOddity('127.0.0.1')).toBe('loopback');
    expect(podAddressOddity('::1')).toBe('loopback');
    expect(podAddressOddity('224.0.0.5')).toBe('multicast');
    expect(podAddressOddity('ff02::1')).toBe('multicast');
    expect(podAddressOddity('::ffff:10.0.0.1')).toBe('ipv4-mapped');
    expect(podAddressOddity('0.0.0.0')).toBe('unspecified');
    expect(podAddressOddity('::')).toBe('unspecified');
  });
});
