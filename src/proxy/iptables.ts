/**
 * The kernel proxy (kube-proxy's iptables mode, its default since Kubernetes 1.2): each minion's
 * proxy owns one chain of NAT rules that rewrites new connections to `minion address:service port`
 * into connections to an endpoint, round-robin (`statistic --mode nth`), so no byte passes through
 * helmsman. Connections from this host (OUTPUT) and from other hosts (PREROUTING) are rewritten;
 * those from other hosts that go on to a pod elsewhere are masqueraded (a second chain, in
 * POSTROUTING), so the answer comes back the way the question went, as kube-proxy's masquerade
 * mark does. Needs root and `iptables`; where that is missing, `auto` picks the user-space relay.
 *
 * Rules are written with `iptables-restore --noflush` (the whole chain at once, atomically) from
 * numbers and addresses only; no shell is involved. A chain is named after the process that owns it
 * (`HM<pid>-<hash>`), so chains left by a process that died are removed by the next one.
 */
import { execFile } from 'node:child_process';
import { isIPv4 } from 'node:net';
import { promisify } from 'node:util';
import { hashName } from '../kernel/index.js';
import type { ProxyBackend, ServiceTable } from './table.js';

const exec = promisify(execFile);

/** Runs `iptables` with arguments (`-w`: wait for the xtables lock). */
function iptables(...args: string[]): Promise<{ stdout: string }> {
  return exec('iptables', ['-w', '5', ...args], { timeout: 30_000 });
}

/** Feeds rules to `iptables-restore --noflush`. */
function restore(rules: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('iptables-restore', ['-w', '5', '--noflush'], { timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`iptables-restore: ${stderr.trim() || err.message}`)) : resolve(),
    );
    child.stdin!.end(rules);
  });
}

let usable: Promise<boolean> | undefined;

/** Whether this process may write NAT rules (root, and `iptables` answers); asked once. */
export function iptablesUsable(): Promise<boolean> {
  usable ??= process.getuid?.() !== 0
    ? Promise.resolve(false)
    : iptables('-t', 'nat', '-S', 'OUTPUT').then(
        () => removeStaleChains().then(() => true),
        () => false,
      );
  return usable;
}

const CHAIN = /^HMM?(\d+)-[0-9a-f]{8}$/;
/** The built-in chains helmsman's chains are jumped to from. */
const HOOKS = new Set(['OUTPUT', 'PREROUTING', 'POSTROUTING']);

/** Removes the chains (and their jumps) of helmsman processes that are no longer running (done once by `iptablesUsable`). */
export async function removeStaleChains(): Promise<void> {
  const { stdout } = await iptables('-t', 'nat', '-S');
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const stale = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /^-N (\S+)$/.exec(line)?.[1]?.match(CHAIN);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) stale.add(m[0]);
  }
  if (stale.size === 0) return;
  for (const line of stdout.split('\n')) {
    const words = line.split(' ');
    if (words[0] === '-A' && HOOKS.has(words[1]!) && stale.has(words.at(-1)!)) await iptables('-t', 'nat', '-D', ...words.slice(1)).catch(() => {});
  }
  for (const chain of stale) {
    await iptables('-t', 'nat', '-F', chain).catch(() => {});
    await iptables('-t', 'nat', '-X', chain).catch(() => {});
  }
}

/**
 * The NAT rules of one chain: per service, one rule per endpoint; rule i of n takes every
 * (n − i)th new connection that reaches it, so connections go round-robin.
 */
export function natRules(chain: string, address: string, table: ServiceTable): string[] {
  const rules: string[] = [];
  for (const [key, route] of [...table].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const eps = route.endpoints.filter((e) => isIPv4(e.ip) && Number.isInteger(e.port) && e.port > 0 && e.port < 65_536);
    if (!Number.isInteger(route.port) || route.port <= 0 || route.port >= 65_536) continue;
    eps.forEach((e, i) => {
      const nth = i < eps.length - 1 ? ['-m', 'statistic', '--mode', 'nth', '--every', String(eps.length - i), '--packet', '0'] : [];
      rules.push(['-A', chain, '-d', `${address}/32`, '-p', 'tcp', '-m', 'tcp', '--dport', String(route.port), '-m', 'comment', '--comment', `"${key}"`, ...nth, '-j', 'DNAT', '--to-destination', `${e.ip}:${e.port}`].join(' '));
    });
  }
  return rules;
}

/** The NAT rules of one minion's proxy. */
export class IptablesProxy implements ProxyBackend {
  /** The chain this proxy owns. */
  readonly chain: string;
  /** Its masquerade chain. */
  readonly masqueradeChain: string;
  /** The rules that send connections to its chains: from this host, from others, and on their way out. */
  private readonly jumps: string[][];
  private pending: ServiceTable | undefined;
  private running: Promise<void> | undefined;
  private jumped = false;
  private closed = false;

  /**
   * @param address the minion's address (an IPv4 address)
   * @param owner names the owner in the chain's hash (the minion's name)
   * @param onError told when rules could not be written
   */
  constructor(
    private readonly address: string,
    owner: string,
    private readonly onError: (message: string) => void,
  ) {
    if (!isIPv4(address)) throw new TypeError(`iptables proxy: "${address}" is not an IPv4 address`);
    const hash = hashName(`${owner}@${address}`).toString(16).padStart(8, '0');
    this.chain = `HM${process.pid}-${hash}`;
    this.masqueradeChain = `HMM${process.pid}-${hash}`;
    this.jumps = [
      ['OUTPUT', '-d', `${address}/32`, '-p', 'tcp', '-j', this.chain],
      ['PREROUTING', '-d', `${address}/32`, '-p', 'tcp', '-j', this.chain],
      ['POSTROUTING', '-j', this.masqueradeChain],
    ];
  }

  sync(table: ServiceTable): void {
    if (this.closed) return;
    this.pending = table;
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending = undefined;
    await this.running;
    for (const jump of this.jumps) while (await iptables('-t', 'nat', '-D', ...jump).then(() => true, () => false));
    for (const chain of [this.chain, this.masqueradeChain]) {
      await iptables('-t', 'nat', '-F', chain).catch(() => {});
      await iptables('-t', 'nat', '-X', chain).catch(() => {});
    }
  }

  /** Writes the latest table until no newer one is waiting (one iptables-restore at a time). */
  private async drain(): Promise<void> {
    while (this.pending && !this.closed) {
      const table = this.pending;
      this.pending = undefined;
      try {
        if (!this.jumped) this.jumped = (await Promise.all(this.jumps.map((jump) => iptables('-t', 'nat', '-C', ...jump).then(() => true, () => false)))).every(Boolean);
        const lines = [
          '*nat',
          `:${this.chain} - [0:0]`,
          `:${this.masqueradeChain} - [0:0]`,
          ...natRules(this.chain, this.address, table),
          // What came from elsewhere for this address and was sent on to another host leaves as from this one.
          `-A ${this.masqueradeChain} -m conntrack --ctstate DNAT --ctorigdst ${this.address}/32 ! -o lo -j MASQUERADE`,
        ];
        if (!this.jumped) for (const jump of this.jumps) lines.push(['-I', ...jump].join(' '));
        await restore([...lines, 'COMMIT', ''].join('\n'));
        this.jumped = true;
      } catch (err) {
        this.onError(`NAT rules for ${this.address}: ${(err as Error).message}`);
      }
    }
  }
}
