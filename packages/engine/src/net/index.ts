export {
  canonicalIP,
  cidrContains,
  cidrWithin,
  formatCidr,
  formatIP,
  hasHostBits,
  ipBlockContains,
  ipBlockRanges,
  ipv4Number,
  isIPv4MappedText,
  parseCidr,
  parseIP,
  parseIPv4,
  parseIPv6,
  podAddressOddity,
  writtenPrefix,
} from './ip.js';
export type { Cidr, Family, IP, IPBlock, PodAddressOddity } from './ip.js';
