import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { FuzzState } from './fuzz-state.js';
import { createIdp, type Idp, type IdpUser } from '@koa-mellon/idp';
import { testKeyPair } from '../../helpers/keys.js';
import type { KnownSp } from './authn-request-model.js';
import { ARTIFACT_BINDING, NS, POST_BINDING } from './saml-ns.js';
import { el, render } from './xml-tree.js';

interface User extends IdpUser {
  readonly id: string;
  readonly email: string;
}

export const ALICE: User = { id: 'u-1001', email: 'alice@example.test' };
export const IDP_ORIGIN = 'https://idp.example.test';

/** Two SPs: one that signs its requests (three ACS, one of them HTTP-Artifact), one that does not. */
export const SP1: KnownSp = {
  entityId: 'https://sp1.example.test/metadata',
  keyName: 'sp',
  signsRequests: true,
  services: [
    { index: 0, binding: POST_BINDING, location: 'https://sp1.example.test/acs', isDefault: true },
    { index: 1, binding: POST_BINDING, location: 'https://sp1.example.test/acs2' },
    { index: 2, binding: ARTIFACT_BINDING, location: 'https://sp1.example.test/acs' },
  ],
};
export const SP2: KnownSp = {
  entityId: 'https://sp2.example.test/metadata',
  keyName: 'sp2',
  signsRequests: false,
  services: [{ index: 0, binding: POST_BINDING, location: 'https://sp2.example.test/acs', isDefault: true }],
};

/** SP metadata written by the fuzzer (saml-metadata §2.4.4), its signing key only: assertions stay readable. */
function spMetadata(sp: KnownSp): string {
  return render(
    el(
      NS.md,
      'EntityDescriptor',
      { entityID: sp.entityId },
      el(
        NS.md,
        'SPSSODescriptor',
        { protocolSupportEnumeration: NS.samlp, AuthnRequestsSigned: String(sp.signsRequests), WantAssertionsSigned: 'true' },
        el(NS.md, 'KeyDescriptor', { use: 'signing' }, el(NS.ds, 'KeyInfo', {}, el(NS.ds, 'X509Data', {}, el(NS.ds, 'X509Certificate', {}, testKeyPair(sp.keyName).certBase64)))),
        ...sp.services.map((s) => el(NS.md, 'AssertionConsumerService', { Binding: s.binding, Location: s.location, index: String(s.index), isDefault: s.isDefault ? 'true' : undefined })),
      ),
    ),
    { prefixes: new Map([[NS.md, 'md'], [NS.ds, 'ds']]) },
  );
}

/**
 * @koa-mellon/idp mounted at /idp of a Koa app on 127.0.0.1, where alice is always logged in: an
 * accepted request is answered at once. Frozen clock, state in a memory store (fresh per case, or
 * snapshot and restore), unexpected errors collected from its logger.
 */
export class FuzzIdp {
  private constructor(
    readonly idp: Idp,
    readonly local: string,
    readonly state: FuzzState,
    readonly errors: unknown[],
    readonly warnings: unknown[],
    private readonly server: Server,
  ) {}

  static async start(now: number): Promise<FuzzIdp> {
    const state = new FuzzState();
    const errors: unknown[] = [];
    const warnings: unknown[] = [];
    const keys = testKeyPair('idp');
    const idp = createIdp<User>({
      baseUrl: `${IDP_ORIGIN}/idp`,
      privateKey: keys.keyPem,
      publicKeys: [keys.certPem],
      secret: 'fuzz-pairwise-secret-0123456789abcdef0123',
      serviceProviders: [SP1, SP2].map((sp) => ({ metadata: spMetadata(sp), attributes: { mail: 'email' } })),
      authenticate: () => ALICE,
      loginUrl: '/login',
      store: state.store,
      clock: () => now,
      logger: { debug() {}, info() {}, warn: (obj) => warnings.push(obj), error: (obj) => errors.push(obj) },
    });
    const app = new Koa();
    app.keys = ['fuzz-idp-cookie-secret'];
    app.proxy = true;
    app.use(idp.routes());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FuzzIdp(idp, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state, errors, warnings, server);
  }

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
    this.idp.close();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
