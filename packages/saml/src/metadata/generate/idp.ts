import { BINDING, NS } from '../../constants/urn.js';
import { x } from '../../xml/build.js';
import {
  buildEndpoint,
  buildIndexedEndpoint,
  buildKeyDescriptors,
  buildNameIdFormats,
  requireBindings,
  requireUrl,
  type CommonMetadataOptions,
} from './common.js';
import { buildEntityDescriptor } from './document.js';

export interface IdpMetadataOptions extends CommonMetadataOptions {
  /** The SSO URL, listed once per binding. */
  readonly singleSignOnServiceUrl: string;
  /** Default: HTTP-Redirect and HTTP-POST. */
  readonly singleSignOnServiceBindings?: readonly string[] | undefined;
  /** The SLO URL; none is listed without it. */
  readonly singleLogoutServiceUrl?: string | undefined;
  /** Default: HTTP-Redirect and HTTP-POST. */
  readonly singleLogoutServiceBindings?: readonly string[] | undefined;
  /** The SOAP ArtifactResolutionService URL (index 0); none is listed without it. */
  readonly artifactResolutionServiceUrl?: string | undefined;
  /** Default: false, the schema's default. Say true when the IdP refuses unsigned AuthnRequests. */
  readonly wantAuthnRequestsSigned?: boolean | undefined;
}

/**
 * Generates an IdP's metadata: one IDPSSODescriptor supporting SAML 2.0 (saml-metadata §2.4.3),
 * signed when `sign` is given. For `@koa-mellon/idp` and for test peers.
 *
 * @example
 * const xml = generateIdpMetadata({
 *   entityId: 'https://idp.example.com/saml/metadata',
 *   singleSignOnServiceUrl: 'https://idp.example.com/saml/sso',
 *   certificates: [readFileSync('idp.crt', 'utf8')],
 * });
 */
export function generateIdpMetadata(options: IdpMetadataOptions): string {
  const ssoUrl = requireUrl(options.singleSignOnServiceUrl, 'singleSignOnServiceUrl');
  const ssoBindings = requireBindings(options.singleSignOnServiceBindings ?? [BINDING.redirect, BINDING.post], 'singleSignOnServiceBindings');
  const sloUrl = options.singleLogoutServiceUrl === undefined ? undefined : requireUrl(options.singleLogoutServiceUrl, 'singleLogoutServiceUrl');
  const sloBindings = requireBindings(options.singleLogoutServiceBindings ?? [BINDING.redirect, BINDING.post], 'singleLogoutServiceBindings');
  const arsUrl =
    options.artifactResolutionServiceUrl === undefined ? undefined : requireUrl(options.artifactResolutionServiceUrl, 'artifactResolutionServiceUrl');
  // saml-metadata §2.4.3: KeyDescriptor*, ArtifactResolutionService*, SingleLogoutService*,
  // NameIDFormat*, SingleSignOnService+ (the order the schema's sequence imposes).
  const role = x(
    'md:IDPSSODescriptor',
    { protocolSupportEnumeration: NS.samlp, WantAuthnRequestsSigned: String(options.wantAuthnRequestsSigned ?? false) },
    buildKeyDescriptors(options),
    arsUrl !== undefined && buildIndexedEndpoint('ArtifactResolutionService', { binding: BINDING.soap, location: arsUrl, index: 0, isDefault: true }),
    sloUrl !== undefined && sloBindings.map((binding) => buildEndpoint('SingleLogoutService', { binding, location: sloUrl })),
    buildNameIdFormats(options.nameIdFormats),
    ssoBindings.map((binding) => buildEndpoint('SingleSignOnService', { binding, location: ssoUrl })),
  );
  return buildEntityDescriptor(options, role);
}
