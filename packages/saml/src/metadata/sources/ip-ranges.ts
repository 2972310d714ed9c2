import { isIP } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

/** A CIDR block with the rule that forbids it (or the allow-list entry it came from). */
export interface IpRange {
  readonly bytes: IpBytes;
  readonly prefix: number;
  readonly label: string;
}

/** The bytes of an IPv4 or IPv6 literal (no brackets, no zone), or undefined. */
export function parseIp(text: string): IpBytes | undefined {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.').map(Number));
  if (family !== 6) return undefined;
  let tail: number[] = [];
  let head = text;
  // An embedded dotted IPv4 tail (::ffff:10.0.0.1) counts as the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = text.slice(lastColon + 1).split('.').map(Number);
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** `10.0.0.0/8`, `fc00::/7` or a bare address (a /32 or /128). */
export function parseCidr(text: string, label = text): IpRange | undefined {
  const [address = '', prefixText] = text.split('/');
  const bytes = parseIp(address);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return undefined;
  return { bytes, prefix, label };
}

export function inRange(address: IpBytes, range: IpRange): boolean {
  if (address.length !== range.bytes.length) return false;
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const bits = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((address[bit / 8] ?? 0) & mask) !== ((range.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

const range = (cidr: string, label: string): IpRange => {
  const parsed = parseCidr(cidr, `${label} (${cidr})`);
  // The table below is ours and well-formed; a typo fails every test at import.
  if (!parsed) throw new Error(`bad built-in range ${cidr}`);
  return parsed;
};

/**
 * Addresses a metadata URL from an untrusted source may not reach: everything that is not public
 * unicast. Cloud metadata services come first so the reason names them (RFC 6890 registries).
 */
const FORBIDDEN: readonly IpRange[] = [
  range('169.254.169.254/32', 'cloud metadata service'),
  range('169.254.170.2/32', 'cloud metadata service'),
  range('100.100.100.200/32', 'cloud metadata service'),
  range('fd00:ec2::254/128', 'cloud metadata service'),
  range('0.0.0.0/8', 'unspecified / this network'),
  range('10.0.0.0/8', 'private (RFC 1918)'),
  range('100.64.0.0/10', 'shared address space (CGNAT, RFC 6598)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private (RFC 1918)'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.168.0.0/16', 'private (RFC 1918)'),
  range('198.18.0.0/15', 'benchmarking'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('100::/64', 'discard-only'),
  range('fc00::/7', 'unique local (private)'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

/** Prefixes whose last 32 bits are an IPv4 address reached through them. */
const EMBEDDING_V4: readonly IpRange[] = [range('::ffff:0:0/96', 'IPv4-mapped'), range('64:ff9b::/96', 'NAT64'), range('::/96', 'IPv4-compatible')];

/** Why `address` may not be fetched from (the rule), or undefined when it is public. */
export function forbiddenRule(address: IpBytes): string | undefined {
  if (address.length === 16) {
    const embedding = EMBEDDING_V4.find((r) => inRange(address, r));
    // ::1 and :: sit inside ::/96 but are IPv6 addresses of their own.
    if (embedding && !(embedding.label.startsWith('IPv4-compatible') && address.subarray(12).every((b, i) => b === 0 || (i === 3 && b === 1)))) {
      const rule = forbiddenRule(address.subarray(12));
      if (rule) return `${embedding.label} ${rule}`;
    }
  }
  return FORBIDDEN.find((r) => inRange(address, r))?.label;
}
