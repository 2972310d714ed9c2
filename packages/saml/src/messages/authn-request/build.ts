import { BINDING, type BindingUri } from '../../constants/urn.js';
import { buildDocument, x } from '../../xml/build.js';
import { formatInstant, systemClock, type Clock } from '../../time.js';
import { generateId } from '../common.js';

export interface NameIdPolicy {
  readonly format?: string | undefined;
  readonly allowCreate?: boolean | undefined;
  readonly spNameQualifier?: string | undefined;
}

export interface AuthnRequestOptions {
  /** Our entityID. */
  readonly issuer: string;
  /** The IdP's SingleSignOnService URL for the binding used. */
  readonly destination: string;
  readonly assertionConsumerServiceUrl?: string | undefined;
  readonly assertionConsumerServiceIndex?: number | undefined;
  /** Default HTTP-POST. */
  readonly protocolBinding?: BindingUri | undefined;
  readonly nameIdPolicy?: NameIdPolicy | undefined;
  readonly forceAuthn?: boolean | undefined;
  readonly isPassive?: boolean | undefined;
  readonly providerName?: string | undefined;
  readonly requestedAuthnContext?: { readonly classRefs: readonly string[]; readonly comparison?: 'exact' | 'minimum' | 'maximum' | 'better' | undefined } | undefined;
  readonly scoping?: { readonly idpList?: readonly { providerId: string; name?: string | undefined }[] | undefined; readonly proxyCount?: number | undefined; readonly requesterIds?: readonly string[] | undefined } | undefined;
  readonly id?: string | undefined;
  readonly clock?: Clock | undefined;
}

/**
 * Builds an `<samlp:AuthnRequest>` (saml-core §3.4.1). Sign it with `signElement` for HTTP-POST, or
 * pass a key to `encodeRedirect` for HTTP-Redirect (which carries no enveloped signature).
 *
 * @example
 * const { id, document } = buildAuthnRequest({ issuer: spEntityId, destination: idpSsoUrl,
 *   assertionConsumerServiceUrl: acsUrl, nameIdPolicy: { format: NAMEID_FORMAT.persistent, allowCreate: true } });
 * const url = encodeRedirect({ url: idpSsoUrl, parameter: 'SAMLRequest', xml: serializeXml(document), relayState, signingKey });
 */
export function buildAuthnRequest(options: AuthnRequestOptions): { id: string; document: Document } {
  const id = options.id ?? generateId();
  const scoping = options.scoping;
  const document = buildDocument(
    x(
      'samlp:AuthnRequest',
      {
        ID: id,
        Version: '2.0',
        IssueInstant: formatInstant((options.clock ?? systemClock)()),
        Destination: options.destination,
        ProviderName: options.providerName,
        ForceAuthn: options.forceAuthn ? 'true' : undefined,
        IsPassive: options.isPassive ? 'true' : undefined,
        AssertionConsumerServiceURL: options.assertionConsumerServiceUrl,
        AssertionConsumerServiceIndex: options.assertionConsumerServiceIndex,
        ProtocolBinding: options.assertionConsumerServiceIndex === undefined ? (options.protocolBinding ?? BINDING.post) : undefined,
      },
      x('saml:Issuer', {}, options.issuer),
      options.nameIdPolicy &&
        x('samlp:NameIDPolicy', {
          Format: options.nameIdPolicy.format,
          SPNameQualifier: options.nameIdPolicy.spNameQualifier,
          AllowCreate: options.nameIdPolicy.allowCreate === undefined ? undefined : String(options.nameIdPolicy.allowCreate),
        }),
      options.requestedAuthnContext &&
        x(
          'samlp:RequestedAuthnContext',
          { Comparison: options.requestedAuthnContext.comparison ?? 'exact' },
          options.requestedAuthnContext.classRefs.map((ref) => x('saml:AuthnContextClassRef', {}, ref)),
        ),
      scoping &&
        x(
          'samlp:Scoping',
          { ProxyCount: scoping.proxyCount },
          scoping.idpList && scoping.idpList.length > 0 && x('samlp:IDPList', {}, scoping.idpList.map((entry) => x('samlp:IDPEntry', { ProviderID: entry.providerId, Name: entry.name }))),
          (scoping.requesterIds ?? []).map((requester) => x('samlp:RequesterID', {}, requester)),
        ),
    ),
  );
  return { id, document };
}
