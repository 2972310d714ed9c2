// docs/jwt.md: an app with SAML login (koa-mellon), the JWT bridge and a JSON API.
// A test imports `createJwtApp` and checks its routes.
import Koa from 'koa';
import { createMellon, type Mellon, type MellonSettings } from 'koa-mellon';
import { createJwtBridge, type JwtBridge, type JwtKeySettings } from '@koa-mellon/jwt';
import type { StateStore } from '@koa-mellon/web';

export interface JwtAppOptions {
  readonly origin: string; // https://app.example.com
  readonly sp: Omit<MellonSettings, 'baseUrl' | 'hooks'>; // identityProviders, keys, ...
  readonly jwtKeys: readonly JwtKeySettings[];
  readonly store: StateStore; // createRedisStore / createPostgresStore when several instances run
  readonly secret: string; // >= 32 characters, for the CSRF HMAC
}

export async function createJwtApp(options: JwtAppOptions): Promise<{ app: Koa; bridge: JwtBridge; mellon: Mellon }> {
  let mellon: Mellon | undefined;
  const bridge = await createJwtBridge({
    issuer: options.origin,
    audience: `${options.origin}/api`,
    keys: options.jwtKeys,
    store: options.store,
    secret: options.secret,
    samlLoginUrl: `${options.origin}/saml/login/`,
    // A JWT user's logout also logs out at the IdP, from the SAML data saved with the tokens.
    startSamlLogout: async (ctx, saml, next) => mellon?.startLogout(ctx, saml, next),
    // Front ends on other origins (code handoff with PKCE); redirect URIs match exactly.
    clients: [{ clientId: 'spa', redirectUris: ['https://spa.example.com/callback'] }],
    claims: (_user, saml) => ({ email: saml.attributes['mail']?.[0] ?? null, idp: saml.issuer }),
  });
  // After a SAML login the bridge issues tokens instead of a server session; an IdP's
  // LogoutRequest revokes them on every instance.
  mellon = createMellon({ ...options.sp, baseUrl: `${options.origin}/saml`, hooks: bridge.samlHooks });

  const app = new Koa();
  app.proxy = true; // behind the TLS proxy (docs/deployment.md)
  app.keys = ['replace-with-a-secret'];
  app.use(bridge.routes()); // /jwt/jwks, /jwt/authorize, /jwt/token, /jwt/refresh, /jwt/logout
  app.use(mellon.routes()); // /saml/login/, /saml/logout/, /saml/metadata/
  const authenticate = bridge.authenticate();
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/api/')) return next();
    await authenticate(ctx, async () => {
      ctx.body = { hello: ctx.state.jwt?.sub, email: ctx.state.jwt?.['email'] };
    });
  });
  return { app, bridge, mellon };
}
