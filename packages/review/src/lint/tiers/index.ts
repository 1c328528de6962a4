import type { LintRule } from '../rule.js';
import { clusterDnsBlocked } from './dns.js';
import { passWithoutNetworkPolicy } from './pass.js';
import { clusterRuleShadowed } from './shadowed.js';
import { subjectSelectsNothing } from './subjects.js';
import { priorityTie } from './ties.js';

/** Rules about ClusterNetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy, judged by the engine's tier walk. */
export const tierRules: readonly LintRule[] = [clusterDnsBlocked, subjectSelectsNothing, priorityTie, passWithoutNetworkPolicy, clusterRuleShadowed];
