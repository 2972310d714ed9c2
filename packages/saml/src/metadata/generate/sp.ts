import { BINDING, NS } from '../../constants/urn.js';
import { x } from '../../xml/build.js';
import {
  buildEndpoint,
  buildIndexedEndpoint,
  buildKeyDescriptors,
  buildNameIdFormats,
  publishesSigningKey,
  requireBindings,
  requireUrl,
  type CommonMetadataOptions,
} from './common.js';
import { buildEntityDescriptor } from './document.js';

export interface SpMetadataOptions extends CommonMetadataOptions {
  /** The ACS URL (koa-mellon: `{baseUrl}/login/`), listed once per binding. */
  readonly assertionConsumerServiceUrl: string;
  /**
   * ACS bindings, the first being the default (index 0, isDefault="true"). Default: HTTP-POST,
   * then HTTP-Artifact.
   */
  readonly assertionConsumerServiceBindings?: readonly string[] | undefined;
  /** The SLO URL (koa-mellon: `{baseUrl}/logout/`); none is listed without it. */
  readonly singleLogoutServiceUrl?: string | undefined;
  /**
   * SLO bindings. Default: HTTP-Redirect and HTTP-POST, both: Lasso refuses a logout whose binding
   * the metadata does not list.
   */
  readonly singleLogoutServiceBindings?: readonly string[] | undefined;
  /** Default: true when a signing certificate is published (koa-mellon signs requests when it has a key). */
  readonly authnRequestsSigned?: boolean | undefined;
  /** Default: true. */
  readonly wantAssertionsSigned?: boolean | undefined;
}

/**
 * Generates the SP's metadata: one SPSSODescriptor supporting SAML 2.0 (saml-metadata §2.4.4),
 * signed when `sign` is given. Option mistakes are ConfigErrors naming the key.
 *
 * @example
 * const xml = generateSpMetadata({
 *   entityId: 'https://app.example.com/accounts/mellon/metadata/',
 *   assertionConsumerServiceUrl: 'https://app.example.com/accounts/mellon/login/',
 *   singleLogoutServiceUrl: 'https://app.example.com/accounts/mellon/logout/',
 *   certificates: [readFileSync('sp.crt', 'utf8')],
 * });
 */
export function generateSpMetadata(options: SpMetadataOptions): string {
  const acsUrl = requireUrl(options.assertionConsumerServiceUrl, 'assertionConsumerServiceUrl');
  const acsBindings = requireBindings(options.assertionConsumerServiceBindings ?? [BINDING.post, BINDING.artifact], 'assertionConsumerServiceBindings');
  const sloUrl = options.singleLogoutServiceUrl === undefined ? undefined : requireUrl(options.singleLogoutServiceUrl, 'singleLogoutServiceUrl');
  const sloBindings = requireBindings(options.singleLogoutServiceBindings ?? [BINDING.redirect, BINDING.post], 'singleLogoutServiceBindings');
  const role = x(
    'md:SPSSODescriptor',
    {
      protocolSupportEnumeration: NS.samlp,
      AuthnRequestsSigned: String(options.authnRequestsSigned ?? publishesSigningKey(options)),
      WantAssertionsSigned: String(options.wantAssertionsSigned ?? true),
    },
    buildKeyDescriptors(options),
    sloUrl !== undefined && sloBindings.map((binding) => buildEndpoint('SingleLogoutService', { binding, location: sloUrl })),
    buildNameIdFormats(options.nameIdFormats),
    acsBindings.map((binding, index) =>
      buildIndexedEndpoint('AssertionConsumerService', { binding, location: acsUrl, index, ...(index === 0 ? { isDefault: true } : {}) }),
    ),
  );
  return buildEntityDescriptor(options, role);
}
