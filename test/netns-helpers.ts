/**
 * Hosts made of network namespaces, for tests that need several machines: each host is a
 * namespace with one interface (a veth pair whose other end is on a bridge in a "switch"
 * namespace) and its own address. Everything is made by the test and removed by it; no traffic
 * leaves the namespaces. Needs root and `ip` (iproute2).
 */
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Whether this process may make network namespaces and program their proxies (root; `ip` and `iptables` answer). */
export const netnsUsable = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    execFileSync('iptables', ['-w', '-L', '-n'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `test.serial` where namespaces can be made; otherwise skipped, or failed with HELMSMAN_NETNS_TESTS=required (CI). */
export const netnsTest = netnsUsable ? test.serial : test.skip;
if (!netnsUsable) {
  if (process.env.HELMSMAN_NETNS_TESTS === 'required') test('network namespaces can be made (HELMSMAN_NETNS_TESTS=required)', (t) => t.fail('not root, or no iproute2 or iptables'));
  else process.stderr.write('network-namespace tests skipped: they need root, iproute2 and iptables\n');
}

/** Runs `ip ...args`. */
export async function ip(...args: string[]): Promise<void> {
  await exec('ip', args, { timeout: 10_000 });
}

/** A set of hosts on one switch; see the module comment. */
export class Hosts {
  private constructor(
    /** This set's prefix for namespace and interface names. */
    private readonly tag: string,
    /** Each host's namespace and address, by host name. */
    readonly hosts: Map<string, { ns: string; address: string; port: string }>,
  ) {}

  /** Makes a switch and one host per `addresses` entry (`{ cp: '10.123.0.1' }`) on a /24. */
  static async create(addresses: Record<string, string>): Promise<Hosts> {
    const tag = `hm${process.pid % 100_000}`;
    const hosts = new Map<string, { ns: string; address: string; port: string }>();
    const set = new Hosts(tag, hosts);
    try {
      await ip('netns', 'add', `${tag}-sw`);
      await ip('-n', `${tag}-sw`, 'link', 'add', 'br0', 'type', 'bridge');
      await ip('-n', `${tag}-sw`, 'link', 'set', 'br0', 'up');
      let i = 0;
      for (const [name, address] of Object.entries(addresses)) {
        const ns = `${tag}-${name}`;
        // The switch's end of the host's cable: short names (15 characters at most).
        const port = `${tag}p${i}`;
        const inner = `${tag}h${i++}`;
        hosts.set(name, { ns, address, port });
        await ip('netns', 'add', ns);
        await ip('link', 'add', inner, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', `${tag}-sw`);
        await ip('-n', ns, 'link', 'set', inner, 'name', 'eth0');
        await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
        await ip('-n', ns, 'link', 'set', 'eth0', 'up');
        await ip('-n', ns, 'link', 'set', 'lo', 'up');
        await ip('-n', `${tag}-sw`, 'link', 'set', port, 'master', 'br0');
        await ip('-n', `${tag}-sw`, 'link', 'set', port, 'up');
      }
      return set;
    } catch (err) {
      await set.remove();
      throw err;
    }
  }

  /** A host's namespace and address. */
  get(name: string): { ns: string; address: string } {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  /** The command prefix that runs a program on host `name`. */
  via(name: string): string[] {
    return ['ip', 'netns', 'exec', this.get(name).ns];
  }

  /** Runs a program on host `name`; resolves with its output. */
  async run(name: string, command: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', this.get(name).ns, command, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /** The processes running on host `name` whose command line holds `marker` (pids are not per namespace: pgrep would see every host's). */
  async processes(name: string, marker: string): Promise<number[]> {
    const { stdout } = await exec('ip', ['netns', 'pids', this.get(name).ns]);
    const found: number[] = [];
    for (const pid of stdout.split('\n').filter(Boolean).map(Number)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) found.push(pid);
      } catch {
        // ended meanwhile
      }
    }
    return found;
  }

  /** Brings host `name`'s cable down or up, at the switch. */
  async link(name: string, state: 'up' | 'down'): Promise<void> {
    await ip('-n', `${this.tag}-sw`, 'link', 'set', this.hosts.get(name)!.port, state);
  }

  /** Kills what runs in the namespaces and removes them (their interfaces go with them). */
  async remove(): Promise<void> {
    for (const ns of [...[...this.hosts.values()].map((h) => h.ns), `${this.tag}-sw`]) {
      const pids = await exec('ip', ['netns', 'pids', ns]).then((r) => r.stdout.split('\n').filter(Boolean).map(Number), () => []);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await ip('netns', 'del', ns).catch(() => {});
    }
  }
}
