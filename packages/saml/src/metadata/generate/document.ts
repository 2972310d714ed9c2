import { ConfigError } from '../../errors.js';
import { NS } from '../../constants/urn.js';
import { loadPrivateKey } from '../../keys/load.js';
import { generateId } from '../../messages/common.js';
import { formatInstant } from '../../time.js';
import { buildDocument, serializeXml, x, type XmlElement } from '../../xml/build.js';
import { signElement } from '../../xmldsig/sign.js';
import { formatDuration } from '../values.js';
import { buildContacts, buildOrganization, certificatesOf, type CommonMetadataOptions } from './common.js';

/**
 * Wraps a role descriptor in its EntityDescriptor (saml-metadata §2.3.2: roles, then
 * Organization, then ContactPerson), signs it when asked, and serialises it.
 */
export function buildEntityDescriptor(options: CommonMetadataOptions, role: XmlElement): string {
  if (typeof options.entityId !== 'string' || options.entityId === '' || options.entityId.length > 1024) {
    throw new ConfigError('entityId', 'expected a non-empty URI of at most 1024 characters (saml-metadata §2.3.2)');
  }
  if (options.cacheDurationMs !== undefined && !(options.cacheDurationMs >= 0)) {
    throw new ConfigError('cacheDurationMs', 'expected a non-negative number of milliseconds');
  }
  const tree = x(
    'md:EntityDescriptor',
    {
      entityID: options.entityId,
      ID: options.id ?? generateId(),
      validUntil: options.validUntil && formatInstant(options.validUntil.getTime()),
      cacheDuration: options.cacheDurationMs !== undefined && formatDuration(options.cacheDurationMs),
    },
    role,
    buildOrganization(options.organization),
    buildContacts(options.contacts),
  );
  const document = buildDocument(tree);
  // The builder declares every prefix it meets, `xml` included; that one is bound by definition
  // (xml-names §3) and some canonicalizers treat an explicit declaration differently.
  document.documentElement.removeAttributeNS(NS.xmlns, 'xml');
  if (options.sign) sign(document.documentElement, options.sign);
  return serializeXml(document);
}

function sign(root: Element, options: NonNullable<CommonMetadataOptions['sign']>): void {
  let privateKey;
  try {
    privateKey = loadPrivateKey(options.privateKey);
  } catch (err) {
    throw new ConfigError('sign.privateKey', 'expected a private key (PEM or KeyObject)', { cause: err });
  }
  const [certificate] = options.certificate === undefined ? [] : certificatesOf([options.certificate], 'sign.certificate');
  // saml-metadata §3.1: an enveloped signature over the root, placed first as the schema wants.
  signElement(root, {
    privateKey,
    certificate,
    signatureAlgorithm: options.signatureAlgorithm,
    digestAlgorithm: options.digestAlgorithm,
  });
}
