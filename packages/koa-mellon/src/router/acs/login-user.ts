import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { runAdapterChain, type MellonAttributes } from '../../adapters/index.js';
import type { MellonSession } from '../../session/sessions.js';
import type { ResolvedIdp, Runtime } from '../../runtime.js';
import { clearBinding, isSameBrowser } from '../browser-binding.js';
import { mellonAttributes, mellonSession } from '../mellon-attributes.js';
import { need, type AcsState } from './context.js';
import { readQuery, safeNext, type Logger } from '@koa-mellon/web';
import { startFlowTrace } from '../flow-trace.js';

/** A validated login waiting for its browser to come back same-site (login/finish/). */
interface VerifiedLogin {
  readonly idp: number;
  readonly attributes: MellonAttributes;
  readonly mellon: MellonSession;
  readonly next: string;
  readonly browser?: string | undefined;
  readonly trace?: string | undefined;
}

const FINISH_TTL_MS = 2 * 60 * 1000;

/**
 * SP-initiated: stash what the assertion said and 303 to login/finish/, a same-site GET where the
 * browser-binding cookie is sent. IdP-initiated (nothing to bind to): finish at once.
 */
export async function stashOrFinish(state: AcsState): Promise<void> {
  const { ctx, rt } = state;
  const assertion = need(state, 'assertion');
  const fallback = rt.settings.loginRedirectUrl ?? '/';
  const verified: VerifiedLogin = {
    idp: need(state, 'idp').index,
    attributes: mellonAttributes(assertion),
    mellon: mellonSession(assertion),
    // IdP-initiated: the IdP's RelayState is only followed when it is a path of this site.
    next: state.pending ? state.pending.next : safeNext(state.relayState, fallback),
    browser: state.pending?.browser,
    trace: state.trace.reference,
  };
  if (!verified.browser) {
    await finishLogin(ctx, rt, verified, state.trace.logger);
    return state.trace.complete();
  }
  const key = randomBytes(16).toString('hex');
  await rt.stores.requests.setIfAbsent(`fin:${key}`, verified, FINISH_TTL_MS);
  ctx.status = 303;
  ctx.redirect(`${rt.urls.login}finish/?k=${key}`);
}

/** GET login/finish/?k=…: the same browser that started the login completes it. */
export async function finishStashedLogin(ctx: Context, rt: Runtime): Promise<void> {
  const key = readQuery(ctx).get('k') ?? '';
  const trace = startFlowTrace(ctx, rt, 'login');
  const verified = /^[0-9a-f]{32}$/.test(key) ? await rt.stores.requests.take<VerifiedLogin>(`fin:${key}`) : undefined;
  trace.adopt(verified?.trace);
  if (verified) trace.peer(verified.mellon.issuer);
  if (!verified) fail('IN_RESPONSE_TO_MISMATCH', 'no verified login waits under this key');
  if (!verified.browser || !isSameBrowser(ctx, rt, verified.browser)) fail('LOGIN_BROWSER_MISMATCH', 'login finished in another browser than it started');
  clearBinding(ctx, rt);
  await trace.run('finish: adapters and session', () => finishLogin(ctx, rt, verified, trace.logger));
  trace.complete();
  await trace.flush();
}

/** The adapter chain decides who the user is; then a fresh session (no fixation), and `next`. */
async function finishLogin(ctx: Context, rt: Runtime, verified: VerifiedLogin, logger: Logger): Promise<void> {
  const idp = rt.idps[verified.idp] as ResolvedIdp;
  const user = await runAdapterChain(idp.chain, adapterContext(rt, idp, verified.mellon.issuer), verified.attributes);
  logger.info({ idp: verified.mellon.issuer, user: user.id }, 'koa-mellon: user logged in');
  if (await rt.settings.hooks?.login?.(ctx, { user, saml: verified.mellon, next: verified.next, trace: verified.trace })) return;
  await rt.sessions.create(ctx, { userId: user.id, mellon: verified.mellon }, rt.settings.sessionCookie?.maxAge ?? 8 * 3600);
  ctx.state.user = user;
  ctx.state.mellon = verified.mellon;
  ctx.status = 303;
  ctx.redirect(verified.next);
}

/** django-mellon's `idp` dict for the adapters: this IdP's effective settings and the user store. */
function adapterContext(rt: Runtime, idp: ResolvedIdp, entityId: string) {
  const s = idp.settings;
  return {
    entityId,
    realm: s.realm,
    provision: s.provision,
    usernameTemplate: s.usernameTemplate,
    attributeMapping: s.attributeMapping,
    attributeMappingDefaults: s.attributeMappingDefaults,
    useNameIdForEmail: s.useNameIdForEmail,
    superuserMapping: Object.fromEntries(Object.entries(s.superuserMapping).map(([k, v]) => [k, typeof v === 'string' ? [v] : v])),
    authnClassRef: s.authnClassRef,
    groupAttribute: s.groupAttribute,
    createGroup: s.createGroup,
    transientFederationAttribute: s.transientFederationAttribute,
    nameIdPolicyFormat: s.nameIdPolicyFormat,
    nameIdFormats: s.nameIdFormats,
    lookupByAttributes: s.lookupByAttributes,
    users: rt.users,
  };
}
