import { execFileSync } from 'node:child_process';

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Lab and nft tests need root, `ip` and `nft`. They are never skipped: a machine without them fails loudly,
 * naming what is missing, so CI cannot pass by not testing.
 */
export function requirePrivileges(): void {
  const missing: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('root');
  if (!has('ip')) missing.push('ip (iproute2)');
  if (!has('nft')) missing.push('nft (nftables)');
  if (missing.length) throw new Error(`dataplane tests need ${missing.join(', ')}; install them or run as root`);
}
