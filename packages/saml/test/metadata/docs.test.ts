import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoveryList, openFederation } from '../../../../docs/examples/metadata-federation.js';
import { idpMetadata } from '../../../../docs/examples/metadata-generate-idp.js';
import { spMetadata } from '../../../../docs/examples/metadata-generate-sp.js';
import { readIdentityProvider } from '../../../../docs/examples/metadata-parse.js';
import { openCustomerIdpMetadata } from '../../../../docs/examples/metadata-url-guard.js';
import { idpSigningKeys, openIdpMetadata } from '../../../../docs/examples/metadata-url-source.js';
import { BINDING } from '../../src/index.js';
import { generateIdpMetadata } from '../../src/metadata/generate/idp.js';
import { getIdpDescriptor, getSpDescriptor, singleEntity } from '../../src/metadata/lookup.js';
import { parseMetadata } from '../../src/metadata/parse.js';
import { removeTempDirs, signXml, startServer, tempDir, testKey, type TestServer } from './helpers.js';

use(chaiAsPromised);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const EXAMPLES = join(ROOT, 'docs', 'examples');

// Every snippet of docs/metadata.md is one of these files, run below: the docs cannot rot.
describe('docs/metadata.md examples', () => {
  const publisher = testKey('docs-publisher');
  let server: TestServer;
  before(async () => {
    server = await startServer(() => undefined);
  });
  after(async () => {
    await server.close();
    removeTempDirs();
  });

  it('shows every docs/examples/metadata-*.ts file verbatim', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'metadata.md'), 'utf8');
    const examples = readdirSync(EXAMPLES).filter((name) => name.startsWith('metadata-') && name.endsWith('.ts'));
    expect(examples).to.have.length.greaterThan(4);
    for (const name of examples) {
      expect(doc.includes(`\`\`\`ts\n// docs/examples/${name}\n${readFileSync(join(EXAMPLES, name), 'utf8')}\`\`\``), name).to.equal(true);
    }
  });

  it('metadata-url-guard.ts refuses a loopback URL that is not allow-listed, before fetching it', async () => {
    const requests = server.requests.length;
    const source = openCustomerIdpMetadata(`https://127.0.0.1:${new URL(server.url).port}/metadata.xml`, tempDir());
    try {
      await expect(source.current()).to.be.rejected.and.eventually.have.property('code', 'METADATA_URL_FORBIDDEN');
      expect(server.requests.length).to.equal(requests);
    } finally {
      source.close();
    }
  });

  it('metadata-parse.ts reads a signed IdP', () => {
    const entityId = 'https://idp.example.com/saml/metadata';
    const xml = generateIdpMetadata({ entityId, singleSignOnServiceUrl: 'https://idp.example.com/sso', certificates: [publisher.certPem], sign: { privateKey: publisher.privateKey } });
    const idp = readIdentityProvider(xml, entityId, publisher.certPem);
    expect(idp).to.deep.include({ ssoUrl: 'https://idp.example.com/sso', sloUrl: undefined, wantAuthnRequestsSigned: false });
    expect(idp.signingKeys).to.have.length(1);
  });

  it('metadata-url-source.ts serves an IdP from its URL and logs events', async () => {
    const entityId = 'https://idp.example.com/saml/metadata';
    server.handler = (_req, res) => res.end(generateIdpMetadata({ entityId, singleSignOnServiceUrl: 'https://idp.example.com/sso', certificates: [publisher.certPem] }));
    const lines: string[] = [];
    const source = openIdpMetadata(server.url, tempDir(), (line) => lines.push(line));
    expect(await idpSigningKeys(source, entityId)).to.have.length(1);
    expect(lines).to.deep.equal([`metadata loaded from url: ${server.url}`]);
    source.close();
  });

  it('metadata-federation.ts lists the current IdPs of a signed aggregate by display name', async () => {
    const idp = (entityId: string, names: string, attributes = ''): string =>
      `<md:EntityDescriptor entityID="${entityId}" ${attributes}><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:Extensions><mdui:UIInfo>${names}</mdui:UIInfo></md:Extensions><md:SingleSignOnService Binding="${BINDING.redirect}" Location="https://sso.example.org/"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
    const aggregate = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" ID="_fed">${[
      idp('https://b.example.org', '<mdui:DisplayName xml:lang="fr">Université B</mdui:DisplayName><mdui:DisplayName xml:lang="en">B University</mdui:DisplayName>'),
      idp('https://a.example.org', '<mdui:DisplayName xml:lang="en">A College</mdui:DisplayName><mdui:Logo width="10" height="10">https://a.example.org/logo.png</mdui:Logo>'),
      idp('https://gone.example.org', '<mdui:DisplayName xml:lang="en">Gone</mdui:DisplayName>', 'validUntil="2001-01-01T00:00:00Z"'),
    ].join('')}</md:EntitiesDescriptor>`;
    const xml = signXml(aggregate, publisher);
    server.handler = (_req, res) => res.end(xml);
    const source = openFederation(server.url, publisher.certPem, tempDir());
    expect(await discoveryList(source)).to.deep.equal([
      { entityId: 'https://a.example.org', name: 'A College', logo: 'https://a.example.org/logo.png' },
      { entityId: 'https://b.example.org', name: 'B University' },
    ]);
    source.close();
  });

  it('metadata-generate-sp.ts publishes both certificates during a rollover', () => {
    const next = testKey('docs-next');
    const xml = spMetadata({ privateKeyPem: publisher.keyPem, certificatePem: publisher.certPem, nextCertificatePem: next.certPem });
    const sp = getSpDescriptor(singleEntity(parseMetadata(xml, { signingCertificates: [publisher.certPem] })));
    expect(sp.signingKeys).to.have.length(2);
    expect(sp.encryptionKeys).to.have.length(2);
    expect(sp.assertionConsumerServices[0]).to.deep.include({ binding: BINDING.post, isDefault: true });
  });

  it('metadata-generate-idp.ts produces signed IdP metadata', () => {
    const xml = idpMetadata(publisher.certPem, publisher.keyPem);
    const idp = getIdpDescriptor(singleEntity(parseMetadata(xml, { signingCertificates: [publisher.certPem] })));
    expect(idp.wantAuthnRequestsSigned).to.equal(true);
    expect(idp.artifactResolutionServices).to.have.length(1);
  });
});
