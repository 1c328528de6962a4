import { describeTierStep, tierDecision, tierPolicies, type Cluster, type Direction, type Endpoint, type TierStep } from '@kordon/engine';
import { endKey, type End, type Need } from './required.js';

/**
 * Which sides of the asked connections the Admin tier decides in the input. Admin is walked before any NetworkPolicy, so
 * a NetworkPolicy rule cannot change what it accepts or denies: generate writes no rule for such a side, and says so.
 * The walk is the engine's own (`tierDecision`), never re-derived here.
 */
export class AdminSides {
  private readonly any: boolean;
  private readonly accepted: string[] = [];
  private readonly deniedAllow: string[] = [];
  private readonly acceptedDeny: string[] = [];
  constructor(private readonly cluster: Cluster) {
    this.any = tierPolicies(cluster).admin.length > 0;
  }

  /** The Admin step deciding this side (accept or deny), or undefined when Admin leaves it to NetworkPolicy. */
  decision(n: Pick<Need, 'src' | 'dst' | 'port' | 'protocol'>, direction: Direction): TierStep | undefined {
    if (!this.any) return undefined;
    const local = direction === 'ingress' ? n.dst : n.src;
    const remote = direction === 'ingress' ? n.src : n.dst;
    if (local.kind !== 'pod' || local.pod.hostNetwork) return undefined;
    const step = tierDecision(this.cluster, { tier: 'Admin', direction, local: local.pod, remote: endpoint(remote), port: n.port, protocol: n.protocol });
    return step.outcome === 'accept' || step.outcome === 'deny' ? step : undefined;
  }

  /** Whether generate leaves this side of an asked connection to the Admin tier (recording why). */
  decidesAllow(n: Need, direction: Direction): boolean {
    const step = this.decision(n, direction);
    if (!step) return false;
    const what = `${endKey(n.src)} -> ${endKey(n.dst)} ${n.port}/${n.protocol} ${direction}: ${describeTierStep(step)}`;
    (step.outcome === 'accept' ? this.accepted : this.deniedAllow).push(what);
    return true;
  }

  /** Records the connections that must stay denied where the Admin tier accepts every side a policy could close. */
  checkDenied(needs: readonly Need[]): void {
    for (const n of needs) {
      const sides = (['egress', 'ingress'] as const).filter((d) => (d === 'egress' ? n.src : n.dst).kind === 'pod');
      const steps = sides.map((d) => this.decision(n, d));
      if (sides.length === 0 || !steps.every((s) => s?.outcome === 'accept')) continue;
      this.acceptedDeny.push(`${endKey(n.src)} -> ${endKey(n.dst)} ${n.port}/${n.protocol}: ${steps.map((s) => describeTierStep(s!)).join(', ')}`);
    }
  }

  notes(): string[] {
    const out: string[] = [];
    const eg = (xs: readonly string[]) => `${xs.slice(0, 3).join('; ')}${xs.length > 3 ? `; and ${xs.length - 3} more` : ''}`;
    if (this.accepted.length > 0) {
      out.push(`the Admin tier accepts ${this.accepted.length} asked ${this.accepted.length === 1 ? 'connection' : 'connections'} on one side before any NetworkPolicy is consulted, so no rule is written for that side (a NetworkPolicy cannot change it): ${eg(this.accepted)}`);
    }
    if (this.deniedAllow.length > 0) {
      out.push(`the Admin tier denies ${this.deniedAllow.length} asked ${this.deniedAllow.length === 1 ? 'connection' : 'connections'} before any NetworkPolicy is consulted: no NetworkPolicy can allow ${this.deniedAllow.length === 1 ? 'it' : 'them'}, change the cluster policy: ${eg(this.deniedAllow)}`);
    }
    if (this.acceptedDeny.length > 0) {
      out.push(`the Admin tier accepts ${this.acceptedDeny.length} ${this.acceptedDeny.length === 1 ? 'connection' : 'connections'} that must stay denied, on every side a policy could close, before any NetworkPolicy is consulted: no NetworkPolicy can deny ${this.acceptedDeny.length === 1 ? 'it' : 'them'}, change the cluster policy: ${eg(this.acceptedDeny)}`);
    }
    return out;
  }
}

const endpoint = (e: End): Endpoint => (e.kind === 'pod' ? { kind: 'pod', pod: e.pod } : { kind: 'ip', ip: e.ip });
