export { validateObject } from '../kinds/registry.js';
export { validateNetworkPolicy, NETWORK_POLICY_API_VERSION } from './networkpolicy.js';
export {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  ianaSvcNameErrors,
  isDns1123Label,
  isDns1123Subdomain,
  isIanaSvcName,
  isQualifiedName,
  isValidLabelValue,
  labelValueErrors,
  qualifiedNameErrors,
} from './names.js';
export { kubectlScalar, kubectlValueAt, mayReadDifferently, resolveYaml11Plain } from './yaml11.js';
export type { ScalarValue } from './yaml11.js';
export { isStrictSubset, readCidr } from './cidr.js';
export type { CidrReading } from './cidr.js';
export { editDistance } from './hints.js';
