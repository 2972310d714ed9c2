/**
 * Federation-size metadata: parse, verify, index and look up a synthetic aggregate.
 *
 *   node --conditions=source --import tsx bench/metadata.ts [entities=5000]
 *
 * Each entity carries its own real X.509 certificate (distinct serial, subject and issuer
 * signature), mdui, a scope, endpoints, an Organization and contacts: about 5 KB, so 5,000
 * entities make a ~25 MB document, the size of a national federation aggregate.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import forge from 'node-forge';
import { BINDING, NAMEID_FORMAT, NS } from '../packages/saml/src/constants/urn.js';
import { getEntity, parseMetadata } from '../packages/saml/src/metadata/index.js';
import { buildDocument, serializeXml, x, type XmlElement } from '../packages/saml/src/xml/build.js';
import { signElement } from '../packages/saml/src/xmldsig/sign.js';

setFlagsFromString('--expose-gc');
// The gc function exposed by the flag above, fetched from a fresh context.
const gc = runInNewContext('gc') as () => void;

const count = Number(process.argv[2] ?? 5000);
const ms = (start: bigint): string => `${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// node-forge builds the certificate structure; node:crypto signs it (forge's RSA is too slow for thousands).
type ForgePki = typeof forge.pki & { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 };
// getTBSCertificate exists at run time but is missing from @types/node-forge.
const pki = forge.pki as ForgePki;
const ca = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const subjectKeys = Array.from({ length: 8 }, () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return pki.publicKeyFromPem(pem);
});

/** rfc4055 §5: sha256WithRSAEncryption. */
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

function certificate(i: number, issuerKey: KeyObject): string {
  const cert = pki.createCertificate();
  // An index modulo the length is always in range.
  cert.publicKey = subjectKeys[i % subjectKeys.length] as forge.pki.PublicKey;
  cert.serialNumber = (0x100000 + i).toString(16);
  cert.validity.notBefore = new Date('2025-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2035-01-01T00:00:00Z');
  cert.setSubject([{ name: 'commonName', value: `entity-${i}.example.org` }]);
  cert.setIssuer([{ name: 'commonName', value: 'Bench Federation CA' }]);
  cert.siginfo.algorithmOid = SHA256_WITH_RSA;
  cert.signatureOid = SHA256_WITH_RSA;
  const tbs = pki.getTBSCertificate(cert);
  const signature = sign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), issuerKey);
  cert.signature = signature.toString('binary');
  // Reuse the exact TBS that was signed.
  (cert as forge.pki.Certificate & { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  return Buffer.from(forge.asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary').toString('base64');
}

function keyDescriptor(use: 'signing' | 'encryption', cert: string): XmlElement {
  return x('md:KeyDescriptor', { use }, x('ds:KeyInfo', {}, x('ds:X509Data', {}, x('ds:X509Certificate', {}, cert))));
}

function entity(i: number, cert: string, next: string | undefined): XmlElement {
  const host = `https://entity-${i}.example.org`;
  const idp = i % 2 === 0;
  const extensions = x(
    'md:Extensions',
    {},
    idp && x('shibmd:Scope', { regexp: 'false' }, `entity-${i}.example.org`),
    x(
      'mdui:UIInfo',
      {},
      x('mdui:DisplayName', { 'xml:lang': 'en' }, `Example Organization number ${i}`),
      x('mdui:DisplayName', { 'xml:lang': 'fr' }, `Organisation exemple numéro ${i}`),
      x('mdui:Keywords', { 'xml:lang': 'en' }, `example organization benchmark federation entity-${i}`),
      x('mdui:Description', { 'xml:lang': 'en' }, `The ${idp ? 'identity provider' : 'service'} of example organization ${i}, used to benchmark metadata parsing at federation scale.`),
      x('mdui:Description', { 'xml:lang': 'fr' }, `Le ${idp ? "fournisseur d'identité" : 'service'} de l'organisation exemple ${i}, pour mesurer la lecture des métadonnées d'une fédération.`),
      x('mdui:InformationURL', { 'xml:lang': 'en' }, `${host}/about`),
      x('mdui:PrivacyStatementURL', { 'xml:lang': 'en' }, `${host}/privacy`),
      x('mdui:Logo', { width: 80, height: 60 }, `${host}/logo.png`),
    ),
  );
  const common = [
    extensions,
    keyDescriptor('signing', cert),
    // One entity in four is rolling its key over: the next certificate is already published.
    next !== undefined && keyDescriptor('signing', next),
    keyDescriptor('encryption', cert),
    idp && x('md:ArtifactResolutionService', { Binding: BINDING.soap, Location: `${host}:8443/saml/artifact`, index: 0 }),
    x('md:SingleLogoutService', { Binding: BINDING.redirect, Location: `${host}/saml/slo` }),
    x('md:SingleLogoutService', { Binding: BINDING.post, Location: `${host}/saml/slo` }),
    x('md:NameIDFormat', {}, NAMEID_FORMAT.persistent),
    x('md:NameIDFormat', {}, NAMEID_FORMAT.transient),
  ];
  const role = idp
    ? x(
        'md:IDPSSODescriptor',
        { protocolSupportEnumeration: NS.samlp },
        common,
        x('md:SingleSignOnService', { Binding: BINDING.redirect, Location: `${host}/saml/sso` }),
        x('md:SingleSignOnService', { Binding: BINDING.post, Location: `${host}/saml/sso` }),
      )
    : x(
        'md:SPSSODescriptor',
        { protocolSupportEnumeration: NS.samlp, WantAssertionsSigned: 'true' },
        common,
        x('md:AssertionConsumerService', { Binding: BINDING.post, Location: `${host}/saml/acs`, index: 0, isDefault: 'true' }),
        x('md:AssertionConsumerService', { Binding: BINDING.artifact, Location: `${host}/saml/acs`, index: 1 }),
      );
  return x(
    'md:EntityDescriptor',
    { entityID: `${host}/saml/metadata` },
    role,
    x(
      'md:Organization',
      {},
      x('md:OrganizationName', { 'xml:lang': 'en' }, `Example Organization ${i}`),
      x('md:OrganizationDisplayName', { 'xml:lang': 'en' }, `Example ${i}`),
      x('md:OrganizationURL', { 'xml:lang': 'en' }, `${host}/`),
    ),
    x('md:ContactPerson', { contactType: 'technical' }, x('md:GivenName', {}, 'IT'), x('md:EmailAddress', {}, `mailto:it@entity-${i}.example.org`)),
    x('md:ContactPerson', { contactType: 'support' }, x('md:EmailAddress', {}, `mailto:support@entity-${i}.example.org`)),
  );
}

let start = process.hrtime.bigint();
const certs = Array.from({ length: count + Math.ceil(count / 4) }, (_, i) => certificate(i, ca));
console.log(`${certs.length} certificates made in ${ms(start)}`);

start = process.hrtime.bigint();
const document = buildDocument(
  x('md:EntitiesDescriptor', { ID: '_bench', Name: 'https://federation.example.org', cacheDuration: 'PT6H' }, certs.slice(0, count).map((cert, i) => entity(i, cert, i % 4 === 0 ? certs[count + i / 4] : undefined))),
);
const unsigned = serializeXml(document);
const publisher = generateKeyPairSync('rsa', { modulusLength: 2048 });
signElement(document.documentElement, { privateKey: publisher.privateKey });
const signed = serializeXml(document);
console.log(`aggregate built in ${ms(start)}: ${mb(Buffer.byteLength(unsigned))}, ${count} entities`);

for (const [label, xml, options] of [
  ['unsigned', unsigned, {}],
  ['signed, verified', signed, { signingCertificates: [publisher.publicKey] }],
] as const) {
  gc();
  const before = process.memoryUsage();
  start = process.hrtime.bigint();
  const metadata = parseMetadata(xml, options);
  const parseTime = ms(start);
  gc();
  const after = process.memoryUsage();
  // KeyObjects and certificates live outside the JS heap: `external` counts them.
  const retained = `heapUsed +${mb(after.heapUsed - before.heapUsed)}, external +${mb(after.external - before.external)}`;
  console.log(`parse (${label}): ${parseTime}; retained ${retained}; ${metadata.entities.size} entities`);

  const ids = [...metadata.entities.keys()];
  const lookups = 1_000_000;
  start = process.hrtime.bigint();
  let found = 0;
  // An index modulo the length is always in range.
  for (let i = 0; i < lookups; i++) found += getEntity(metadata, ids[(i * 7919) % ids.length] as string).idp ? 1 : 0;
  const total = Number(process.hrtime.bigint() - start);
  console.log(`lookup: ${(total / lookups).toFixed(0)} ns per getEntity (${lookups} lookups, ${found} IdPs)`);
}
