import { expect } from 'chai';
import { createHash, createPublicKey } from 'node:crypto';
import { NAMEID_FORMAT, STATUS } from '@koa-mellon/saml';
import { createMemoryStore, createTraceStore, type Logger, type StateStore, type TraceRecord } from '@koa-mellon/web';
import type { MellonSettings } from 'koa-mellon';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { tamper } from '../../../../test/helpers/tamper.js';
import { xmlsecResponse, type ResponseFixture } from '../../../../test/helpers/response-fixture.js';
import { TestSp } from '../harness.js';

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const XENC = 'http://www.w3.org/2001/04/xmlenc#';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const HOLDER_OF_KEY = 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key';

/** SHA-256 of the public key (SPKI DER), as traces name keys. */
function fingerprint(name: string): string {
  return createHash('sha256').update(createPublicKey(testKeyPair(name).certPem).export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Personal data of the fixture's user and secrets that no trace may hold (traceRedaction 'personal'). */
const PERSONAL = ['alice-1234', 'alice@example.test', 'staff'];

/** Every string of a trace record. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('login traces: the refusal detail of what the IdP said (SP)', () => {
  before(requireXmlsec);
  let sp: TestSp | undefined;
  let store: StateStore;

  afterEach(async () => {
    await sp?.stop();
    sp = undefined;
  });

  async function start(overrides: Partial<MellonSettings> = {}): Promise<TestSp> {
    store = createMemoryStore();
    sp = await TestSp.start('/accounts/mellon', { store, logger: SILENT, ...overrides });
    return sp;
  }

  /** The Response for this SP's URLs, unencoded (to tamper with, as an attacker or a broken IdP would). */
  function responseXml(app: TestSp, fixture: ResponseFixture): string {
    const login = app.mellon.urls.login;
    return xmlsecResponse({ destination: login, recipient: login, audience: app.mellon.urls.entityId, ...fixture });
  }

  /** Posts `xml` to the ACS, answering a login started here unless `inResponseTo` is null; the refusal's trace. */
  async function refused(app: TestSp, fixture: ResponseFixture, edit: (xml: string) => string = (xml) => xml): Promise<{ code: string; trace: TraceRecord }> {
    const started = fixture.inResponseTo === null ? undefined : await app.startLogin('?next=/reports');
    const xml = edit(responseXml(app, { ...(started ? { inResponseTo: started.requestId } : {}), ...fixture }));
    const form: Record<string, string> = { SAMLResponse: Buffer.from(xml).toString('base64') };
    if (started) form['RelayState'] = started.relayState;
    const body = (await (await app.post(app.mellon.urls.login, form)).json()) as { error: string; reference: string };
    const trace = await createTraceStore(store.namespace('sp-traces')).read(body.reference);
    expect(trace, `a trace for ${body.error}`).to.not.equal(undefined);
    // Redaction still holds with the detail added.
    for (const value of strings(trace)) for (const personal of PERSONAL) expect(value).to.not.include(personal);
    return { code: body.error, trace: trace as TraceRecord };
  }

  const detailOf = (trace: TraceRecord) => trace.steps.at(-1)?.detail ?? {};

  it('DECRYPTION_FAILED: the keys tried against the key the IdP encrypted for, and the algorithms', async () => {
    const app = await start();
    // The IdP encrypts with an old copy of our metadata: another key, named in its EncryptedKey's KeyInfo.
    const { code, trace } = await refused(app, { encrypt: 'aes256-cbc', encryptTo: 'attacker' }, (xml) =>
      tamper(xml, (doc) => {
        const encryptedKey = doc.getElementsByTagNameNS(XENC, 'EncryptedKey')[0] as Element;
        const keyInfo = doc.createElementNS(DS, 'ds:KeyInfo');
        const data = keyInfo.appendChild(doc.createElementNS(DS, 'ds:X509Data'));
        data.appendChild(doc.createElementNS(DS, 'ds:X509Certificate')).textContent = testKeyPair('attacker').certPem.replace(/-----[^-]+-----|\s/g, '');
        encryptedKey.insertBefore(keyInfo, doc.getElementsByTagNameNS(XENC, 'CipherData')[0] as Element);
      }),
    );
    expect(code).to.equal('DECRYPTION_FAILED');
    expect(detailOf(trace)).to.deep.equal({
      triedKeys: fingerprint('sp'),
      encryptedFor: fingerprint('attacker'),
      blockAlgorithm: `${XENC}aes256-cbc`,
      keyTransport: `${XENC}rsa-oaep-mgf1p`,
    });
  });

  it('DECRYPTION_FAILED: an EncryptedKey without a certificate says so', async () => {
    const app = await start();
    const { code, trace } = await refused(app, { encrypt: 'aes128-gcm', encryptTo: 'attacker' });
    expect(code).to.equal('DECRYPTION_FAILED');
    expect(detailOf(trace)).to.include({ triedKeys: fingerprint('sp'), encryptedFor: '(no certificate in KeyInfo)', blockAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes128-gcm' });
  });

  it('REPLAYED_ASSERTION: the assertion ID and when it was first accepted', async () => {
    const app = await start({ allowIdpInitiated: true });
    const assertionId = '_replayed0123456789';
    const xml = responseXml(app, { inResponseTo: null, assertionId });
    const before = Date.now();
    expect((await app.post(app.mellon.urls.login, { SAMLResponse: Buffer.from(xml).toString('base64') })).status).to.equal(303);
    const { code, trace } = await refused(app, { inResponseTo: null }, () => xml);
    expect(code).to.equal('REPLAYED_ASSERTION');
    const detail = detailOf(trace);
    expect(detail['assertionId']).to.equal(assertionId);
    expect(Date.parse(detail['firstSeen'] ?? '')).to.be.within(before, Date.now());
  });

  it('SUBJECT_CONFIRMATION_INVALID: no bearer confirmation, the methods received', async () => {
    const app = await start();
    const { code, trace } = await refused(app, { beforeSigning: (xml) => xml.replace(`Method="${BEARER}"`, `Method="${HOLDER_OF_KEY}"`) });
    expect(code).to.equal('SUBJECT_CONFIRMATION_INVALID');
    expect(detailOf(trace)).to.deep.equal({ expectedMethod: BEARER, receivedMethods: HOLDER_OF_KEY });
  });

  it('SUBJECT_CONFIRMATION_INVALID: a bearer without NotOnOrAfter, the Recipient and NotOnOrAfter expected and received', async () => {
    const app = await start();
    const { code, trace } = await refused(app, { confirmationNotOnOrAfter: null });
    expect(code).to.equal('SUBJECT_CONFIRMATION_INVALID');
    expect(detailOf(trace)).to.deep.equal({
      method: BEARER,
      expectedRecipient: app.mellon.urls.login,
      receivedRecipient: app.mellon.urls.login,
      expectedNotOnOrAfter: 'a time after now',
      receivedNotOnOrAfter: '(none)',
    });
  });

  it('STATUS_NOT_SUCCESS: the top and second-level codes, the StatusMessage, and the NameID format we asked for', async () => {
    const app = await start({ nameIdPolicyFormat: NAMEID_FORMAT.persistent });
    const status =
      `<samlp:Status><samlp:StatusCode Value="${STATUS.requester}"><samlp:StatusCode Value="${STATUS.invalidNameIdPolicy}"/></samlp:StatusCode>` +
      '<samlp:StatusMessage>No persistent identifier for this SP</samlp:StatusMessage></samlp:Status>';
    const { code, trace } = await refused(app, { beforeSigning: (xml) => xml.replace(/<samlp:Status>[\s\S]*?<\/samlp:Status>/, status) });
    expect(code).to.equal('STATUS_NOT_SUCCESS');
    expect(detailOf(trace)).to.deep.equal({
      status: STATUS.requester,
      subStatus: STATUS.invalidNameIdPolicy,
      statusMessage: 'No persistent identifier for this SP',
      nameIdFormatWanted: NAMEID_FORMAT.persistent,
    });
  });

  it('STATUS_NOT_SUCCESS: a bare Responder status', async () => {
    const app = await start();
    const { code, trace } = await refused(app, { statusCode: STATUS.responder });
    expect(code).to.equal('STATUS_NOT_SUCCESS');
    expect(detailOf(trace)).to.deep.equal({ status: STATUS.responder, subStatus: '(none)', statusMessage: '(none)' });
  });

  it('NAMEID_MISSING: no NameID received, the format wanted, no subject attribute set', async () => {
    const app = await start({ nameIdFormats: [NAMEID_FORMAT.emailAddress, NAMEID_FORMAT.persistent] });
    const { code, trace } = await refused(app, { beforeSigning: (xml) => xml.replace(/<saml:NameID[^>]*>[^<]*<\/saml:NameID>/, '') });
    expect(code).to.equal('NAMEID_MISSING');
    expect(detailOf(trace)).to.deep.equal({ nameIdFormatReceived: '(no NameID)', subjectAttribute: '(not set)', nameIdFormatWanted: `${NAMEID_FORMAT.emailAddress} ${NAMEID_FORMAT.persistent}` });
  });

  it('NAMEID_MISSING: the subject attribute has two values: their count, never the values', async () => {
    const app = await start({ transientFederationAttribute: 'mail', attributeMapping: {} });
    const { code, trace } = await refused(app, {
      attributes: { mail: ['alice@example.test', 'staff'] },
      beforeSigning: (xml) => xml.replace(/<saml:NameID[^>]*>[^<]*<\/saml:NameID>/, ''),
    });
    expect(code).to.equal('NAMEID_MISSING');
    expect(detailOf(trace)).to.deep.equal({ nameIdFormatReceived: '(no NameID)', subjectAttribute: 'mail', subjectAttributeValues: '2', nameIdFormatWanted: '(any: neither nameIdPolicyFormat nor nameIdFormats is set)' });
  });

  it('UID_MISSING for a transient NameID without transientFederationAttribute: the format received against the one wanted', async () => {
    const app = await start({ nameIdPolicyFormat: NAMEID_FORMAT.persistent });
    const { code, trace } = await refused(app, { nameIdFormat: NAMEID_FORMAT.transient });
    expect(code).to.equal('UID_MISSING');
    const refusal = trace.steps.at(-1);
    expect(refusal?.step).to.equal('finish: adapters and session');
    expect(refusal?.detail).to.deep.equal({
      nameId: 'transient (a new value at every login)',
      nameIdFormatReceived: NAMEID_FORMAT.transient,
      nameIdFormatWanted: NAMEID_FORMAT.persistent,
      uidAttribute: '(transientFederationAttribute not set)',
      uidAttributeValues: '0',
    });
  });
});
