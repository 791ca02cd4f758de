/**
 * What a minion's service proxy serves: for every service (`namespace/name`), the port it is
 * served at on the minion's address and the endpoints behind it. The proxy actor keeps it from its
 * informers; a backend (the user-space relay or the kernel's NAT rules) makes it real.
 */

/** One endpoint of a service. */
export interface Endpoint {
  ip: string;
  port: number;
}

/** One service as a proxy serves it. */
export interface ServiceRoute {
  port: number;
  endpoints: readonly Endpoint[];
}

/** Every service a proxy serves, by `namespace/name`. */
export type ServiceTable = ReadonlyMap<string, ServiceRoute>;

/** The table, with round-robin positions: which endpoint the next connection to a service goes to. */
export class RoundRobin {
  /** The services served now. */
  readonly table = new Map<string, ServiceRoute>();
  private readonly next = new Map<string, number>();

  /** Sets (or, with `undefined`, removes) one service's route. */
  set(key: string, route: ServiceRoute | undefined): void {
    if (route) this.table.set(key, route);
    else {
      this.table.delete(key);
      this.next.delete(key);
    }
  }

  /** The next endpoint of a service, or null when it has none. */
  pick(key: string): Endpoint | null {
    const eps = this.table.get(key)?.endpoints ?? [];
    if (eps.length === 0) return null;
    const i = (this.next.get(key) ?? 0) % eps.length;
    this.next.set(key, i + 1);
    return eps[i]!;
  }
}

/** How a minion's proxy serves services: no listening at all (simulated runtime), a relay, or NAT rules. */
export type ProxyMode = 'none' | 'userspace' | 'iptables';

/** A way of serving a table; `sync` is level-triggered: it is given the whole table each time. */
export interface ProxyBackend {
  /** Serves `table` from now on (connections already established are left alone). */
  sync(table: ServiceTable): void;
  /** Stops serving and removes everything it set up. */
  close(): Promise<void>;
}
