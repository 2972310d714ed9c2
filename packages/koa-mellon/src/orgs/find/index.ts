import type { Context } from 'koa';
import { MellonError, type MellonErrorCode } from '@koa-mellon/saml';
import { readForm, readQuery, renderOrganizationPage, safeNext, type OrganizationPage, type PageSettings } from '@koa-mellon/web';
import type { Logger } from '../../settings/types.js';
import type { ServedOrganization } from '../create-organizations.js';
import type { OrganizationRegistry } from '../registry.js';
import type { OrganizationSettings } from '../types.js';
import { organizationChoices } from './choices.js';
import { emailDomainOf } from './email-domain.js';
import { checkSameOrigin } from './same-origin.js';

/** A typed e-mail address and `next` fit in far less; the form is public. */
const MAX_FORM_BYTES = 4096;
const SLUG = /^[a-z0-9-]{1,64}$/;

export interface FindOrganizationOptions {
  /** `{base}/` as an absolute URL. */
  readonly base: URL;
  readonly organizations: readonly OrganizationSettings[];
  readonly registry?: OrganizationRegistry | undefined;
  /** The organization served under a slug (settings first, then the registry); may throw ORGANIZATION_UNAVAILABLE. */
  readonly find: (slug: string) => Promise<ServedOrganization | undefined>;
  /** Answers a refusal with the friendly error page (and logs it). */
  readonly refuse: (ctx: Context, code: MellonErrorCode, slug?: string) => Promise<void>;
  /** The app's `pages` setting (its own renderer or the built-in look). */
  readonly pages: PageSettings<OrganizationPage> | undefined;
  readonly fallbackNext: string;
  readonly bodyTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * `{base}/login/`, where a user whose organization the app does not know yet starts:
 * - `GET ?org=<slug>` (alias `?idp_hint=`): straight to that organization's login, with `next`;
 * - `GET`: the identity-first form (one e-mail field);
 * - `POST email=...`: the e-mail's domain picks the organization among those whose `emailDomains`
 *   include it: one goes to its login, several get the chooser, none the form again.
 * Disabled organizations are never offered. Returns a handler for that one path.
 */
export function createOrganizationFinder(options: FindOrganizationOptions): (ctx: Context) => Promise<void> {
  const { base, registry, find, refuse } = options;
  const show = (ctx: Context, page: OrganizationPage, status = 200) => renderOrganizationPage(ctx, page, { status, pages: options.pages, logger: options.logger });
  const action = new URL('login/', base).href;
  const loginUrl = (slug: string, next: string) => `${new URL(`${slug}/login/`, base).href}?next=${encodeURIComponent(next)}`;
  // Settings organizations by domain, once; the registry keeps its own index on the state store.
  const bySettingsDomain = new Map<string, OrganizationSettings[]>();
  for (const org of options.organizations) {
    for (const domain of org.emailDomains ?? []) bySettingsDomain.set(domain, [...(bySettingsDomain.get(domain) ?? []), org]);
  }
  const settingsSlugs = new Set(options.organizations.map((org) => org.slug));

  const organizationsOf = async (domain: string): Promise<OrganizationSettings[]> => {
    const fromRegistry = registry ? await registry.findByEmailDomain(domain) : [];
    // A settings slug wins over the same slug in the registry, as on the login routes.
    const all = [...(bySettingsDomain.get(domain) ?? []), ...fromRegistry.filter((org) => !settingsSlugs.has(org.slug))];
    return all.filter((org) => org.enabled !== false);
  };

  const hinted = async (ctx: Context, slug: string, next: string) => {
    const org = SLUG.test(slug) ? await find(slug) : undefined;
    if (!org) return refuse(ctx, 'ORGANIZATION_UNKNOWN', slug.slice(0, 64));
    if (org.settings.enabled === false) return refuse(ctx, 'ORGANIZATION_DISABLED', slug);
    ctx.redirect(loginUrl(slug, next));
  };

  const submitted = async (ctx: Context) => {
    checkSameOrigin(ctx, base.origin);
    const form = await readForm(ctx, MAX_FORM_BYTES, { timeoutMs: options.bodyTimeoutMs });
    const next = safeNext(form.get('next'), options.fallbackNext);
    const domain = emailDomainOf(form.get('email'));
    if (domain === undefined) return show(ctx, { kind: 'organization-form', action, next, notice: 'invalid-email' }, 400);
    const orgs = await organizationsOf(domain);
    options.logger.info({ matches: orgs.length, orgs: orgs.map((org) => org.slug).slice(0, 10) }, 'koa-mellon: organization looked up by e-mail domain');
    const [only] = orgs;
    if (!only) return show(ctx, { kind: 'organization-form', action, next, notice: 'no-organization' });
    if (orgs.length === 1) {
      ctx.status = 303;
      return ctx.redirect(loginUrl(only.slug, next));
    }
    const choices = await organizationChoices(orgs, { loginUrl: (slug) => loginUrl(slug, next), find });
    await show(ctx, { kind: 'organization-chooser', choices, back: `${action}?next=${encodeURIComponent(next)}` });
  };

  return async (ctx) => {
    try {
      if (ctx.method === 'POST') return await submitted(ctx);
      const query = readQuery(ctx);
      const next = safeNext(query.get('next'), options.fallbackNext);
      const hint = query.get('org') ?? query.get('idp_hint');
      if (hint !== undefined) return await hinted(ctx, hint, next);
      await show(ctx, { kind: 'organization-form', action, next });
    } catch (err) {
      if (!(err instanceof MellonError)) throw err;
      await refuse(ctx, err.code);
    }
  };
}
