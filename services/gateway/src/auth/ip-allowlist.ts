/**
 * Optional IP allowlist for Exotel-facing endpoints (`EXOTEL_IP_ALLOWLIST`: comma-separated
 * CIDRs or addresses, IPv4 or IPv6). Behind a proxy (`TRUST_PROXY=true`) the client address is
 * the last `X-Forwarded-For` entry, the one our own proxy appended; otherwise the socket peer.
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

export class IpAllowlist {
  private readonly list = new BlockList();
  readonly size: number;

  /** Throws on an entry that is not an address or CIDR (a config error must not open the gate). */
  constructor(spec: string) {
    const entries = spec
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address);
      if (family === 0) throw new Error(`EXOTEL_IP_ALLOWLIST: not an IP address or CIDR: ${entry}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) {
        this.list.addAddress(address, type);
        continue;
      }
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128))
        throw new Error(`EXOTEL_IP_ALLOWLIST: bad prefix length in ${entry}`);
      this.list.addSubnet(address, prefix, type);
    }
    this.size = entries.length;
  }

  allows(ip: string | null): boolean {
    if (!ip) return false;
    const family = isIP(ip);
    if (family === 0) return false;
    return this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** The client's address as far as we can trust it. */
export function clientIp(
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  trustProxy: boolean,
): string | null {
  if (trustProxy) {
    const header = headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const last = value
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .at(-1);
    if (last && isIP(last) !== 0) return last;
  }
  return remoteAddress ?? null;
}
