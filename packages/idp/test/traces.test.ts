import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { BINDING, buildArtifactResolve, buildSoapEnvelope, serializeXml, signElement } from '@koa-mellon/saml';
import { ConfigError, createIdp, type IdpSettings, type ServiceProviderSettings } from '@koa-mellon/idp';
import { createMemoryStore, type TraceRecord } from '@koa-mellon/web';
import { testKeyPair } from '../../../test/helpers/keys.js';
import { requireXmlsec } from '../../../test/helpers/xmlsec.js';
import { Browser, type Stop } from './helpers/browser.js';
import { RawSp } from './helpers/raw-sp.js';
import { expectRefusal, nextOf } from './helpers/saml.js';
import { IDP_SECRET, IdpServer, USERS, startWorld, type SpServer, type TestUser, type World } from './helpers/world.js';

const REFERENCE = /Reference: <code>([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})<\/code>/;

interface Line {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly msg: string | undefined;
}

function referenceOn(stop: Stop): string {
  const match = REFERENCE.exec(stop.body ?? '');
  if (!match?.[1]) throw new Error(`no reference on the page: ${stop.body?.slice(0, 300)}`);
  return match[1];
}

/** The public key's SHA-256 fingerprint, as refusal details show it. */
function fingerprint(name: string): string {
  return createHash('sha256').update(testKeyPair(name).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

describe('@koa-mellon/idp traces: a reference per flow, on the error page and every log line, with the operator detail', () => {
  const signedSp = new RawSp('https://signed.example.test', { keyName: 'signed-sp', authnRequestsSigned: true });
  const plainSp = new RawSp('https://plain.example.test', { keyName: 'plain-sp', encryption: false });
  let browser: Browser;
  let idp: IdpServer;
  let lines: Line[];
  let sso: string;
  before(requireXmlsec);

  async function start(settings: Partial<IdpSettings<TestUser>> = {}, sps: ServiceProviderSettings<TestUser>[] = [{ metadata: signedSp.metadata(), allowIdpInitiated: false }, { metadata: plainSp.metadata() }]): Promise<void> {
    browser = new Browser();
    lines = [];
    const keep = (level: string) => (fields: object, msg?: string) => void lines.push({ level, fields: fields as Record<string, unknown>, msg });
    idp = await IdpServer.start(browser, sps, {
      settings: { artifactResolution: true, logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') }, ...settings },
    });
    sso = idp.idp.urls.sso;
  }
  afterEach(() => idp.stop());

  async function read(reference: string): Promise<TraceRecord> {
    const record = await idp.idp.traces?.read(reference);
    if (!record) throw new Error(`no trace ${reference}`);
    return record;
  }

  /** Every log line carrying this reference; and none of the flow's lines without one. */
  function linesOf(reference: string): Line[] {
    return lines.filter((line) => line.fields['trace'] === reference);
  }

  describe('a refused AuthnRequest: the page shows the reference, the trace the expected and received values', () => {
    beforeEach(() => start());

    it('ACS_URL_NOT_REGISTERED: the URL asked for against the ones the SP metadata registers', async () => {
      const stop = await browser.go(signedSp.redirectRequest(sso, { assertionConsumerServiceUrl: 'https://evil.example/acs' }).url);
      expectRefusal(stop, 'ACS_URL_NOT_REGISTERED');
      const reference = referenceOn(stop);
      const trace = await read(reference);
      expect(trace).to.include({ reference, role: 'idp', flow: 'login', peer: signedSp.entityId, outcome: 'refused', code: 'ACS_URL_NOT_REGISTERED' });
      const refusal = trace.steps.at(-1);
      expect(refusal).to.include({ outcome: 'refused', code: 'ACS_URL_NOT_REGISTERED' });
      expect(refusal?.step).to.match(/^choose the ACS/);
      expect(refusal?.detail?.['received']).to.equal(`https://evil.example/acs (${BINDING.post})`);
      expect(refusal?.detail?.['expected']).to.include(signedSp.acs);
      // The steps before it, in order, each done.
      expect(trace.steps.slice(0, -1).map((s) => s.outcome)).to.deep.equal(['ok', 'ok', 'ok', 'ok']);
      expect(trace.messages.map((m) => m.name)).to.deep.equal(['AuthnRequest']);
      const logged = linesOf(reference);
      expect(logged.map((l) => l.msg)).to.include('koa-mellon idp: refused');
      expect(lines.filter((l) => l.msg === 'koa-mellon idp: refused' && l.fields['trace'] !== reference)).to.deep.equal([]);
    });

    it('ENTITY_NOT_FOUND: the Issuer received against the configured SPs', async () => {
      const stranger = new RawSp('https://stranger.example.test', { keyName: 'stranger' });
      const stop = await browser.go(stranger.redirectRequest(sso).url);
      expectRefusal(stop, 'ENTITY_NOT_FOUND');
      const refusal = (await read(referenceOn(stop))).steps.at(-1);
      expect(refusal?.detail?.['received']).to.equal(stranger.entityId);
      expect(refusal?.detail?.['expected']).to.include(signedSp.entityId).and.include(plainSp.entityId);
    });

    it('SIGNATURE_INVALID (HTTP-Redirect): the fingerprints of the keys trusted for that SP', async () => {
      const stop = await browser.go(signedSp.redirectRequest(sso, { signer: testKeyPair('intruder').privateKey }).url);
      expectRefusal(stop, 'SIGNATURE_INVALID');
      const refusal = (await read(referenceOn(stop))).steps.at(-1);
      expect(refusal?.step).to.match(/^verify the signature/);
      expect(refusal?.detail?.['trusted']).to.include(fingerprint('signed-sp')).and.not.include(fingerprint('intruder'));
    });

    it('SIGNATURE_INVALID (HTTP-POST): the KeyInfo certificate (none here) against the keys trusted', async () => {
      const stop = await browser.go(sso, { form: signedSp.postRequest(sso, { signer: testKeyPair('intruder').privateKey }).form });
      expectRefusal(stop, 'SIGNATURE_INVALID');
      const refusal = (await read(referenceOn(stop))).steps.at(-1);
      // Our test signer puts no certificate in KeyInfo: the detail says so rather than guess.
      expect(refusal?.detail).to.deep.equal({ signedWith: '(no certificate in KeyInfo)', trusted: fingerprint('signed-sp') });
    });

    it('DESTINATION_MISMATCH: our SSO URL against the Destination received', async () => {
      const stop = await browser.go(signedSp.redirectRequest(sso, { destination: 'https://other-idp.example/sso' }).url);
      expectRefusal(stop, 'DESTINATION_MISMATCH');
      const refusal = (await read(referenceOn(stop))).steps.at(-1);
      expect(refusal?.detail).to.deep.equal({ expected: sso, received: 'https://other-idp.example/sso' });
    });

    it('ASSERTION_EXPIRED: the IssueInstant, our clock and the difference', async () => {
      const clock = () => Date.parse('2026-01-01T12:00:00Z');
      const stop = await browser.go(signedSp.redirectRequest(sso, { clock }).url);
      expectRefusal(stop, 'ASSERTION_EXPIRED');
      const refusal = (await read(referenceOn(stop))).steps.at(-1);
      expect(refusal?.detail?.['issueInstant']).to.equal('2026-01-01T12:00:00.000Z');
      expect(Number(refusal?.detail?.['differenceSeconds'])).to.be.greaterThan(600);
    });

    it('an IdP-initiated login the SP does not allow: the trace names the SP', async () => {
      const stop = await browser.go(idp.idp.initiateUrl(signedSp.entityId, '/welcome'));
      expectRefusal(stop, 'UNSOLICITED_RESPONSE');
      expect(await read(referenceOn(stop))).to.include({ flow: 'login', peer: signedSp.entityId, code: 'UNSOLICITED_RESPONSE' });
    });

    it('recent refusals are listed per SP', async () => {
      const stop = await browser.go(signedSp.redirectRequest(sso, { assertionConsumerServiceUrl: 'https://evil.example/acs' }).url);
      const failures = await idp.idp.traces?.recentFailures(signedSp.entityId);
      expect(failures?.map((f) => [f.reference, f.code])).to.deep.equal([[referenceOn(stop), 'ACS_URL_NOT_REGISTERED']]);
      expect(await idp.idp.traces?.failingPeers()).to.deep.equal([signedSp.entityId]);
    });
  });

  describe('a login that goes through: one trace from the request to the response', () => {
    beforeEach(() => start());

    it('request received, login page, resume, response sent: one reference, every line tagged, personal data redacted', async () => {
      const atLogin = await browser.go(plainSp.redirectRequest(sso, { signer: null }).url);
      const done = await browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
      const xml = Buffer.from(done.form?.get('SAMLResponse') ?? '', 'base64').toString('utf8');
      const nameId = /<saml:NameID[^>]*>([^<]+)</.exec(xml)?.[1];
      expect(nameId).to.be.a('string');
      // Every line of the flow (metadata loading is the IdP's, not the flow's) carries the one reference.
      const flowLines = lines.filter((l) => !l.msg?.startsWith('koa-mellon idp: metadata'));
      expect(flowLines.length).to.be.greaterThan(1);
      const references = new Set(flowLines.map((l) => l.fields['trace']));
      expect([...references]).to.have.length(1).and.to.not.include(undefined);
      const [reference] = [...references] as string[];
      const trace = await read(reference as string);
      expect(trace).to.include({ role: 'idp', flow: 'login', peer: plainSp.entityId, outcome: 'ok' });
      const steps = trace.steps.map((s) => s.step);
      expect(steps[0]).to.match(/^read the AuthnRequest/);
      expect(steps).to.satisfy((names: string[]) => names.some((n) => n.startsWith('take the pending request')));
      expect(steps.at(-1)).to.match(/^deliver it to the verified ACS/);
      expect(trace.messages.map((m) => m.name)).to.deep.equal(['AuthnRequest', 'Response']);
      // The log line of the response sent carries the reference too.
      expect(linesOf(reference as string).map((l) => l.msg)).to.include('koa-mellon idp: response sent');
      // Nothing personal, no signature value, in any stored field.
      const stored = JSON.stringify(trace);
      const alice = USERS.get('alice') as TestUser;
      for (const secret of [nameId as string, alice.email, alice.name, alice.id, 'staff']) expect(stored).to.not.include(secret);
      const signatureValue = /<ds:SignatureValue>([^<]{20})/.exec(xml)?.[1];
      expect(signatureValue).to.be.a('string');
      expect(stored).to.not.include(signatureValue);
    });

    it('IsPassive without a user: the NoPassive answer is the refusal of the step that gave it', async () => {
      const stop = await browser.go(plainSp.redirectRequest(sso, { signer: null, isPassive: true }).url);
      expect(stop.form?.get('SAMLResponse')).to.be.a('string');
      const [failure] = (await idp.idp.traces?.recentFailures(plainSp.entityId)) ?? [];
      const trace = await read(failure?.reference ?? '');
      expect(trace).to.include({ outcome: 'refused', code: 'STATUS_NOT_SUCCESS' });
      const refusal = trace.steps.at(-1);
      expect(refusal?.step).to.match(/^take the app's user/);
      expect(refusal?.detail?.['status']).to.include('NoPassive');
    });

    it('HTTP-Artifact: the SP\'s ArtifactResolve joins the login\'s trace', async () => {
      const artifactSp = new RawSp('https://artifact.example.test', { keyName: 'signed-sp', encryption: false, sloBindings: null });
      await idp.stop();
      await start({}, [{ metadata: artifactSp.metadata().replace(BINDING.post, BINDING.artifact) }]);
      const atLogin = await browser.go(artifactSp.redirectRequest(sso, { signer: null, protocolBinding: BINDING.artifact }).url);
      const done = await browser.go(idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
      const artifact = new URL(done.url).searchParams.get('SAMLart') as string;
      const { document } = buildArtifactResolve({ issuer: artifactSp.entityId, destination: idp.idp.urls.artifact, artifact });
      signElement(document.documentElement, { privateKey: artifactSp.keys.privateKey });
      const response = await fetch(`${idp.local}${new URL(idp.idp.urls.artifact).pathname}`, {
        method: 'POST',
        body: serializeXml(buildSoapEnvelope(document.documentElement)),
        headers: { 'content-type': 'text/xml', 'x-forwarded-proto': 'https' },
      });
      expect(response.status).to.equal(200);
      const sent = lines.find((l) => l.msg === 'koa-mellon idp: response sent')?.fields['trace'];
      const resolved = lines.find((l) => l.msg === 'koa-mellon idp: artifact resolution')?.fields['trace'];
      expect(resolved).to.be.a('string').and.equal(sent);
      const record = await read(resolved as string);
      expect(record.steps.at(-1)?.step).to.equal('ArtifactResponse sent with the Response');
      expect(record.steps.map((s) => s.step)).to.satisfy((names: string[]) => names.some((n) => n.startsWith('deliver it to the verified ACS')));
      expect(record.messages.map((m) => m.name)).to.deep.equal(['AuthnRequest', 'Response', 'ArtifactResolve']);
      expect(JSON.stringify(record)).to.not.include(artifact);
    });
  });

  describe('single logout', () => {
    beforeEach(() => start());

    it('an unsigned LogoutRequest: SIGNATURE_MISSING in a logout trace naming the SP', async () => {
      const stop = await browser.go(idp.idp.urls.slo, { form: plainSp.logoutRequestForm(idp.idp.urls.slo, { value: 'someone' }, undefined, false).form });
      expectRefusal(stop, 'SIGNATURE_MISSING');
      const trace = await read(referenceOn(stop));
      expect(trace).to.include({ role: 'idp', flow: 'logout', peer: plainSp.entityId, code: 'SIGNATURE_MISSING' });
      expect(trace.steps.at(-1)?.step).to.match(/^verify the signature/);
      expect(trace.messages.map((m) => m.name)).to.deep.equal(['LogoutRequest']);
      expect(JSON.stringify(trace)).to.not.include('someone');
    });

    it('a SOAP LogoutRequest when soapLogout is off: a SOAP fault, the refusal in a trace', async () => {
      const { document } = buildArtifactResolve({ issuer: plainSp.entityId, destination: idp.idp.urls.slo, artifact: 'AAQAAA==' });
      const response = await fetch(`${idp.local}${new URL(idp.idp.urls.slo).pathname}`, {
        method: 'POST',
        body: serializeXml(buildSoapEnvelope(document.documentElement)),
        headers: { 'content-type': 'text/xml', 'x-forwarded-proto': 'https' },
      });
      expect(await response.text()).to.include('<faultstring>BINDING_INVALID</faultstring>');
      const line = lines.find((l) => l.msg === 'koa-mellon idp: SOAP LogoutRequest refused');
      const reference = line?.fields['trace'] as string;
      const trace = await read(reference);
      expect(trace).to.include({ flow: 'logout', outcome: 'refused', code: 'BINDING_INVALID' });
      expect(trace.steps.at(-1)?.step).to.equal('refuse unless soapLogout is on');
    });
  });

  describe('settings', () => {
    const base = (extra: Record<string, unknown>) =>
      ({ baseUrl: 'https://idp.example.test/idp', privateKey: testKeyPair('idp').keyPem, publicKeys: [testKeyPair('idp').certPem], secret: IDP_SECRET, serviceProviders: [], authenticate: () => null, loginUrl: '/login', ...extra }) as unknown as IdpSettings;

    it('traceRedaction must be personal or secrets', () => {
      expect(() => createIdp(base({ traceRedaction: 'none' }))).to.throw(ConfigError).with.property('path', 'traceRedaction');
    });

    it('traceTtl must be a positive number of seconds', () => {
      expect(() => createIdp(base({ traceTtl: 0 }))).to.throw(ConfigError).with.property('path', 'traceTtl');
    });

    it('traces: false keeps nothing, the page still shows a reference', async () => {
      await start({ traces: false });
      expect(idp.idp.traces).to.equal(undefined);
      const stop = await browser.go(signedSp.redirectRequest(sso, { signer: null }).url);
      expectRefusal(stop, 'SIGNATURE_MISSING');
      expect(lines.find((l) => l.msg === 'koa-mellon idp: refused')?.fields['trace']).to.equal(referenceOn(stop));
    });

    it('with the app\'s store, traces go to its idp-traces namespace', async () => {
      const store = createMemoryStore();
      await start({ store });
      const stop = await browser.go(signedSp.redirectRequest(sso, { signer: null }).url);
      const stored = await store.namespace('idp-traces').get<TraceRecord>(`t:${referenceOn(stop)}`);
      expect(stored).to.include({ role: 'idp', code: 'SIGNATURE_MISSING' });
      await store.close();
    });
  });

  describe('consent: the answer joins the login\'s trace', () => {
    let world: World;
    afterEach(() => world.stop());

    it('declined: RequestDenied is the refusal of the Decline step, in the trace the AuthnRequest started', async () => {
      lines = [];
      const keep = (level: string) => (fields: object, msg?: string) => void lines.push({ level, fields: fields as Record<string, unknown>, msg });
      world = await startWorld({ idp: { settings: { logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') } } }, sps: [{ idpSettings: { askConsent: true, attributes: { mail: 'email' } } }] });
      idp = world.idp;
      const sp = world.sps[0] as SpServer;
      const atLogin = await world.browser.go(`${sp.mellon.urls.login}?next=/after`);
      const page = await world.browser.go(world.idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
      const key = /<input type="hidden" name="k" value="([0-9a-f]{32})">/.exec(page.body ?? '')?.[1] ?? '';
      await world.browser.go(`${world.idp.idp.urls.base.href}sso/consent/`, { form: { k: key, decision: 'decline' } });
      const [failure] = (await world.idp.idp.traces?.recentFailures(sp.mellon.urls.entityId)) ?? [];
      const trace = await read(failure?.reference ?? '');
      expect(trace).to.include({ flow: 'login', outcome: 'refused', code: 'STATUS_NOT_SUCCESS' });
      expect(trace.steps[0]?.step).to.match(/^read the AuthnRequest/);
      expect(trace.steps.map((s) => s.step)).to.satisfy((names: string[]) => names.some((n) => n.startsWith('consent:')));
      expect(trace.steps.at(-1)).to.include({ step: 'Decline: RequestDenied (saml-core §3.2.2.2)', outcome: 'refused' });
      expect(trace.steps.at(-1)?.detail?.['status']).to.include('RequestDenied');
      expect(lines.find((l) => l.msg === 'koa-mellon idp: consent declined')?.fields['trace']).to.equal(trace.reference);
    });
  });

  describe('single logout over the SOAP back-channel: the IdP and the SP each keep a trace', () => {
    let world: World;
    let spLines: Line[];
    afterEach(() => world.stop());

    /** Two SPs, the second told over SOAP only; the user logged in to both; the IdP's and that SP's lines kept. */
    async function soapWorld(backSoapLogout: boolean): Promise<{ front: SpServer; back: SpServer }> {
      spLines = [];
      lines = [];
      const keep = (into: () => Line[], level: string) => (fields: object, msg?: string) => void into().push({ level, fields: fields as Record<string, unknown>, msg });
      const logger = (into: () => Line[]) => ({ debug: keep(into, 'debug'), info: keep(into, 'info'), warn: keep(into, 'warn'), error: keep(into, 'error') });
      world = await startWorld({ sps: [{}, { origin: 'local', settings: { soapLogout: backSoapLogout, logger: logger(() => spLines) } }] });
      const [front, back] = world.sps as [SpServer, SpServer];
      await world.idp.stop();
      // Only the back-channel SingleLogoutService left in its metadata: the IdP must use SOAP.
      const soapOnly = (await back.metadata())
        .replace(`Binding="${BINDING.redirect}" Location="${back.mellon.urls.logout}"`, `Binding="${BINDING.soap}" Location="${back.mellon.urls.logout}"`)
        .replace(/<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2\.0:bindings:HTTP-(Redirect|POST)"[^>]*\/>/g, '');
      world.idp = await IdpServer.start(world.browser, [{ metadata: await front.metadata() }, { metadata: soapOnly }], { settings: { logger: logger(() => lines) } });
      idp = world.idp;
      const atLogin = await world.browser.go(`${front.mellon.urls.login}?next=/`);
      await world.browser.go(world.idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
      await world.browser.go(`${back.mellon.urls.login}?next=/`);
      return { front, back };
    }

    it('through the browser: the other SP\'s LogoutResponse joins the logout\'s trace', async () => {
      lines = [];
      const keep = (level: string) => (fields: object, msg?: string) => void lines.push({ level, fields: fields as Record<string, unknown>, msg });
      world = await startWorld({ sps: [{}, { origin: 'https://sp2.example.test' }] });
      const [front, back] = world.sps as [SpServer, SpServer];
      await world.idp.stop();
      world.idp = await IdpServer.start(world.browser, [{ metadata: await front.metadata() }, { metadata: await back.metadata() }], { settings: { logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') } } });
      idp = world.idp;
      const atLogin = await world.browser.go(`${front.mellon.urls.login}?next=/`);
      await world.browser.go(world.idp.url(`/login/as?user=alice&next=${encodeURIComponent(nextOf(atLogin.url))}`));
      await world.browser.go(`${back.mellon.urls.login}?next=/`);
      const logins = new Set(lines.map((l) => l.fields['trace']));
      await world.browser.go(`${front.mellon.urls.logout}?next=/bye`);
      const logoutLines = lines.filter((l) => !logins.has(l.fields['trace']));
      const references = new Set(logoutLines.map((l) => l.fields['trace']));
      expect([...references]).to.have.length(1).and.not.include(undefined);
      const trace = await read([...references][0] as string);
      expect(trace).to.include({ role: 'idp', flow: 'logout', outcome: 'ok' });
      const steps = trace.steps.map((s) => s.step);
      expect(steps).to.include(`LogoutRequest sent to ${back.mellon.urls.entityId} through the browser`);
      expect(steps.at(-1)).to.match(/^LogoutResponse: the run it answers goes on/);
      expect(trace.messages.map((m) => m.name)).to.deep.equal(['LogoutRequest', 'LogoutResponse']);
      expect(logoutLines.map((l) => l.msg)).to.include('koa-mellon idp: single logout finished');
    });

    it('told: the IdP\'s logout trace has the SP logged out over SOAP, the SP\'s trace the LogoutRequest it took', async () => {
      const { front, back } = await soapWorld(true);
      await world.browser.go(`${front.mellon.urls.logout}?next=/bye`);
      const reference = lines.find((l) => l.msg === 'koa-mellon idp: SP logged out over SOAP')?.fields['trace'] as string;
      const trace = await read(reference);
      expect(trace).to.include({ role: 'idp', flow: 'logout', peer: front.mellon.urls.entityId, outcome: 'ok' });
      expect(trace.steps.map((s) => s.step)).to.include(`${back.mellon.urls.entityId}: logged out over SOAP`);
      const spReference = spLines.find((l) => l.msg === 'koa-mellon: IdP-initiated logout')?.fields['trace'] as string;
      const spTrace = await back.mellon.traces?.read(spReference);
      expect(spTrace).to.include({ role: 'sp', flow: 'logout', peer: world.idp.idp.urls.entityId, outcome: 'ok' });
      expect(spTrace?.steps.map((s) => s.step)).to.deep.equal([
        'SOAP LogoutRequest: read the envelope (soapLogout on)',
        'LogoutRequest: choose the IdP by Issuer and verify its signature',
        'end the federated sessions and answer over SOAP',
      ]);
      expect(spTrace?.messages.map((m) => m.name)).to.deep.equal(['LogoutRequest (SOAP)']);
      // The NameID the IdP sent is not kept (personal redaction).
      expect(spTrace?.messages[0]?.xml).to.include('<saml:NameID').and.include('[redacted]');
    });

    it('refused by the SP: its trace holds the refusal, the IdP\'s a partial logout naming the code', async () => {
      const { front, back } = await soapWorld(false);
      await world.browser.go(`${front.mellon.urls.logout}?next=/bye`);
      const reference = lines.find((l) => l.msg === 'koa-mellon idp: back-channel logout failed')?.fields['trace'] as string;
      const trace = await read(reference);
      expect(trace.steps.map((s) => s.step)).to.include(`${back.mellon.urls.entityId}: back-channel logout failed (LOGOUT_FAILED), partial logout`);
      const spReference = spLines.find((l) => l.msg === 'koa-mellon: SOAP LogoutRequest refused')?.fields['trace'] as string;
      const spTrace = await back.mellon.traces?.read(spReference);
      expect(spTrace).to.include({ role: 'sp', flow: 'logout', outcome: 'refused', code: 'BINDING_INVALID' });
      expect(spTrace?.steps.at(-1)?.step).to.equal('SOAP LogoutRequest: read the envelope (soapLogout on)');
    });
  });
});
