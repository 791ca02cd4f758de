/**
 * IPv4 CIDR blocks, as the node IPAM controller hands them out (`--cluster-cidr`, one
 * `--node-cidr-mask-size` block per node) and as minions allocate their pods' addresses from them.
 */
import { isIPv4 } from 'node:net';

/** An IPv4 block: its first address as a number and its prefix length. */
export interface Cidr {
  readonly base: number;
  readonly bits: number;
}

/** The number of `a.b.c.d`. */
export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** `a.b.c.d` of a number. */
export function numberToIp(n: number): string {
  return `${Math.floor(n / 2 ** 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses `10.244.0.0/16`; undefined when it is not an IPv4 CIDR whose address is the block's first. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = text.slice(0, slash);
  const prefix = text.slice(slash + 1);
  if (!isIPv4(ip) || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32) return undefined;
  const bits = Number(prefix);
  const base = ipToNumber(ip);
  return base % 2 ** (32 - bits) === 0 ? { base, bits } : undefined;
}

/**
 * The cluster CIDR and per-node prefix length the node IPAM controller hands out blocks by
 * (`--cluster-cidr`, `--node-cidr-mask-size`); throws, naming the option, when they do not fit.
 */
export function parseClusterCidr(clusterCIDR: string, mask: number): Cidr {
  const cidr = parseCidr(clusterCIDR);
  if (!cidr) throw new TypeError(`clusterCIDR must be an IPv4 CIDR such as 10.244.0.0/16 (got ${String(clusterCIDR)})`);
  if (!(Number.isInteger(mask) && mask >= cidr.bits && mask <= 30)) throw new RangeError(`nodeCidrMaskSize must be an integer from ${cidr.bits} (the cluster CIDR's) to 30 (got ${String(mask)})`);
  return cidr;
}

/** `10.244.3.0/24`. */
export function formatCidr(cidr: Cidr): string {
  return `${numberToIp(cidr.base)}/${cidr.bits}`;
}

/** The addresses in a block. */
export function sizeOf(cidr: Cidr): number {
  return 2 ** (32 - cidr.bits);
}

/** Whether `ip` lies in the block. */
export function cidrContains(cidr: Cidr, ip: string): boolean {
  if (!isIPv4(ip)) return false;
  const n = ipToNumber(ip);
  return n >= cidr.base && n < cidr.base + sizeOf(cidr);
}

/** Block number `index` of prefix length `bits` inside `cidr` (`10.244.0.0/16`, 24, 3 → `10.244.3.0/24`). */
export function subnetOf(cidr: Cidr, bits: number, index: number): Cidr {
  return { base: cidr.base + index * 2 ** (32 - bits), bits };
}
