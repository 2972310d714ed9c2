import { ConfigError } from '../../errors.js';
import { certificateBase64, loadPublicKey, type PrivateKeyInput, type PublicKeyInput, type TrustedKey } from '../../keys/load.js';
import { x, type XmlElement } from '../../xml/build.js';
import type { ContactPerson, Endpoint, IndexedEndpoint, Organization } from '../types.js';

/** How generated metadata is signed (enveloped, exclusive c14n, rsa-sha256 by default). */
export interface MetadataSigningOptions {
  readonly privateKey: PrivateKeyInput;
  /** The matching certificate, put in the signature's KeyInfo. */
  readonly certificate?: PublicKeyInput | undefined;
  readonly signatureAlgorithm?: string | undefined;
  readonly digestAlgorithm?: string | undefined;
}

/** What SP and IdP metadata share. */
export interface CommonMetadataOptions {
  readonly entityId: string;
  /**
   * Certificates published for both signing and encryption, one KeyDescriptor of each use per
   * certificate. List the next certificate beside the current one to roll keys over.
   */
  readonly certificates?: readonly PublicKeyInput[] | undefined;
  /** Certificates published for signing only. */
  readonly signingCertificates?: readonly PublicKeyInput[] | undefined;
  /** Certificates published for encryption only. */
  readonly encryptionCertificates?: readonly PublicKeyInput[] | undefined;
  /** `<md:NameIDFormat>` values, in order of preference. Default: none. */
  readonly nameIdFormats?: readonly string[] | undefined;
  readonly organization?: Organization | undefined;
  readonly contacts?: readonly ContactPerson[] | undefined;
  readonly validUntil?: Date | undefined;
  readonly cacheDurationMs?: number | undefined;
  /** The root's ID attribute. Default: a fresh random one. */
  readonly id?: string | undefined;
  /** Sign the EntityDescriptor. */
  readonly sign?: MetadataSigningOptions | undefined;
}

/** KeyDescriptors for every configured certificate (saml-metadata §2.4.1.1). */
export function buildKeyDescriptors(options: CommonMetadataOptions): XmlElement[] {
  const descriptor = (certificate: string, use: 'signing' | 'encryption'): XmlElement =>
    x('md:KeyDescriptor', { use }, x('ds:KeyInfo', {}, x('ds:X509Data', {}, x('ds:X509Certificate', {}, certificate))));
  const both = certificatesOf(options.certificates, 'certificates');
  return [
    ...[...both, ...certificatesOf(options.signingCertificates, 'signingCertificates')].map((cert) => descriptor(cert, 'signing')),
    ...[...both, ...certificatesOf(options.encryptionCertificates, 'encryptionCertificates')].map((cert) => descriptor(cert, 'encryption')),
  ];
}

/** True when some certificate will be published for signing. */
export function publishesSigningKey(options: CommonMetadataOptions): boolean {
  return (options.certificates?.length ?? 0) + (options.signingCertificates?.length ?? 0) > 0;
}

export function certificatesOf(inputs: readonly PublicKeyInput[] | undefined, path: string): string[] {
  return (inputs ?? []).map((input, i) => {
    let loaded: TrustedKey | undefined;
    try {
      loaded = loadPublicKey(input);
    } catch (err) {
      throw new ConfigError(`${path}[${i}]`, 'expected an X.509 certificate (PEM or base64 DER)', { cause: err });
    }
    // KeyInfo carries certificates: a bare public key has nothing to publish there.
    if (!loaded.certificate) throw new ConfigError(`${path}[${i}]`, 'expected an X.509 certificate, not a bare public key');
    return certificateBase64(loaded.certificate);
  });
}

export function buildEndpoint(name: string, endpoint: Endpoint): XmlElement {
  return x(`md:${name}`, { Binding: endpoint.binding, Location: endpoint.location, ResponseLocation: endpoint.responseLocation });
}

export function buildIndexedEndpoint(name: string, endpoint: IndexedEndpoint): XmlElement {
  return x(`md:${name}`, {
    Binding: endpoint.binding,
    Location: endpoint.location,
    ResponseLocation: endpoint.responseLocation,
    index: endpoint.index,
    isDefault: endpoint.isDefault === undefined ? undefined : String(endpoint.isDefault),
  });
}

export function buildNameIdFormats(formats: readonly string[] | undefined): XmlElement[] {
  return (formats ?? []).map((format) => x('md:NameIDFormat', {}, format));
}

/** saml-metadata §2.3.2.1: each child carries xml:lang. */
export function buildOrganization(organization: Organization | undefined): XmlElement | undefined {
  if (!organization) return undefined;
  if (organization.names.length === 0 || organization.displayNames.length === 0 || organization.urls.length === 0) {
    throw new ConfigError('organization', 'names, displayNames and urls each need at least one entry (saml-metadata §2.3.2.1)');
  }
  const localized = (name: string, values: Organization['names']): XmlElement[] =>
    values.map((value) => x(`md:${name}`, { 'xml:lang': value.lang }, value.value));
  return x(
    'md:Organization',
    {},
    localized('OrganizationName', organization.names),
    localized('OrganizationDisplayName', organization.displayNames),
    localized('OrganizationURL', organization.urls),
  );
}

/** saml-metadata §2.3.2.2: Company?, GivenName?, SurName?, EmailAddress*, TelephoneNumber*. */
export function buildContacts(contacts: readonly ContactPerson[] | undefined): XmlElement[] {
  return (contacts ?? []).map((contact) =>
    x(
      'md:ContactPerson',
      { contactType: contact.contactType },
      contact.company !== undefined && x('md:Company', {}, contact.company),
      contact.givenName !== undefined && x('md:GivenName', {}, contact.givenName),
      contact.surName !== undefined && x('md:SurName', {}, contact.surName),
      contact.emailAddresses.map((email) => x('md:EmailAddress', {}, email)),
      contact.telephoneNumbers.map((phone) => x('md:TelephoneNumber', {}, phone)),
    ),
  );
}

/** An option that must be an absolute http(s) URL. */
export function requireUrl(value: string, path: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new ConfigError(path, 'expected an absolute http(s) URL');
  return value;
}

/** A non-empty list of binding URIs. */
export function requireBindings(bindings: readonly string[], path: string): readonly string[] {
  if (bindings.length === 0 || bindings.some((binding) => typeof binding !== 'string' || binding === '')) {
    throw new ConfigError(path, 'expected a non-empty list of binding URIs');
  }
  return bindings;
}
