export {
  canonicalIP,
  cidrContains,
  cidrWithin,
  formatCidr,
  formatIP,
  hasHostBits,
  ipBlockContains,
  ipBlockRanges,
  parseCidr,
  parseIP,
  parseIPv4,
  parseIPv6,
} from './ip.js';
export type { Cidr, Family, IP, IPBlock } from './ip.js';
