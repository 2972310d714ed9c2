import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { execFile } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BINDING, MellonError } from '../../src/index.js';
import { parseMetadata, type ParseMetadataOptions } from '../../src/metadata/parse.js';
import { parseMetadataAsync } from '../../src/metadata/parse-async.js';
import type { MetadataKey, ParsedMetadata, SsoDescriptor } from '../../src/metadata/types.js';
import { LazyEntityMap } from '../../src/metadata/worker/lazy-entities.js';
import { fixture, signXml, testClock, testKey } from './helpers.js';

use(chaiAsPromised);

const IN_WORKER = { workerThreshold: 0 } as const;
const IN_THREAD = { workerThreshold: Number.POSITIVE_INFINITY } as const;

/** Parsed metadata as plain data: keys by their SPKI, certificates by their DER, dates as ISO. */
function plain(metadata: ParsedMetadata): unknown {
  const spki = (key: KeyObject): string => key.export({ type: 'spki', format: 'der' }).toString('base64');
  const key = (k: MetadataKey) => ({ use: k.use, key: spki(k.key), certificate: k.certificate?.raw.toString('base64'), encryptionMethods: k.encryptionMethods });
  const role = (r: SsoDescriptor | undefined) =>
    r && { ...r, keys: r.keys.map(key), signingKeys: r.signingKeys.map(spki), encryptionKeys: r.encryptionKeys.map(key) };
  return {
    ...metadata,
    validUntil: metadata.validUntil?.toISOString(),
    entities: [...metadata.entities].map(([id, entity]) => [id, { ...entity, validUntil: entity.validUntil?.toISOString(), idp: role(entity.idp), sp: role(entity.sp) }]),
  };
}

const MD = 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"';
const SAML2 = 'urn:oasis:names:tc:SAML:2.0:protocol';
const idp = (entityId: string, attributes = ''): string =>
  `<md:EntityDescriptor entityID="${entityId}" ${attributes}><md:IDPSSODescriptor protocolSupportEnumeration="${SAML2}"><md:SingleSignOnService Binding="${BINDING.redirect}" Location="${entityId}/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const aggregate = (inner: string): string => `<md:EntitiesDescriptor ${MD} ID="_agg" Name="urn:test:federation" validUntil="2030-06-01T00:00:00Z">${inner}</md:EntitiesDescriptor>`;

describe('parseMetadataAsync (parse, verify and index in a worker thread)', () => {
  const clock = testClock();
  const signing = testKey('fixture-signing');
  const next = testKey('fixture-next');
  const encryption = testKey('fixture-encryption');
  const publisher = testKey('async-publisher');
  const certs = { CERT_SIGNING: signing.certBase64, CERT_NEXT: next.certBase64, CERT_ENCRYPTION: encryption.certBase64, CERT_BACKCHANNEL: next.certBase64 };
  const documents: Array<[string, string, ParseMetadataOptions]> = [
    ...['okta.xml', 'entra-id.xml', 'adfs.xml', 'shibboleth-idp.xml', 'simplesamlphp-idp.xml', 'simplesamlphp-sp.xml', 'keycloak.xml', 'keycloak-legacy.xml'].map(
      (name): [string, string, ParseMetadataOptions] => [name, fixture(name, certs), {}],
    ),
    ['federation.xml', fixture('federation.xml', { CERT_A: signing.certBase64, CERT_B: encryption.certBase64 }), {}],
    [
      'a signed aggregate with a member skipped',
      signXml(aggregate(idp('https://a.example.org') + idp('https://b.example.org', 'validUntil="2030-03-01T00:00:00Z"') + idp('https://bad.example.org').replace('Binding=', 'binding=')), publisher),
      { signingCertificates: [publisher.certPem] },
    ],
  ];

  for (const [what, xml, options] of documents) {
    it(`gives the same result in the worker as on the main thread: ${what}`, async () => {
      const inThread = await parseMetadataAsync(Buffer.from(xml), { ...options, clock, ...IN_THREAD });
      const inWorker = await parseMetadataAsync(Buffer.from(xml), { ...options, clock, ...IN_WORKER });
      expect(plain(inWorker)).to.deep.equal(plain(inThread));
      expect(plain(inThread)).to.deep.equal(plain(parseMetadata(xml, { ...options, clock })));
    });
  }

  it('shares one KeyObject between the keys that list one certificate, as a parse on this thread does', async () => {
    const metadata = await parseMetadataAsync(fixture('adfs.xml', certs), { clock, ...IN_WORKER });
    const [entity] = metadata.entities.values();
    const keys = entity?.idp?.keys ?? [];
    expect(keys.length).to.be.greaterThan(1);
    const byCertificate = new Map(keys.map((key) => [key.certificate?.raw.toString('base64'), key.key]));
    for (const key of keys) expect(key.key).to.equal(byCertificate.get(key.certificate?.raw.toString('base64')));
  });

  it('accepts the text as well as the bytes', async () => {
    const xml = fixture('okta.xml', certs);
    expect(plain(await parseMetadataAsync(xml, { clock, ...IN_WORKER }))).to.deep.equal(plain(parseMetadata(xml, { clock })));
  });

  const refusals: Array<[string, string, ParseMetadataOptions, string]> = [
    ['a signature by another key', signXml(aggregate(idp('https://a.example.org')), testKey('async-attacker')), { signingCertificates: [publisher.certPem] }, 'SIGNATURE_INVALID'],
    ['a document changed after signing', signXml(aggregate(idp('https://a.example.org')), publisher).replace('/sso', '/evil'), { signingCertificates: [publisher.certPem] }, 'DIGEST_MISMATCH'],
    ['an unsigned document where a signature is required', aggregate(idp('https://a.example.org')), { signingCertificates: [publisher.certPem] }, 'SIGNATURE_MISSING'],
    ['malformed XML', aggregate(idp('https://a.example.org')).slice(0, 120), {}, 'XML_INVALID'],
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY e "e">]>${aggregate(idp('https://a.example.org'))}`, {}, 'XML_DOCTYPE_FORBIDDEN'],
    ['a document that is not metadata', '<html><body>Sign in</body></html>', {}, 'METADATA_INVALID'],
    ['an expired document', aggregate(idp('https://a.example.org')).replace('2030-06-01', '2029-06-01'), {}, 'METADATA_EXPIRED'],
    ['a document without the expected entity', aggregate(idp('https://a.example.org')), { expectedEntityId: 'https://b.example.org' }, 'ENTITY_NOT_FOUND'],
    ['a certificate that does not load', idp('https://a.example.org').replace('<md:EntityDescriptor ', `<md:EntityDescriptor ${MD} `).replace('<md:SingleSignOnService', '<md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService'), {}, 'KEY_INVALID'],
    ['a document over maxBytes', aggregate(idp('https://a.example.org')), { maxBytes: 100 }, 'INPUT_TOO_LARGE'],
  ];
  for (const [what, xml, options, code] of refusals) {
    it(`refuses ${what} with ${code}, in the worker as on the main thread`, async () => {
      await expect(parseMetadataAsync(Buffer.from(xml), { ...options, clock, ...IN_THREAD })).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);
      await expect(parseMetadataAsync(Buffer.from(xml), { ...options, clock, ...IN_WORKER })).to.be.rejectedWith(MellonError).and.eventually.have.property('code', code);
    });
  }

  it('parses in a worker from workerThreshold bytes on, and on the main thread below', async () => {
    const xml = fixture('okta.xml', certs);
    const size = Buffer.byteLength(xml);
    // What the worker sends back is indexed in a LazyEntityMap: the map's class tells the paths apart.
    const lazy = (metadata: ParsedMetadata): boolean => metadata.entities instanceof LazyEntityMap;
    expect(lazy(await parseMetadataAsync(xml, { clock, workerThreshold: size }))).to.equal(true);
    expect(lazy(await parseMetadataAsync(xml, { clock, workerThreshold: size + 1 }))).to.equal(false);
  });

  it('abandons a parse when its signal aborts (METADATA_UNAVAILABLE)', async () => {
    const controller = new AbortController();
    const parsing = parseMetadataAsync(aggregate(idp('https://a.example.org')), { clock, ...IN_WORKER, signal: controller.signal });
    controller.abort();
    await expect(parsing).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'METADATA_UNAVAILABLE');
  });
});

describe('parseMetadataAsync from the compiled package (dist/, no tsx)', function () {
  // Compiling the package takes a few seconds on a loaded machine.
  this.timeout(120_000);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  // Inside the package, so that the compiled code finds the package's own dependencies.
  const outDir = join(root, '.cache', `dist-test-${process.pid}`);

  before(async () => {
    rmSync(outDir, { recursive: true, force: true });
    const tsc = join(root, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--outDir', outDir, '--composite', 'false', '--incremental', 'false', '--declaration', 'false', '--sourceMap', 'false'];
    await promisify(execFile)(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), ...flags]);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
  });
  after(() => {
    rmSync(outDir, { recursive: true, force: true });
    // The .cache directory too, unless something else keeps files there.
    try {
      rmdirSync(dirname(outDir));
    } catch {
      // Not empty, or already gone.
    }
  });

  /** Runs `parseMetadataAsync` of the compiled package in a plain `node` (no loader, no `koa-mellon-source` condition). */
  const runCompiled = async (xml: string, options: Record<string, unknown>): Promise<unknown> => {
    const script = [
      `const { parseMetadataAsync } = await import(${JSON.stringify(pathToFileURL(join(outDir, 'index.js')).href)});`,
      'const [xml, options] = JSON.parse(process.argv[1]);',
      "const clock = () => Date.parse('2030-01-01T00:00:00Z');",
      'try {',
      '  const metadata = await parseMetadataAsync(Buffer.from(xml), { ...options, clock, workerThreshold: 0 });',
      '  const idp = [...metadata.entities.values()][0].idp;',
      '  console.log(JSON.stringify({ entities: [...metadata.entities.keys()], skipped: metadata.skipped.map((s) => s.entityId), signed: metadata.signed, key: idp?.signingKeys[0]?.asymmetricKeyType ?? null }));',
      '} catch (err) {',
      '  console.log(JSON.stringify({ code: err.code }));',
      '}',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([xml, options])], { env: { ...process.env, NODE_OPTIONS: '' } });
    return JSON.parse(stdout);
  };

  it('loads its worker and gives the result of the main thread', async () => {
    const publisher = testKey('async-publisher');
    const xml = signXml(aggregate(idp('https://a.example.org').replace('<md:SingleSignOnService', `<md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${publisher.certBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService`) + idp('https://bad.example.org').replace('Binding=', 'binding=')), publisher);
    expect(await runCompiled(xml, { signingCertificates: [publisher.certPem] })).to.deep.equal({ entities: ['https://a.example.org'], skipped: ['https://bad.example.org'], signed: true, key: 'rsa' });
  });

  it('brings a refusal back with its code', async () => {
    const xml = signXml(aggregate(idp('https://a.example.org')), testKey('async-attacker'));
    expect(await runCompiled(xml, { signingCertificates: [testKey('async-publisher').certPem] })).to.deep.equal({ code: 'SIGNATURE_INVALID' });
  });
});
