import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { FuzzState } from './fuzz-state.js';
import { generateIdpMetadata } from '@koa-mellon/saml';
import { createMellon, type Mellon, type MellonSettings } from 'koa-mellon';
import { testKeyPair } from '../../helpers/keys.js';

export const IDP_ENTITY_ID = 'https://idp.example.test/metadata';
export const IDP_SSO = 'https://idp.example.test/sso';
export const IDP_SLO = 'https://idp.example.test/slo';

/**
 * koa-mellon mounted in a Koa app as a user writes it, on 127.0.0.1, with what the fuzzer needs
 * to judge it: a frozen clock, its whole state in a memory store the fuzzer can clear (a fresh app per
 * case) or snapshot and restore (to send the same input again to the same state), and its
 * logger's unexpected errors.
 */
export class FuzzSp {
  private constructor(
    readonly name: string,
    /** Logged `error` lines: a bad input reached an unexpected path. */
    readonly errors: unknown[],
    /** Logged refusals (code and internal reason), for a failure's report. */
    readonly warnings: unknown[],
    readonly mellon: Mellon,
    readonly origin: string,
    readonly local: string,
    readonly state: FuzzState,
    private readonly server: Server,
  ) {}

  static async start(name: string, origin: string, basePath: string, now: number, settings: Partial<MellonSettings> = {}): Promise<FuzzSp> {
    const state = new FuzzState();
    const errors: unknown[] = [];
    const warnings: unknown[] = [];
    const mellon = createMellon({
      baseUrl: `${origin}${basePath}`,
      identityProviders: [{ metadata: idpMetadata() }],
      privateKey: testKeyPair('sp').keyPem,
      publicKeys: [testKeyPair('sp').certPem],
      store: state.store,
      clock: () => now,
      logger: { debug() {}, info() {}, warn: (obj) => warnings.push(obj), error: (obj) => errors.push(obj) },
      ...settings,
    });
    const app = new Koa();
    app.keys = ['fuzz-cookie-secret'];
    // Behind a TLS-terminating proxy: the fuzzer's requests say X-Forwarded-Proto: https.
    app.proxy = true;
    app.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/whoami') ctx.body = { mellon: ctx.state.mellon ?? null };
    });
    app.use(mellon.middleware());
    app.use(mellon.routes());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FuzzSp(name, errors, warnings, mellon, origin, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state, server);
  }

  /** A fresh app: no sessions, no pending logins, empty replay cache. */
  reset(): void {
    this.state.clear();
    this.warnings.length = 0;
  }

  snapshot(): ReturnType<FuzzState['snapshot']> {
    return this.state.snapshot();
  }

  restore(snapshot: ReturnType<FuzzState['snapshot']>): void {
    this.state.restore(snapshot);
  }

  async stop(): Promise<void> {
    this.mellon.close();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** The IdP every SP of the suite trusts: the `idp` test key, SSO and SLO endpoints. */
export function idpMetadata(): string {
  return generateIdpMetadata({ entityId: IDP_ENTITY_ID, singleSignOnServiceUrl: IDP_SSO, singleLogoutServiceUrl: IDP_SLO, certificates: [testKeyPair('idp').certPem] });
}
