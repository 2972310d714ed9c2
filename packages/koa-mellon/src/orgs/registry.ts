import { MAX_TTL_MS, type StateNamespace, type StateStore } from '@koa-mellon/web';
import type { OrganizationSettings } from './types.js';
import { validateRunTimeOrganization } from './validate.js';

const CHANGED = 'changed';
const SLUGS = 'slugs';
const key = (slug: string) => `org:${slug}`;
const domainKey = (domain: string) => `domain:${domain}`;
const domainsOf = (org: OrganizationSettings | undefined): readonly string[] => org?.emailDomains ?? [];

/**
 * Organizations kept in the state store (memory, Redis, PostgreSQL), editable while the app runs.
 * Every change is published on the store's pub/sub, so every instance's `createMellonOrganizations`
 * drops its copy of that organization within a second and reloads it at its next request.
 */
export interface OrganizationRegistry {
  /** Adds an organization; false when the slug is taken (on any instance). */
  create(org: OrganizationSettings): Promise<boolean>;
  get(slug: string): Promise<OrganizationSettings | undefined>;
  /** Replaces an existing organization's settings; false when there is none under its slug. */
  update(org: OrganizationSettings): Promise<boolean>;
  /** Sets `enabled: false`; false when there is no such organization. */
  disable(slug: string): Promise<boolean>;
  delete(slug: string): Promise<void>;
  list(): Promise<OrganizationSettings[]>;
  /**
   * The organizations (enabled or not) whose `emailDomains` include `domain`, sorted by slug: one
   * index read and one read per match, however many organizations the registry holds.
   */
  findByEmailDomain(domain: string): Promise<OrganizationSettings[]>;
  /**
   * Rebuilds the e-mail domain index from the stored organizations: adds every domain of every
   * organization, so that organizations stored before the index existed (or left out by a failure
   * between a write and its index update) are found by `findByEmailDomain`. Safe to run on a live
   * registry and on several instances at once: it only adds, and lookups read each match back.
   * One organization at a time (bounded memory and store load, however many there are).
   * @example
   * const { organizations, domains } = await registry.reindex();   // once, after upgrading
   */
  reindex(): Promise<ReindexResult>;
  /** Calls `handler` with the slug of every change, made on any instance. Resolves to the unsubscribe. */
  onChange(handler: (slug: string) => void): Promise<() => Promise<void>>;
}

/** What `reindex` did: organizations read, and domain entries written (an existing entry counts too). */
export interface ReindexResult {
  readonly organizations: number;
  readonly domains: number;
}

/**
 * @example
 * const store = createRedisStore({ url: 'redis://127.0.0.1:6379' });
 * const registry = createOrganizationRegistry(store);
 * await registry.create({ slug: 'acme', name: 'Acme Inc.', metadataUrl: 'https://idp.acme.example/metadata' });
 * const orgs = createMellonOrganizations({ ...settings, store, organizations: [], registry });
 *
 * Each call validates the organization as the settings are validated (a `ConfigError` naming the key,
 * under the path `organization`), and refuses `metadataPath` (a file on the server) and the SSRF guard keys: a registry
 * organization's `metadataUrl` is always fetched through `metadataUrlGuard`.
 */
export function createOrganizationRegistry(store: StateStore): OrganizationRegistry {
  const ns: StateNamespace = store.namespace('organizations');
  const changed = (slug: string) => ns.publish(CHANGED, slug);
  const get = (slug: string) => ns.get<OrganizationSettings>(key(slug));
  // The domain -> slugs index. Adds follow the write; a removal is checked against the stored
  // organization afterwards and undone if a concurrent write (another instance) put the domain
  // back, so a domain an organization has is never missing. Lookups read each match back, so a
  // member left over by a failure in between is filtered out, never served.
  const indexDomains = async (slug: string, before: readonly string[], after: readonly string[]) => {
    for (const domain of after) await ns.indexAdd(domainKey(domain), slug, MAX_TTL_MS);
    const dropped = before.filter((domain) => !after.includes(domain));
    for (const domain of dropped) await ns.indexRemove(domainKey(domain), slug);
    if (dropped.length === 0) return;
    const now = domainsOf(await get(slug));
    for (const domain of dropped) if (now.includes(domain)) await ns.indexAdd(domainKey(domain), slug, MAX_TTL_MS);
  };
  const replace = async (org: OrganizationSettings): Promise<boolean> => {
    validateRunTimeOrganization(org, 'organization');
    const before = await get(org.slug);
    if (!before) return false;
    await ns.set(key(org.slug), org, MAX_TTL_MS);
    await indexDomains(org.slug, domainsOf(before), domainsOf(org));
    await changed(org.slug);
    return true;
  };
  return {
    async create(org) {
      validateRunTimeOrganization(org, 'organization');
      if (!(await ns.setIfAbsent(key(org.slug), org, MAX_TTL_MS))) return false;
      await ns.indexAdd(SLUGS, org.slug, MAX_TTL_MS);
      await indexDomains(org.slug, [], domainsOf(org));
      await changed(org.slug);
      return true;
    },
    get,
    update: replace,
    async disable(slug) {
      const org = await get(slug);
      return org ? replace({ ...org, enabled: false }) : false;
    },
    async delete(slug) {
      const before = await get(slug);
      await ns.delete(key(slug));
      await ns.indexRemove(SLUGS, slug);
      await indexDomains(slug, domainsOf(before), []);
      await changed(slug);
    },
    async list() {
      const orgs = await Promise.all((await ns.indexMembers(SLUGS)).sort().map(get));
      return orgs.filter((org): org is OrganizationSettings => org !== undefined);
    },
    async findByEmailDomain(domain) {
      const slugs = (await ns.indexMembers(domainKey(domain))).sort();
      const orgs = await Promise.all(slugs.map(get));
      return orgs.filter((org): org is OrganizationSettings => org !== undefined && domainsOf(org).includes(domain));
    },
    async reindex() {
      let organizations = 0;
      let domains = 0;
      // Slugs are short strings (one list in memory at 10,000 organizations is ~0.5 MB); the
      // organizations themselves are read one by one. A slug deleted meanwhile reads undefined.
      for (const slug of await ns.indexMembers(SLUGS)) {
        const org = await get(slug);
        if (!org) continue;
        organizations++;
        for (const domain of domainsOf(org)) {
          await ns.indexAdd(domainKey(domain), slug, MAX_TTL_MS);
          domains++;
        }
      }
      return { organizations, domains };
    },
    onChange: (handler) => ns.subscribe(CHANGED, handler),
  };
}
