/*
 * The Redis key layout and the scripts that make compare-and-act single round trips.
 *
 *   <prefix>:{<namespace>}:v:<key>       a value (string, JSON), PX = its TTL
 *   <prefix>:{<namespace>}:i:<key>       an index (set of members), PEXPIRE = its lifetime
 *   <prefix>:{<namespace>}:l:<key>       a lease (string, the holder's token), PX = its TTL
 *   <prefix>:{<namespace>}:c:<channel>   a pub/sub channel (not a key)
 *
 * Neither the prefix nor the namespace contains a brace (both are checked identifiers),
 * so the first `{...}` is always the namespace: Redis Cluster hashes only that hash tag, and a
 * whole namespace lives in one slot. Every operation touches one key, so the layout works on a
 * cluster as it is; the tag keeps one namespace's keys together for operators (SCAN, memory) and
 * for any later operation that needs two of them in one script.
 */

export function valueKey(prefix: string, ns: string, key: string): string {
  return `${prefix}:{${ns}}:v:${key}`;
}

export function indexKey(prefix: string, ns: string, key: string): string {
  return `${prefix}:{${ns}}:i:${key}`;
}

export function leaseKey(prefix: string, ns: string, key: string): string {
  return `${prefix}:{${ns}}:l:${key}`;
}

export function channelName(prefix: string, ns: string, channel: string): string {
  return `${prefix}:{${ns}}:c:${channel}`;
}

/** SADD, then make the set live at least ARGV[2] ms from now (PTTL is -1 for a set just created). */
export const INDEX_ADD = `redis.call('SADD', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

/** DEL only if the lease still names this holder (a lease taken over by another is not ours to free). */
export const LEASE_RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** PEXPIRE only if the lease still names this holder; an expired lease is gone and stays lost. */
export const LEASE_RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
