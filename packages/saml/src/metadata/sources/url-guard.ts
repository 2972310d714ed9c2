import { lookup as dnsLookup } from 'node:dns/promises';
import { connect as netConnect, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConfigError, fail } from '../../errors.js';
import { forbiddenRule, parseCidr, parseIp, inRange, type IpRange } from './ip-ranges.js';

/** Resolves a host name to every address it has (default: the system resolver, `dns.lookup` all). */
export type GuardLookup = (hostname: string) => Promise<readonly { readonly address: string; readonly family: number }[]>;
/** Opens the TCP connection to the address the guard judged (default: `net.connect`). */
export type GuardConnect = (target: { readonly address: string; readonly port: number }) => Duplex;

/**
 * The SSRF guard of a metadata URL that comes from an untrusted source (an admin typing it at run
 * time): https only, and no connection to loopback, private, link-local, unspecified, CGNAT,
 * multicast or cloud metadata addresses (IPv4-mapped IPv6 of those included), judged on the
 * resolved address, which is then the one connected to (pinned), at every hop and every refresh.
 */
export interface MetadataUrlGuardOptions {
  /** Deliberate exceptions: host names (exact, case-insensitive) and CIDRs / addresses (`10.1.2.0/24`, `::1`). */
  readonly allow?: readonly string[] | undefined;
  /** Injectable DNS (tests point a public-looking name at a private address). */
  readonly lookup?: GuardLookup | undefined;
  /** Injectable connect (tests route a public-looking address to a local server). */
  readonly connect?: GuardConnect | undefined;
}

/** A guard with its allow-list parsed, as the download uses it. */
export interface MetadataUrlGuard {
  readonly allowHosts: ReadonlySet<string>;
  readonly allowRanges: readonly IpRange[];
  readonly lookup: GuardLookup;
  readonly connect: GuardConnect;
}

/** Largest document a guarded source accepts by default: one IdP's metadata, not an aggregate. */
export const GUARDED_METADATA_MAX_BYTES = 1024 * 1024;

const systemLookup: GuardLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });
const systemConnect: GuardConnect = ({ address, port }) => netConnect({ host: address, port });

/** Parses the allow-list; a bad entry is a ConfigError at `path`. */
export function createMetadataUrlGuard(options: MetadataUrlGuardOptions, path: string): MetadataUrlGuard {
  const allowHosts = new Set<string>();
  const allowRanges: IpRange[] = [];
  (options.allow ?? []).forEach((entry, i) => {
    if (typeof entry !== 'string' || entry === '') throw new ConfigError(`${path}[${i}]`, 'expected a host name or a CIDR');
    const cidr = parseCidr(entry);
    if (cidr) allowRanges.push(cidr);
    else if (entry.includes('/') || !/^[a-z0-9.-]+$/i.test(entry)) throw new ConfigError(`${path}[${i}]`, 'expected a host name or a CIDR');
    else allowHosts.add(entry.toLowerCase());
  });
  return { allowHosts, allowRanges, lookup: options.lookup ?? systemLookup, connect: options.connect ?? systemConnect };
}

/**
 * The one address this hop connects to: the URL's literal, or the first address the name resolves
 * to, once. Throws METADATA_URL_FORBIDDEN for plain http and when any address is forbidden (a name
 * with one private record among public ones is refused, not raced).
 */
export async function resolveGuarded(url: URL, guard: MetadataUrlGuard): Promise<{ address: string; servername: string | undefined }> {
  if (url.protocol !== 'https:') fail('METADATA_URL_FORBIDDEN', `${url.protocol} refused: a guarded metadata URL must be https`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(host) !== 0;
  const hostAllowed = !literal && guard.allowHosts.has(host.toLowerCase());
  const addresses = literal ? [host] : (await guard.lookup(host)).map((a) => a.address);
  if (addresses.length === 0) fail('METADATA_UNAVAILABLE', `${host} has no address`);
  for (const address of addresses) {
    const bytes = parseIp(address);
    if (!bytes) fail('METADATA_URL_FORBIDDEN', `${host} resolved to ${address}, not an IP address`);
    if (hostAllowed || guard.allowRanges.some((r) => inRange(bytes, r))) continue;
    const rule = forbiddenRule(bytes);
    if (rule) fail('METADATA_URL_FORBIDDEN', literal ? `${address} is ${rule}` : `${host} resolved to ${address}: ${rule}`);
  }
  // Checked above: at least one address.
  return { address: addresses[0] as string, servername: literal ? undefined : host };
}
