import { fail } from '../errors.js';
import { NS } from '../constants/urn.js';
import { attribute, childrenNamed } from '../xml/select.js';
import { textOf } from '../xml/text.js';
import { encryptionKeysOf, readKeyDescriptors, signingKeysOf, type KeyLoader } from './read-keys.js';
import { readEndpoints, readIndexedEndpoints } from './read-endpoints.js';
import { extensionsOf, isWebUrl, readScopes, readUiInfo } from './read-extensions.js';
import type { IdpSsoDescriptor, SpSsoDescriptor, SsoDescriptor } from './types.js';
import { readBoolean, readRequired } from './values.js';

/**
 * saml-metadata §2.4.1: protocolSupportEnumeration is a whitespace-separated list of URIs. A role
 * counts only when SAML 2.0 (the samlp namespace) is in it; SAML 1.x and WS-Federation roles of
 * the same entity are left alone.
 */
export function protocolsOf(role: Element): string[] {
  return readRequired(role, 'protocolSupportEnumeration').split(/\s+/).filter((uri) => uri !== '');
}

export function supportsSaml2(role: Element): boolean {
  return protocolsOf(role).includes(NS.samlp);
}

/** saml-metadata §2.4.3 IDPSSODescriptor. */
export function readIdpSsoDescriptor(role: Element, loadKey: KeyLoader): IdpSsoDescriptor {
  const singleSignOnServices = readEndpoints(role, 'SingleSignOnService');
  if (singleSignOnServices.length === 0) fail('METADATA_INVALID', 'IDPSSODescriptor lacks SingleSignOnService');
  return {
    ...readSsoDescriptor(role, loadKey),
    wantAuthnRequestsSigned: readBoolean(role, 'WantAuthnRequestsSigned', false),
    singleSignOnServices,
  };
}

/** saml-metadata §2.4.4 SPSSODescriptor. */
export function readSpSsoDescriptor(role: Element, loadKey: KeyLoader): SpSsoDescriptor {
  const assertionConsumerServices = readIndexedEndpoints(role, 'AssertionConsumerService');
  if (assertionConsumerServices.length === 0) fail('METADATA_INVALID', 'SPSSODescriptor lacks AssertionConsumerService');
  return {
    ...readSsoDescriptor(role, loadKey),
    authnRequestsSigned: readBoolean(role, 'AuthnRequestsSigned', false),
    wantAssertionsSigned: readBoolean(role, 'WantAssertionsSigned', false),
    assertionConsumerServices,
  };
}

/** What both roles share: RoleDescriptor (§2.4.1) and SSODescriptor (§2.4.2). */
function readSsoDescriptor(role: Element, loadKey: KeyLoader): SsoDescriptor {
  const extensions = extensionsOf(role);
  const keys = readKeyDescriptors(role, loadKey);
  const errorUrl = attribute(role, 'errorURL');
  const ui = readUiInfo(extensions);
  return {
    protocolSupport: protocolsOf(role),
    keys,
    signingKeys: signingKeysOf(keys),
    encryptionKeys: encryptionKeysOf(keys),
    ...(errorUrl !== undefined && isWebUrl(errorUrl) ? { errorUrl } : {}),
    artifactResolutionServices: readIndexedEndpoints(role, 'ArtifactResolutionService'),
    singleLogoutServices: readEndpoints(role, 'SingleLogoutService'),
    manageNameIdServices: readEndpoints(role, 'ManageNameIDService'),
    nameIdFormats: childrenNamed(role, 'md', 'NameIDFormat')
      .map((el) => textOf(el).trim())
      .filter((format) => format !== ''),
    ...(ui ? { ui } : {}),
    scopes: readScopes(extensions),
  };
}
