import type { Context } from 'koa';
import { fail } from '@koa-mellon/saml';
import { createCode, takePendingAuthorization } from '../handoff/code.js';
import { resumePath } from '../routes/authorize.js';
import { COOKIE_CLIENT_ID, type BridgeRuntime } from '../runtime.js';
import type { BridgeUser, SamlSession } from '../settings.js';
import { issueTokens } from '../tokens/issue.js';
import { setTokenCookies } from '../web/cookies.js';
import { createCsrfToken } from '../web/csrf.js';
import { startBridgeTrace, traced, tracedRuntime } from '../web/flow-trace.js';

/** What koa-mellon's `hooks.login` receives (its `SamlLoginEvent`, structurally). */
export interface SamlLoginEvent {
  readonly user: BridgeUser;
  readonly saml: SamlSession;
  readonly next: string;
  /** The SP's trace reference of this login (koa-mellon gives it): the bridge's trace names it. */
  readonly trace?: string | undefined;
}

/** What koa-mellon's `hooks.federatedLogout` receives: a verified LogoutRequest from the IdP. */
export interface FederatedLogoutEvent {
  readonly issuer: string;
  readonly nameId: string;
  readonly sessionIndexes: readonly string[];
}

/** The hooks to give koa-mellon's `hooks` setting. */
export interface SamlHooks {
  login(ctx: Context, event: SamlLoginEvent): Promise<boolean>;
  federatedLogout(event: FederatedLogoutEvent): Promise<void>;
}

export function createSamlHooks(untraced: BridgeRuntime): SamlHooks {
  return {
    /**
     * After the SP's adapter chain picked the user: a login started by authorize/ gets a one-time
     * code at its registered redirect URI (with `state` and `iss`, RFC 9207); any other login gets
     * the cookies (when cookie mode is on) instead of a server session. Either way no token is in
     * a URL. Returns false (the SP opens its own session) only when cookie mode is off.
     */
    async login(ctx, { user, saml, next, trace: spTrace }) {
      const trace = startBridgeTrace(ctx, untraced, 'login');
      const rt = tracedRuntime(untraced, trace);
      return traced(trace, async () => {
        // The SP's part of this login is its own trace: named here so that one leads to the other.
        trace.step(spTrace === undefined ? 'SAML login verified by the SP' : `SAML login verified by the SP (its trace ${spTrace})`);
        const claims = rt.settings.claims?.(user, saml) ?? {};
        const target = new URL(next, 'https://next.invalid');
        if (target.pathname === resumePath(rt)) {
          let handled = false;
          await trace.run('take the authorization request, send a one-time code to its redirect URI', async () => {
            const pending = await takePendingAuthorization(rt, target.searchParams.get('r') ?? '');
            trace.adopt(pending?.trace);
            if (!pending) fail('CODE_INVALID', 'the authorization request expired or was already used');
            trace.peer(pending.clientId);
            const code = await createCode(rt, pending, user, claims, saml);
            const redirect = new URL(pending.redirectUri);
            redirect.searchParams.set('code', code);
            if (pending.state !== undefined) redirect.searchParams.set('state', pending.state);
            redirect.searchParams.set('iss', rt.issuer);
            rt.logger.info({ client: pending.clientId }, 'koa-mellon jwt: one-time code sent after SAML login');
            ctx.status = 303;
            ctx.redirect(redirect.href);
            handled = true;
          });
          return handled;
        }
        if (!rt.cookies) {
          trace.step('cookie mode off: the SP opens its own session');
          return false;
        }
        trace.peer(COOKIE_CLIENT_ID);
        await trace.run('issue the tokens in cookies (a new refresh family)', async () => {
          const created = await rt.families.create({ subject: user.id, clientId: COOKIE_CLIENT_ID, claims, saml });
          const issued = await issueTokens(rt, created.family, created.refreshToken);
          const now = rt.clock();
          setTokenCookies(ctx, rt.basePath, now, {
            accessToken: issued.accessToken,
            accessExpiresAt: issued.accessExpiresAt,
            refreshToken: issued.refreshToken,
            refreshExpiresAt: issued.refreshExpiresAt,
            csrfToken: createCsrfToken(rt.settings.secret, created.family.id),
          });
          rt.logger.info({ family: created.family.id, mode: 'cookie' }, 'koa-mellon jwt: tokens issued after SAML login');
        });
        trace.complete();
        ctx.status = 303;
        ctx.redirect(next);
        return true;
      });
    },

    /** The IdP ended the SAML session: its families are revoked and their live access tokens denied everywhere. */
    async federatedLogout({ issuer, nameId, sessionIndexes }) {
      const trace = startBridgeTrace(undefined, untraced, 'logout');
      const rt = tracedRuntime(untraced, trace);
      trace.peer(issuer);
      await traced(trace, () =>
        trace.run("the IdP's LogoutRequest (verified by the SP): revoke the families of that SAML session", async () => {
          const revoked = await rt.families.revokeBySaml(issuer, nameId, sessionIndexes);
          rt.logger.info({ idp: issuer, familiesRevoked: revoked }, 'koa-mellon jwt: IdP-initiated logout');
          trace.complete();
        }),
      );
    },
  };
}
