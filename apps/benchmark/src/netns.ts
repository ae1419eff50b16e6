/**
 * Two "machines" for the distributed suite: two Linux network namespaces
 * joined by a veth pair, each end with its own address, and a token bucket
 * (`tc qdisc ... tbf`) limiting each end's egress to a rate, so that Gloo's
 * traffic crosses a link of that speed in both directions. (`tc ... netem`,
 * which the issue named, is not available in every kernel; tbf is.)
 * Needs root (CAP_NET_ADMIN), `ip` and `tc`; `create` says why not otherwise.
 */
import { spawnSync } from 'node:child_process';

export interface NamespacePair {
  /** The namespaces of rank 0 and rank 1. */
  names: [string, string];
  /** Each rank's interface (its veth end): GLOO_SOCKET_IFNAME. */
  links: [string, string];
  /** Each rank's address; rank 0's is MASTER_ADDR. */
  addresses: [string, string];
  /** The tbf rate on each end ('10gbit', '1gbit'), or null for none. */
  rate: string | null;
  /** The qdisc as `tc qdisc show` reports it on rank 0's end. */
  qdisc: string;
  remove(): void;
}

/** Runs `command args`; the error text when it fails. */
function run(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error != null) return `${command}: ${result.error.message}`;
  return result.status === 0 ? null : `${command} ${args.join(' ')}: ${result.stderr.trim()}`;
}

/** tc's rate as bytes per second ('10gbit' = 1.25e9). */
export function rateBytesPerSecond(rate: string): number {
  const match = /^(\d+(?:\.\d+)?)(k|m|g)?bit$/i.exec(rate);
  if (match == null) throw new Error(`a tbf rate like 10gbit or 500mbit, got '${rate}'`);
  const unit = { k: 1e3, m: 1e6, g: 1e9 }[(match[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return (Number(match[1]) * unit) / 8;
}

/**
 * Creates the pair (rate null: no limit) or returns why it cannot. The
 * bucket holds 10 ms of the rate (at least 64 KiB): the kernel refills it per
 * timer tick, and a bucket smaller than a tick's worth caps the rate below
 * the one asked for.
 */
export function createNamespacePair(tag: string, rate: string | null): NamespacePair | string {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  const id = process.pid % 100_000;
  const names: [string, string] = [`tjb${id}${tag}a`, `tjb${id}${tag}b`];
  // interface names are at most 15 characters
  const links: [string, string] = [`tjb${id}${tag}a`.slice(0, 15), `tjb${id}${tag}b`.slice(0, 15)];
  const subnet = `10.234.${id % 250}`; // one pair at a time
  const addresses: [string, string] = [`${subnet}.1`, `${subnet}.2`];
  const remove = () => {
    process.off('exit', remove);
    // deleting a namespace deletes the veth end inside it, and with it its peer
    for (const ns of names) run('ip', ['netns', 'del', ns]);
  };
  // a suite that throws past its finally, or exits, still leaves no namespaces behind
  process.on('exit', remove);
  const steps: [string, string[]][] = [
    ['ip', ['netns', 'add', names[0]]],
    ['ip', ['netns', 'add', names[1]]],
    ['ip', ['link', 'add', links[0], 'type', 'veth', 'peer', 'name', links[1]]],
    ...[0, 1].flatMap((i): [string, string[]][] => [
      ['ip', ['link', 'set', links[i], 'netns', names[i]]],
      ['ip', ['-n', names[i], 'addr', 'add', `${addresses[i]}/24`, 'dev', links[i]]],
      ['ip', ['-n', names[i], 'link', 'set', links[i], 'up']],
      ['ip', ['-n', names[i], 'link', 'set', 'lo', 'up']],
    ]),
  ];
  if (rate != null) {
    const burst = Math.max(65_536, Math.round(rateBytesPerSecond(rate) / 100));
    for (const i of [0, 1]) steps.push(['tc', ['-n', names[i], 'qdisc', 'add', 'dev', links[i], 'root', 'tbf', 'rate', rate, 'burst', String(burst), 'latency', '50ms']]);
  }
  for (const [command, args] of steps) {
    const error = run(command, args);
    if (error != null) {
      remove();
      run('ip', ['link', 'del', links[0]]);
      return `${error} (two network namespaces need root or CAP_NET_ADMIN, veth support${rate == null ? '' : ' and the tbf qdisc'})`;
    }
  }
  const shown = spawnSync('tc', ['-n', names[0], 'qdisc', 'show', 'dev', links[0]], { encoding: 'utf8' });
  return { names, links, addresses, rate, qdisc: (shown.stdout ?? '').trim().split('\n')[0] ?? '', remove };
}
