import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { BINDING, buildAuthnRequest, fail, findEndpoint, serializeXml } from '@koa-mellon/saml';
import type { ResolvedIdp, Runtime } from '../runtime.js';
import { bindBrowser } from './browser-binding.js';
import { startFlowTrace } from './flow-trace.js';
import { englishFirst, httpsLogo, renderIdpChooser, safeNext, readQuery, sendSaml, signatureAlgorithmFor, type IdpChoice } from '@koa-mellon/web';

/** How long a login may take between our AuthnRequest and the IdP's answer. */
export const LOGIN_TTL_MS = 10 * 60 * 1000;

/** What we remember of a login we started: keyed by the AuthnRequest ID, single use. */
export interface PendingLogin {
  readonly idp: number;
  readonly next: string;
  readonly requestId: string;
  /** Digest of the browser-binding cookie set when the login started (browser-binding.ts). */
  readonly browser: string;
  /** The login's trace reference: the ACS and finish add to the same trace. */
  readonly trace?: string | undefined;
}

/**
 * GET login/: starts SP-initiated SSO (saml-profiles §4.1.3). The IdP comes from `entityID`, or is
 * the only one, or the user picks it on a discovery page. The login state stays server-side: the
 * RelayState is an opaque random key (django-mellon's design), so the ACS needs no cookie.
 */
export async function startLogin(ctx: Context, rt: Runtime): Promise<void> {
  const query = readQuery(ctx);
  const next = safeNext(query.get('next'), rt.settings.loginRedirectUrl ?? '/');
  const idp = await chooseIdp(ctx, rt, query.get('entityID'), next);
  if (!idp) return;
  const { entity, descriptor } = await rt.metadataOf(idp);
  const trace = startFlowTrace(ctx, rt, 'login');
  trace.peer(entity.entityId);
  const sso = findEndpoint(descriptor.singleSignOnServices, [BINDING.redirect, BINDING.post]);
  if (!sso) fail('METADATA_INVALID', 'IdP has no SingleSignOnService for Redirect or POST');
  const settings = idp.settings;
  const { id, document } = buildAuthnRequest({
    issuer: rt.urls.entityId,
    destination: sso.location,
    assertionConsumerServiceUrl: rt.urls.login,
    protocolBinding: settings.defaultAssertionConsumerBinding === 'artifact' ? BINDING.artifact : BINDING.post,
    nameIdPolicy: { format: settings.nameIdPolicyFormat, allowCreate: settings.nameIdPolicyAllowCreate },
    forceAuthn: settings.forceAuthn || query.get('forceAuthn') === '1',
    isPassive: query.get('isPassive') === '1',
    requestedAuthnContext: settings.authnClassRef.length > 0 ? { classRefs: settings.authnClassRef } : undefined,
    clock: rt.clock,
  });
  const relayState = randomBytes(16).toString('hex');
  const pending: PendingLogin = { idp: idp.index, next, requestId: id, browser: bindBrowser(ctx, rt), trace: trace.reference };
  await rt.stores.requests.setIfAbsent(`req:${id}`, pending, LOGIN_TTL_MS);
  await rt.stores.requests.set(`rs:${relayState}`, pending, LOGIN_TTL_MS);
  trace.logger.info({ idp: entity.entityId, requestId: id }, 'koa-mellon: AuthnRequest sent');
  trace.step('AuthnRequest sent');
  trace.message('AuthnRequest', serializeXml(document));
  await trace.flush();
  const signingKey = settings.requestsSigned ? idp.keys.signingKey : undefined;
  sendSaml(ctx, { endpoint: sso, parameter: 'SAMLRequest', document, relayState, signingKey, signatureAlgorithm: signatureAlgorithmFor(signingKey, settings.signatureMethod) });
}

async function chooseIdp(ctx: Context, rt: Runtime, entityId: string | undefined, next: string): Promise<ResolvedIdp | undefined> {
  if (entityId !== undefined) {
    for (const idp of rt.idps) {
      if ((await rt.metadataOf(idp)).entity.entityId === entityId) return idp;
    }
    fail('ENTITY_NOT_FOUND', 'entityID is not a configured IdP');
  }
  if (rt.idps.length === 1) return rt.idps[0];
  if (rt.settings.discoveryServiceUrl) {
    // saml-idp-discovery §2.4.1: the discovery service returns to `return` with `entityID` added.
    const back = `${rt.urls.login}?next=${encodeURIComponent(next)}`;
    const url = new URL(rt.settings.discoveryServiceUrl);
    url.searchParams.set('entityID', rt.urls.entityId);
    url.searchParams.set('return', back);
    url.searchParams.set('returnIDParam', 'entityID');
    ctx.redirect(url.href);
    return undefined;
  }
  await renderDiscovery(ctx, rt, next);
  return undefined;
}

/** The IdP chooser: the configured IdPs by their mdui names and https logos (the app may draw it: `pages.render`). */
async function renderDiscovery(ctx: Context, rt: Runtime, next: string): Promise<void> {
  const choices: IdpChoice[] = [];
  for (const idp of rt.idps) {
    const { entity, descriptor } = await rt.metadataOf(idp);
    const name = englishFirst(descriptor.ui?.displayNames)?.value ?? englishFirst(entity.organization?.displayNames)?.value ?? entity.entityId;
    const href = `${rt.urls.login}?entityID=${encodeURIComponent(entity.entityId)}&next=${encodeURIComponent(next)}`;
    choices.push({ name, entityId: entity.entityId, logo: httpsLogo(descriptor.ui?.logos), href });
  }
  await renderIdpChooser(ctx, { kind: 'idp-chooser', choices, next }, { pages: rt.settings.pages, logger: rt.logger });
}
