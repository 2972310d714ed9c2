import type { KeyObject } from 'node:crypto';
import {
  BINDING,
  buildAuthnRequest,
  buildLogoutRequest,
  encodeRedirect,
  generateSpMetadata,
  serializeXml,
  signElement,
  type AuthnRequestOptions,
  type NameIdParts,
} from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';

/**
 * An SP made of @koa-mellon/saml calls and nothing else: no server plays its host, so the test
 * browser stops at its endpoints and hands the test what it would have received. It says exactly
 * what a test wants it to say (unsigned, replayed, tampered...).
 */
export class RawSp {
  readonly entityId: string;
  readonly acs: string;
  readonly slo: string;
  readonly keys;

  constructor(
    readonly origin = 'https://raw.example.test',
    private readonly options: { keyName?: string; sloBindings?: string[] | null; authnRequestsSigned?: boolean; encryption?: boolean } = {},
  ) {
    this.entityId = `${origin}/metadata`;
    this.acs = `${origin}/acs`;
    this.slo = `${origin}/slo`;
    this.keys = testKeyPair(options.keyName ?? 'raw-sp');
  }

  metadata(): string {
    return generateSpMetadata({
      entityId: this.entityId,
      assertionConsumerServiceUrl: this.acs,
      assertionConsumerServiceBindings: [BINDING.post],
      ...(this.options.sloBindings === null ? {} : { singleLogoutServiceUrl: this.slo, singleLogoutServiceBindings: this.options.sloBindings ?? [BINDING.redirect, BINDING.post] }),
      ...(this.options.encryption === false ? { signingCertificates: [this.keys.certPem] } : { certificates: [this.keys.certPem] }),
      authnRequestsSigned: this.options.authnRequestsSigned ?? false,
    });
  }

  /** An AuthnRequest over HTTP-Redirect; signed with our key unless `signer` is null. */
  redirectRequest(ssoUrl: string, options: Partial<AuthnRequestOptions> & { relayState?: string; signer?: KeyObject | null } = {}): { id: string; url: string } {
    const { relayState, signer, ...rest } = options;
    const { id, document } = buildAuthnRequest({ issuer: this.entityId, destination: ssoUrl, assertionConsumerServiceUrl: this.acs, ...rest });
    const signingKey = signer === null ? undefined : (signer ?? this.keys.privateKey);
    return { id, url: encodeRedirect({ url: ssoUrl, parameter: 'SAMLRequest', xml: serializeXml(document), relayState, signingKey }) };
  }

  /** An AuthnRequest over HTTP-POST (enveloped signature unless `signer` is null). */
  postRequest(ssoUrl: string, options: Partial<AuthnRequestOptions> & { relayState?: string; signer?: KeyObject | null } = {}): { id: string; form: Record<string, string> } {
    const { relayState, signer, ...rest } = options;
    const { id, document } = buildAuthnRequest({ issuer: this.entityId, destination: ssoUrl, assertionConsumerServiceUrl: this.acs, ...rest });
    if (signer !== null) signElement(document.documentElement, { privateKey: signer ?? this.keys.privateKey });
    const form: Record<string, string> = { SAMLRequest: Buffer.from(serializeXml(document)).toString('base64') };
    if (relayState !== undefined) form['RelayState'] = relayState;
    return { id, form };
  }

  /** A signed LogoutRequest as an HTTP-POST form. */
  logoutRequestForm(sloUrl: string, nameId: NameIdParts, sessionIndex: string | undefined, signed = true): { id: string; form: Record<string, string> } {
    const { id, document } = buildLogoutRequest({ issuer: this.entityId, destination: sloUrl, nameId, sessionIndexes: sessionIndex === undefined ? [] : [sessionIndex] });
    if (signed) signElement(document.documentElement, { privateKey: this.keys.privateKey });
    return { id, form: { SAMLRequest: Buffer.from(serializeXml(document)).toString('base64'), RelayState: 'raw-relay' } };
  }
}
