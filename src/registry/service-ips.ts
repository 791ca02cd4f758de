/**
 * The services' cluster-IP range as one stored object, as kube-apiserver's
 * `/registry/ranges/serviceips`: a bitmap of the addresses in use. Every control plane allocates by
 * compare-and-swap on it, so two services created at the same moment through two control planes
 * never get the same address.
 */

/** Where the allocation lives in the store. */
export const SERVICE_IPS_KEY = '/registry/ranges/serviceips';

/** The range (2014's portal net). */
export const SERVICE_CIDR = '10.0.0.0/16';

/** Addresses in the range: 10.0.0.1 to 10.0.255.254. */
const SIZE = 65_534;

/** The address of slot `n` (1-based). */
function ipOf(n: number): string {
  return `10.0.${n >> 8}.${n & 255}`;
}

/** The slot of `ip`, or 0 when it is not in the range. */
function slotOf(ip: string): number {
  const m = /^10\.0\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return 0;
  const n = (Number(m[1]) << 8) + Number(m[2]);
  return Number(m[1]) <= 255 && Number(m[2]) <= 255 && n >= 1 && n <= SIZE ? n : 0;
}

/** An immutable allocation bitmap; changes return a new one. */
export class ServiceIPRange {
  private constructor(private readonly bits: Uint8Array) {}

  /** A range with `ips` allocated. */
  static of(ips: Iterable<string>): ServiceIPRange {
    const bits = new Uint8Array((SIZE >> 3) + 1);
    for (const ip of ips) {
      const n = slotOf(ip);
      if (n) bits[n >> 3]! |= 1 << (n & 7);
    }
    return new ServiceIPRange(bits);
  }

  /** A stored allocation (`encode`'s output). */
  static decode(value: string): ServiceIPRange {
    const doc = JSON.parse(value) as { data: string };
    const bits = new Uint8Array((SIZE >> 3) + 1);
    bits.set(Buffer.from(doc.data, 'base64').subarray(0, bits.length));
    return new ServiceIPRange(bits);
  }

  /** The stored form: a RangeAllocation, its bitmap in base64. */
  encode(): string {
    return JSON.stringify({ kind: 'RangeAllocation', apiVersion: 'v1', range: SERVICE_CIDR, data: Buffer.from(this.bits).toString('base64') });
  }

  /** Whether `ip` is one this range hands out. */
  static contains(ip: string): boolean {
    return slotOf(ip) !== 0;
  }

  has(ip: string): boolean {
    const n = slotOf(ip);
    return n !== 0 && (this.bits[n >> 3]! & (1 << (n & 7))) !== 0;
  }

  /** The range with `ip` allocated. */
  with(ip: string): ServiceIPRange {
    return this.change(ip, true);
  }

  /** The range with `ip` free again. */
  without(ip: string): ServiceIPRange {
    return this.change(ip, false);
  }

  /** The first free address at or after slot `from` (wrapping), or '' when none is left. */
  firstFree(from: number): string {
    for (let i = 0; i < SIZE; i++) {
      const n = ((from - 1 + i) % SIZE) + 1;
      if ((this.bits[n >> 3]! & (1 << (n & 7))) === 0) return ipOf(n);
    }
    return '';
  }

  /** The slot after `ip`, where the next search may start. */
  static after(ip: string): number {
    return (slotOf(ip) % SIZE) + 1;
  }

  private change(ip: string, on: boolean): ServiceIPRange {
    const n = slotOf(ip);
    if (!n) return this;
    const bits = this.bits.slice();
    if (on) bits[n >> 3]! |= 1 << (n & 7);
    else bits[n >> 3]! &= ~(1 << (n & 7));
    return new ServiceIPRange(bits);
  }
}
