import { expect } from 'chai';
import {
  MellonError, buildArtifactResponse, buildLogoutRequest, buildLogoutResponse, createArtifact, parseArtifact, artifactSourceId,
  parseArtifactResponse, parseAuthnRequest, parseLogoutRequest, parseLogoutResponse, parseXml, serializeXml, STATUS,
} from '@koa-mellon/saml';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const reparse = (doc: Document) => parseXml(serializeXml(doc)).root;

describe('LogoutRequest', () => {
  it('builds and parses NameID, SessionIndex and a 5-minute NotOnOrAfter', () => {
    const { id, document } = buildLogoutRequest({ issuer: 'sp', destination: 'https://idp/slo', nameId: { value: 'alice', format: 'urn:f', spNameQualifier: 'sp' }, sessionIndexes: ['s1', 's2'], clock: () => NOW });
    const request = parseLogoutRequest(reparse(document), { keys: [] });
    expect(request).to.deep.include({ id, issuer: 'sp', destination: 'https://idp/slo', sessionIndexes: ['s1', 's2'] });
    expect(request.nameId).to.deep.include({ value: 'alice', format: 'urn:f', spNameQualifier: 'sp' });
    expect(request.notOnOrAfter?.getTime()).to.equal(NOW + 300_000);
  });
  it('refuses one without NameID', () => {
    const root = parseXml('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" IssueInstant="2026-11-24T12:00:00Z"/>').root;
    expect(() => parseLogoutRequest(root, { keys: [] })).to.throw(MellonError).with.property('code', 'MESSAGE_INVALID');
  });
  it('refuses a SAML 1.1 version', () => {
    const root = parseXml('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="1.1" IssueInstant="2026-11-24T12:00:00Z"/>').root;
    expect(() => parseLogoutRequest(root, { keys: [] })).to.throw(MellonError).with.property('code', 'VERSION_UNSUPPORTED');
  });
});

describe('LogoutResponse', () => {
  it('carries a success status by default and nested codes when given', () => {
    const ok = parseLogoutResponse(reparse(buildLogoutResponse({ issuer: 'idp', destination: 'd', inResponseTo: '_r' }).document));
    expect(ok).to.deep.include({ success: true, inResponseTo: '_r', issuer: 'idp' });
    const partial = parseLogoutResponse(reparse(buildLogoutResponse({ issuer: 'idp', destination: 'd', inResponseTo: '_r', status: { codes: [STATUS.success, STATUS.partialLogout], message: 'some' } }).document));
    expect(partial.statusCodes).to.deep.equal([STATUS.success, STATUS.partialLogout]);
    expect(partial.statusMessage).to.equal('some');
  });
  it('refuses a LogoutRequest where a LogoutResponse is expected', () => {
    const root = reparse(buildLogoutRequest({ issuer: 'sp', destination: 'd', nameId: { value: 'a' } }).document);
    expect(() => parseLogoutResponse(root)).to.throw(MellonError).with.property('code', 'MESSAGE_TYPE_UNEXPECTED');
  });
});

describe('artifacts', () => {
  it('creates and parses a type 0x0004 artifact naming its source', () => {
    const { artifact, messageHandle } = createArtifact('https://idp.test', 2);
    const parsed = parseArtifact(artifact);
    expect(parsed.endpointIndex).to.equal(2);
    expect(parsed.sourceId.equals(artifactSourceId('https://idp.test'))).to.equal(true);
    expect(parsed.messageHandle.equals(messageHandle)).to.equal(true);
  });
  it('refuses other artifact types and lengths', () => {
    expect(() => parseArtifact(Buffer.alloc(44).toString('base64'))).to.throw(MellonError).with.property('code', 'BINDING_INVALID');
    expect(() => parseArtifact('AAQA')).to.throw(MellonError).with.property('code', 'BINDING_INVALID');
  });
  it('wraps one message in an ArtifactResponse and refuses two', () => {
    const inner = buildLogoutResponse({ issuer: 'idp', destination: 'd', inResponseTo: '_r' }).document.documentElement;
    const { document } = buildArtifactResponse({ issuer: 'idp', inResponseTo: '_q', message: inner });
    expect(parseArtifactResponse(reparse(document)).message?.localName).to.equal('LogoutResponse');
    const second = buildLogoutResponse({ issuer: 'idp', destination: 'd', inResponseTo: '_r' }).document.documentElement;
    document.documentElement.appendChild(document.importNode(second, true));
    expect(() => parseArtifactResponse(reparse(document))).to.throw(MellonError).with.property('code', 'XML_UNEXPECTED_CONTENT');
  });
});

describe('parseAuthnRequest', () => {
  const request = (attrs: string, body = '') => parseXml(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="2026-11-24T12:00:00Z" ${attrs}><saml:Issuer>sp</saml:Issuer>${body}</samlp:AuthnRequest>`).root;
  it('reads ForceAuthn, IsPassive and NameIDPolicy', () => {
    const parsed = parseAuthnRequest(request('ForceAuthn="1" IsPassive="false"', '<samlp:NameIDPolicy AllowCreate="true" Format="urn:f"/>'));
    expect(parsed).to.deep.include({ forceAuthn: true, isPassive: false, issuer: 'sp' });
    expect(parsed.nameIdPolicy).to.deep.equal({ format: 'urn:f', spNameQualifier: undefined, allowCreate: true });
  });
  it('refuses a non-boolean ForceAuthn and a bad IssueInstant', () => {
    expect(() => parseAuthnRequest(request('ForceAuthn="yes"'))).to.throw(MellonError).with.property('code', 'MESSAGE_INVALID');
    expect(() => parseAuthnRequest(parseXml('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0" IssueInstant="2026-11-24T12:00:00+02:00"/>').root))
      .to.throw(MellonError).with.property('code', 'MESSAGE_INVALID');
  });
  it('refuses an Issuer after the Signature position', () => {
    expect(() => parseAuthnRequest(request('', '<samlp:NameIDPolicy/><saml:Issuer>x</saml:Issuer>'))).to.throw(MellonError).with.property('code', 'XML_UNEXPECTED_CONTENT');
  });
});
