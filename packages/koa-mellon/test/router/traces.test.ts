import { expect } from 'chai';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createMellon, createTraceAdmin, type TraceAdminOptions } from 'koa-mellon';
import { mountTraceAdmin } from '../../../../docs/examples/trace-admin.js';
import { idpMetadata } from '../harness.js';
import { createMemoryStore, createTraceStore, type StateStore, type TraceRecord } from '@koa-mellon/web';
import type { MellonSettings } from 'koa-mellon';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { IDP_ENTITY_ID, type ResponseFixture } from '../../../../test/helpers/response-fixture.js';
import { TestSp } from '../harness.js';

const REFERENCE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

interface Line {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly msg: string | undefined;
}

/** An SP with its own store (read back as `koa-mellon trace` does) and a logger that keeps every line. */
async function tracedSp(overrides: Partial<MellonSettings> = {}): Promise<{ sp: TestSp; store: StateStore; lines: Line[]; read(ref: string): Promise<TraceRecord | undefined> }> {
  const store = createMemoryStore();
  const lines: Line[] = [];
  const keep = (level: string) => (fields: object, msg?: string) => void lines.push({ level, fields: fields as Record<string, unknown>, msg });
  const sp = await TestSp.start('/accounts/mellon', { store, logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') }, ...overrides });
  const traces = createTraceStore(store.namespace('sp-traces'));
  return { sp, store, lines, read: (ref) => traces.read(ref) };
}

/** SP-initiated login answered with `fixture`; returns the error body. */
async function refusedLogin(sp: TestSp, fixture: ResponseFixture, withRelayState = true): Promise<{ error: string; reference: string }> {
  const { requestId, relayState } = await sp.startLogin('?next=/reports');
  const form: Record<string, string> = { SAMLResponse: sp.response({ inResponseTo: requestId, ...fixture }) };
  if (withRelayState) form['RelayState'] = relayState;
  const response = await sp.post(sp.mellon.urls.login, form);
  return (await response.json()) as { error: string; reference: string };
}

describe('login traces (SP)', () => {
  before(requireXmlsec);

  describe('a refusal of the ACS holds the expected and received values', () => {
    const hour = 3600_000;
    const cases: ReadonlyArray<{ what: string; code: string; fixture: (sp: TestSp) => ResponseFixture; detail: (sp: TestSp) => Record<string, string> }> = [
      { what: 'an audience for another SP', code: 'AUDIENCE_MISMATCH', fixture: () => ({ audience: 'https://other-sp.test/metadata' }), detail: (sp) => ({ expected: sp.mellon.urls.entityId, received: 'https://other-sp.test/metadata' }) },
      { what: 'a Destination elsewhere', code: 'DESTINATION_MISMATCH', fixture: () => ({ destination: 'https://evil.test/acs' }), detail: (sp) => ({ expected: sp.mellon.urls.login, received: 'https://evil.test/acs' }) },
      { what: 'a signed response without Destination', code: 'DESTINATION_MISMATCH', fixture: () => ({ destination: null, signResponse: true }), detail: (sp) => ({ expected: sp.mellon.urls.login, received: '(none)' }) },
      { what: 'a Recipient elsewhere', code: 'RECIPIENT_MISMATCH', fixture: () => ({ recipient: 'https://evil.test/acs' }), detail: (sp) => ({ expected: sp.mellon.urls.login, received: 'https://evil.test/acs' }) },
      { what: 'an assertion issued by another entity', code: 'ISSUER_MISMATCH', fixture: () => ({ assertionIssuer: 'https://evil-idp.test/metadata' }), detail: () => ({ expected: IDP_ENTITY_ID, received: 'https://evil-idp.test/metadata' }) },
      { what: 'SubjectConfirmationData answering another request than the Response', code: 'IN_RESPONSE_TO_MISMATCH', fixture: () => ({ beforeSigning: (xml) => xml.replace(/(<saml:SubjectConfirmationData[^>]*InResponseTo=")[^"]*/, '$1_other') }), detail: () => ({ received: '_other' }) },
    ];
    for (const c of cases) {
      it(`${c.code}: ${c.what}`, async () => {
        const { sp, read } = await tracedSp();
        try {
          const body = await refusedLogin(sp, c.fixture(sp));
          expect(body.error).to.equal(c.code);
          expect(body.reference).to.match(REFERENCE);
          const trace = await read(body.reference);
          expect(trace).to.include({ reference: body.reference, role: 'sp', flow: 'login', peer: IDP_ENTITY_ID, outcome: 'refused', code: c.code });
          // The login's own trace: the AuthnRequest step first (same reference), the refusal last.
          expect(trace?.steps[0]).to.include({ step: 'AuthnRequest sent', outcome: 'ok' });
          const refusal = trace?.steps.at(-1);
          expect(refusal).to.include({ outcome: 'refused', code: c.code });
          expect(refusal?.step).to.match(/^validate/);
          expect(refusal?.detail).to.include(c.detail(sp));
        } finally {
          await sp.stop();
        }
      });
    }

    it('IN_RESPONSE_TO_MISMATCH: a response to a request we never sent (no RelayState): the ID received', async () => {
      const { sp, read } = await tracedSp();
      try {
        const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: '_never-sent' }) });
        const body = (await response.json()) as { error: string; reference: string };
        expect(body.error).to.equal('IN_RESPONSE_TO_MISMATCH');
        const trace = await read(body.reference);
        // Not a login of ours: a trace of its own, started when the message arrived.
        expect(trace?.steps).to.have.length.greaterThan(1);
        expect(trace?.steps[0]?.step).to.match(/^read the SAMLResponse/);
        expect(trace?.steps.at(-1)?.detail).to.include({ received: '_never-sent' });
      } finally {
        await sp.stop();
      }
    });

    it('SIGNATURE_INVALID: the key it was signed with against the keys trusted (SHA-256 of the public key)', async () => {
      const { sp, read } = await tracedSp();
      try {
        const body = await refusedLogin(sp, { signer: 'attacker' });
        expect(body.error).to.equal('SIGNATURE_INVALID');
        const fingerprint = (name: string) => createHash('sha256').update(createPublicKey(testKeyPair(name).certPem).export({ type: 'spki', format: 'der' })).digest('hex');
        const detail = (await read(body.reference))?.steps.at(-1)?.detail ?? {};
        expect(detail['trusted']).to.equal(fingerprint('idp'));
        expect(detail['signedWith']).to.equal(fingerprint('attacker'));
      } finally {
        await sp.stop();
      }
    });

    it('SIGNATURE_ALGORITHM_FORBIDDEN: the algorithm seen against the ones allowed', async () => {
      const { sp, read } = await tracedSp();
      try {
        const sha1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
        const body = await refusedLogin(sp, { signatureAlgorithm: sha1 });
        expect(body.error).to.equal('SIGNATURE_ALGORITHM_FORBIDDEN');
        const detail = (await read(body.reference))?.steps.at(-1)?.detail ?? {};
        expect(detail['received']).to.equal(sha1);
        expect(detail['allowed']).to.include('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256').and.not.include(sha1);
      } finally {
        await sp.stop();
      }
    });

    it('UID_MISSING: the NameID and the uid attribute looked for, in the finish step', async () => {
      const transient = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
      const { sp, read } = await tracedSp({ transientFederationAttribute: 'urn:oid:0.9.2342.19200300.100.1.1' });
      try {
        const body = await refusedLogin(sp, { nameIdFormat: transient, nameId: '_5f2a9c', attributes: { mail: ['a@example.test'] } });
        expect(body.error).to.equal('UID_MISSING');
        const refusal = (await read(body.reference))?.steps.at(-1);
        expect(refusal).to.include({ outcome: 'refused', code: 'UID_MISSING' });
        expect(refusal?.step).to.match(/^finish: adapters/);
        expect(refusal?.detail).to.deep.equal({
          nameId: 'transient (a new value at every login)',
          nameIdFormatReceived: transient,
          nameIdFormatWanted: '(any: neither nameIdPolicyFormat nor nameIdFormats is set)',
          uidAttribute: 'urn:oid:0.9.2342.19200300.100.1.1',
          uidAttributeValues: '0',
        });
      } finally {
        await sp.stop();
      }
    });

    for (const [code, shift, edge] of [['ASSERTION_EXPIRED', -hour, 'notOnOrAfter'], ['ASSERTION_NOT_YET_VALID', hour, 'notBefore']] as const) {
      it(`${code}: the window and the measured clock difference`, async () => {
        const { sp, read } = await tracedSp();
        try {
          const now = Date.now() + shift;
          const body = await refusedLogin(sp, { now, notBefore: now - 60_000, notOnOrAfter: now + 300_000, confirmationNotOnOrAfter: now + 300_000 });
          expect(body.error).to.equal(code);
          const detail = (await read(body.reference))?.steps.at(-1)?.detail ?? {};
          expect(detail).to.have.property(edge);
          expect(detail).to.include({ clockSkewSeconds: '180' });
          // About an hour off, either way, minus the window's width.
          expect(Math.abs(Number(detail['differenceSeconds']))).to.be.within(3000, 3700);
        } finally {
          await sp.stop();
        }
      });
    }
  });

  it('tags every log line of the flow with the reference on the page, and shows it in HTML', async () => {
    const { sp, lines } = await tracedSp();
    try {
      const { requestId, relayState } = await sp.startLogin('?next=/reports');
      const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId, audience: 'https://other.test' }), RelayState: relayState }, 'text/html');
      const html = await response.text();
      const reference = /Reference: <code>([^<]+)<\/code>/.exec(html)?.[1] ?? '';
      expect(reference).to.match(REFERENCE);
      const flow = lines.filter((l) => l.msg === 'koa-mellon: AuthnRequest sent' || l.msg === 'koa-mellon: refused');
      expect(flow).to.have.length(2);
      for (const line of flow) expect(line.fields).to.have.property('trace', reference);
      // The expected/received values go to the trace, never into a log line.
      expect(JSON.stringify(lines)).to.not.include('https://other.test');
    } finally {
      await sp.stop();
    }
  });

  it('follows a successful login through the ACS and finish under one reference', async () => {
    const { sp, store, lines } = await tracedSp();
    try {
      expect((await sp.login()).status).to.equal(303);
      const reference = lines.find((l) => l.msg === 'koa-mellon: user logged in')?.fields['trace'];
      expect(reference).to.be.a('string');
      const trace = await createTraceStore(store.namespace('sp-traces')).read(String(reference));
      expect(trace).to.include({ outcome: 'ok', peer: IDP_ENTITY_ID });
      expect(trace?.steps.map((s) => s.step)).to.include.members(['AuthnRequest sent', 'finish: adapters and session']);
      expect(trace?.messages.map((m) => m.name)).to.deep.equal(['AuthnRequest', 'SAMLResponse']);
    } finally {
      await sp.stop();
    }
  });

  it('gives hooks.login the login\'s reference (a bridge names it in its own trace)', async () => {
    const given: (string | undefined)[] = [];
    const { sp, lines } = await tracedSp({ hooks: { login: (_ctx, event) => (given.push(event.trace), false) } });
    try {
      expect((await sp.login()).status).to.equal(303);
      const reference = lines.find((l) => l.msg === 'koa-mellon: user logged in')?.fields['trace'];
      expect(reference).to.be.a('string');
      expect(given).to.deep.equal([reference]);
    } finally {
      await sp.stop();
    }
  });

  it('follows an SP-initiated logout and the answer of the IdP under one reference', async () => {
    const { sp, read, lines } = await tracedSp();
    try {
      await sp.login();
      const location = (await sp.request(sp.mellon.urls.logout)).headers.get('location') ?? '';
      const reference = String(lines.find((l) => l.msg === 'koa-mellon: LogoutRequest sent')?.fields['trace']);
      expect(reference).to.match(REFERENCE);
      expect((await sp.request(sp.idpLogoutResponse(location))).status).to.equal(302);
      expect(lines.find((l) => l.msg === 'koa-mellon: logout complete')?.fields['trace']).to.equal(reference);
      const trace = await read(reference);
      expect(trace).to.include({ flow: 'logout', outcome: 'ok', peer: IDP_ENTITY_ID });
      expect(trace?.steps.map((s) => s.step)).to.deep.equal(['SP-initiated logout', 'LogoutResponse: choose the IdP by Issuer and verify its signature', 'finish our logout']);
      expect(trace?.messages.map((m) => m.name)).to.deep.equal(['LogoutResponse']);
    } finally {
      await sp.stop();
    }
  });

  describe('redaction', () => {
    const secrets = (sp: TestSp) => [
      'alice-1234', // NameID
      'alice@example.test', // attribute values
      'staff',
      testKeyPair('sp').keyPem.split('\n')[1] ?? '', // a line of our private key
      testKeyPair('idp').certPem.split('\n')[1] ?? '', // certificates (KeyInfo)
      ...[...sp.cookies.values()],
    ];

    /** Every string stored anywhere in the trace namespace. */
    async function everyStoredString(store: StateStore, reference: string): Promise<string[]> {
      const record = await createTraceStore(store.namespace('sp-traces')).read(reference);
      const out: string[] = [];
      const walk = (value: unknown): void => {
        if (typeof value === 'string') out.push(value);
        else if (Array.isArray(value)) value.forEach(walk);
        else if (value && typeof value === 'object') Object.values(value).forEach(walk);
      };
      walk(record);
      return out;
    }

    it('by default, stores no NameID, attribute value, key, certificate, signature value or cookie in any field', async () => {
      const { sp, store, lines } = await tracedSp();
      try {
        await sp.login();
        const reference = String(lines.find((l) => l.msg === 'koa-mellon: user logged in')?.fields['trace']);
        const stored = await everyStoredString(store, reference);
        expect(stored.length).to.be.greaterThan(10);
        expect(sp.cookies.size).to.be.greaterThan(0);
        for (const value of stored) {
          for (const secret of secrets(sp)) expect(value).to.not.include(secret);
          expect(value).to.not.match(/<(ds:)?SignatureValue>[^[]/);
        }
        for (const line of lines) for (const secret of secrets(sp)) expect(JSON.stringify(line.fields)).to.not.include(secret);
      } finally {
        await sp.stop();
      }
    });

    it("traceRedaction: 'secrets' keeps NameID and attribute values for debugging, never keys or signatures", async () => {
      const { sp, store, lines } = await tracedSp({ traceRedaction: 'secrets' });
      try {
        await sp.login();
        const reference = String(lines.find((l) => l.msg === 'koa-mellon: user logged in')?.fields['trace']);
        const response = (await everyStoredString(store, reference)).find((s) => s.includes('samlp:Response')) ?? '';
        expect(response).to.include('alice-1234').and.include('alice@example.test');
        expect(response).to.not.include(testKeyPair('idp').certPem.split('\n')[1] ?? 'x');
        expect(response).to.match(/SignatureValue>\[redacted\]</);
      } finally {
        await sp.stop();
      }
    });
  });

  it('traces: false stores nothing, and the page still gives a reference for the logs', async () => {
    const { sp, store, read } = await tracedSp({ traces: false });
    try {
      const body = await refusedLogin(sp, { audience: 'https://other.test' });
      expect(body.reference).to.match(REFERENCE);
      expect(await read(body.reference)).to.equal(undefined);
      expect(await store.namespace('sp-traces').indexMembers('peers')).to.deep.equal([]);
    } finally {
      await sp.stop();
    }
  });

  it('lists recent refusals per IdP, newest first', async () => {
    const { sp, store } = await tracedSp();
    try {
      const first = await refusedLogin(sp, { audience: 'https://other.test' });
      const second = await refusedLogin(sp, { recipient: 'https://evil.test/acs' });
      const traces = createTraceStore(store.namespace('sp-traces'));
      expect(await traces.failingPeers()).to.deep.equal([IDP_ENTITY_ID]);
      const failures = await traces.recentFailures(IDP_ENTITY_ID);
      expect(failures.map((f) => [f.reference, f.code])).to.deep.equal([
        [second.reference, 'RECIPIENT_MISMATCH'],
        [first.reference, 'AUDIENCE_MISMATCH'],
      ]);
    } finally {
      await sp.stop();
    }
  });

  describe('createTraceAdmin', () => {
    /** The admin API on an app of its own; returns a GET that answers status and JSON. */
    async function admin(options: Omit<TraceAdminOptions, 'prefix'>): Promise<{ get(path: string): Promise<[number, unknown]>; close(): void }> {
      const app = new Koa();
      app.use(createTraceAdmin({ prefix: '/admin/traces/', ...options }));
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/traces`;
      return {
        get: async (path) => {
          const response = await fetch(`${base}${path}`);
          return [response.status, await response.json()];
        },
        close: () => server.close(),
      };
    }

    it('is refused without the authorize hook, or when it says no', async () => {
      const { sp, store } = await tracedSp();
      const open = await admin({ traces: store });
      const closed = await admin({ traces: store, authorize: () => false });
      try {
        const body = await refusedLogin(sp, { audience: 'https://other.test' });
        for (const api of [open, closed]) {
          for (const path of ['/', `/${body.reference}`]) expect(await api.get(path)).to.deep.equal([403, { error: 'PERMISSION_DENIED' }]);
        }
      } finally {
        open.close();
        closed.close();
        await sp.stop();
      }
    });

    it('lists recent refusals per IdP and serves a trace by its reference, from mellon.traces or the store', async () => {
      const { sp, store } = await tracedSp();
      const fromMellon = await admin({ traces: sp.mellon.traces as NonNullable<typeof sp.mellon.traces>, authorize: () => true });
      const fromStore = await admin({ traces: store, authorize: () => true });
      try {
        const body = await refusedLogin(sp, { audience: 'https://other.test' });
        for (const api of [fromMellon, fromStore]) {
          const [listed, lists] = (await api.get('/')) as [number, { idp: string; failures: { reference: string; code: string }[] }[]];
          expect(listed).to.equal(200);
          expect(lists.map((l) => l.idp)).to.deep.equal([IDP_ENTITY_ID]);
          expect(lists[0]?.failures).to.have.length(1);
          expect(lists[0]?.failures[0]).to.include({ reference: body.reference, code: 'AUDIENCE_MISMATCH' });
          const [status, record] = await api.get(`/${body.reference.toLowerCase()}`);
          expect(status).to.equal(200);
          expect(record).to.include({ reference: body.reference, code: 'AUDIENCE_MISMATCH' });
          expect(await api.get('/ZZZZ-ZZZZ')).to.deep.equal([404, { error: 'TRACE_UNKNOWN' }]);
          expect(await api.get(`/?idp=${encodeURIComponent('https://unknown.test')}`)).to.deep.equal([200, [{ idp: 'https://unknown.test', failures: [] }]]);
        }
      } finally {
        fromMellon.close();
        fromStore.close();
        await sp.stop();
      }
    });
  
    it('docs/troubleshooting.md shows docs/examples/trace-admin.ts as the test runs it', () => {
      const doc = readFileSync(new URL('../../../../docs/troubleshooting.md', import.meta.url), 'utf8');
      expect(doc).to.include(readFileSync(new URL('../../../../docs/examples/trace-admin.ts', import.meta.url), 'utf8').trimEnd());
    });

    it('docs/examples/trace-admin.ts: open to a superuser logged in through koa-mellon, to nobody else', async () => {
      const mellon = createMellon({
        baseUrl: 'https://sp.example.test/accounts/mellon',
        identityProviders: [{ metadata: idpMetadata() }],
        privateKey: testKeyPair('sp').keyPem,
        publicKeys: [testKeyPair('sp').certPem],
        superuserMapping: { groups: 'admins' },
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      const app = new Koa();
      app.keys = ['test-cookie-secret'];
      app.proxy = true;
      app.use(mellon.middleware());
      app.use(mellon.routes());
      mountTraceAdmin(app, mellon);
      const sp = await TestSp.serve(app, mellon);
      try {
        expect((await sp.request(`${sp.origin}/admin/traces/`)).status).to.equal(403);
        expect((await sp.login()).status).to.equal(303);
        const response = await sp.request(`${sp.origin}/admin/traces/`);
        expect(response.status).to.equal(200);
        expect(await response.json()).to.deep.equal([]);
      } finally {
        await sp.stop();
      }
    });
  });
});
