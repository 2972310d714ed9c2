/**
 * A synthetic federation aggregate for the metadata benches: each entity carries its own real X.509
 * certificate (distinct serial, subject and issuer signature), mdui, a scope, endpoints, an
 * Organization and contacts: about 5 KB, so 5,000 entities make a ~24 MB document, the size of a
 * national federation aggregate.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { BINDING, NAMEID_FORMAT, NS } from '../../packages/saml/src/constants/urn.js';
import { buildDocument, serializeXml, x, type XmlElement } from '../../packages/saml/src/xml/build.js';
import { signElement } from '../../packages/saml/src/xmldsig/sign.js';

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

/** The aggregate's certificates: one per entity, plus the next one of every fourth entity (a key rollover). */
export function makeCertificates(count: number): string[] {
  return Array.from({ length: count + Math.ceil(count / 4) }, (_, i) => certificate(i, ca));
}

/** The key pair an aggregate is signed with: the federation operator's. */
export interface Publisher {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function makePublisher(): Publisher {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/**
 * The aggregate of `count` entities built from `certs` (see `makeCertificates`), unsigned and
 * signed by `publisher`. `version` goes into the aggregate's Name, to tell two versions apart.
 */
export function buildAggregate(count: number, certs: readonly string[], publisher: Publisher, version = 'v1'): { unsigned: string; signed: string } {
  const document = buildDocument(
    x(
      'md:EntitiesDescriptor',
      { ID: '_bench', Name: `https://federation.example.org/${version}`, cacheDuration: 'PT6H' },
      certs.slice(0, count).map((cert, i) => entity(i, cert, i % 4 === 0 ? certs[count + i / 4] : undefined)),
    ),
  );
  const unsigned = serializeXml(document);
  signElement(document.documentElement, { privateKey: publisher.privateKey });
  return { unsigned, signed: serializeXml(document) };
}
