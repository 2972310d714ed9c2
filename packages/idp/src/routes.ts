import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { MellonError } from '@koa-mellon/saml';
import { resolveArtifact } from './artifact.js';
import type { IdpRuntime } from './runtime.js';
import type { IdpUser } from './settings/types.js';
import { singleLogout } from './slo/index.js';
import { answerConsent, initiateLogin, resumeLogin, singleSignOn } from './sso/index.js';
import { handleIdpError } from './web/errors.js';
import { idpTraceOf } from './web/flow-trace.js';
import { createTransportGuard, isSoapRequest, logUnexpected, routerPrefix, sendMetadata, sendSoapFault, type RoutesOptions } from '@koa-mellon/web';

export type IdpRoutes = ReturnType<Router['routes']>;

/**
 * The routes under baseUrl's path (or `options.prefix`): sso/ (GET Redirect, POST), sso/resume/, sso/consent/, sso/init/, slo/ (GET,
 * POST), metadata/, artifact/ (SOAP, when HTTP-Artifact is on). Every refusal becomes an error
 * page with its code; no SAML message is ever sent for a request that did not verify.
 */
export function createIdpRoutes<U extends IdpUser>(rt: IdpRuntime<U>, metadata: () => string, options?: RoutesOptions): IdpRoutes {
  const prefix = routerPrefix(rt.urls.base, options);
  const router = new Router(prefix ? { prefix } : {});
  const requireSecure = createTransportGuard({ base: rt.urls.base, secureCookies: rt.sessions.secure, logger: rt.logger, label: 'koa-mellon idp' });
  // Browser pages set the IdP's cookies: https only when its URLs are (a SOAP POST to slo/ sets none).
  const page = (handler: (ctx: Context, rt: IdpRuntime<U>) => Promise<void>): Middleware => async (ctx) => {
    try {
      if (!isSoapRequest(ctx)) requireSecure(ctx);
      await handler(ctx, rt);
    } catch (err) {
      await handleIdpError(ctx, rt.logger, rt.settings.errorUrl ?? '/', err, rt.settings.pages);
    }
  };
  router.get('/sso/', page(singleSignOn));
  router.post('/sso/', page(singleSignOn));
  router.get('/sso/resume/', page(resumeLogin));
  router.post('/sso/consent/', page(answerConsent));
  router.get('/sso/init/', page(initiateLogin));
  router.get('/slo/', page(singleLogout));
  router.post('/slo/', page(singleLogout));
  router.get('/metadata/', (ctx) => sendMetadata(ctx, metadata()));
  if (rt.settings.artifactResolution) {
    router.post('/artifact/', async (ctx) => {
      try {
        await resolveArtifact(ctx, rt);
      } catch (err) {
        // A SOAP peer, not a browser: 403 or a SOAP fault with the code, no page; the trace keeps the refusal.
        const trace = idpTraceOf(ctx);
        trace?.refuse(err);
        await trace?.flush();
        const logger = trace?.logger ?? rt.logger;
        const code = err instanceof MellonError ? err.code : 'INTERNAL_ERROR';
        if (err instanceof MellonError) logger.warn({ code, reason: err.message }, 'koa-mellon idp: ArtifactResolve refused');
        else if (logUnexpected(logger, err, 'koa-mellon idp')) return;
        sendSoapFault(ctx, code);
      }
    });
  }
  return router.routes();
}
