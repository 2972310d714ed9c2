import { fail } from '../../errors.js';
import { attribute, childrenNamed, elementChildren, optionalChild } from '../../xml/select.js';
import { requiredText } from '../../xml/text.js';
import { readMessageHeader, type MessageHeader } from '../common.js';
import type { NameIdPolicy } from './build.js';

export interface AuthnRequest extends MessageHeader {
  readonly assertionConsumerServiceUrl?: string | undefined;
  readonly assertionConsumerServiceIndex?: number | undefined;
  readonly protocolBinding?: string | undefined;
  readonly forceAuthn: boolean;
  readonly isPassive: boolean;
  readonly nameIdPolicy?: NameIdPolicy | undefined;
  readonly requestedAuthnContext?: { classRefs: string[]; comparison: string } | undefined;
}

const BOOLEAN = new Map([['true', true], ['1', true], ['false', false], ['0', false]]);

function readBoolean(el: Element, name: string): boolean | undefined {
  const value = attribute(el, name);
  if (value === undefined) return undefined;
  const parsed = BOOLEAN.get(value);
  if (parsed === undefined) fail('MESSAGE_INVALID', `@${name} is not an xs:boolean`);
  return parsed;
}

/**
 * Reads an `<samlp:AuthnRequest>` (saml-core §3.4.1) for the IdP role. Its signature (enveloped for
 * POST, detached for Redirect) must be verified by the caller before any of this is acted on.
 */
export function parseAuthnRequest(root: Element): AuthnRequest {
  const header = readMessageHeader(root, 'AuthnRequest');
  for (const child of elementChildren(root)) {
    if (!['Issuer', 'Signature', 'Extensions', 'Subject', 'NameIDPolicy', 'Conditions', 'RequestedAuthnContext', 'Scoping'].includes(child.localName ?? '')) {
      fail('XML_UNEXPECTED_CONTENT', `unexpected <${child.localName}> in AuthnRequest`);
    }
  }
  const policy = optionalChild(root, 'samlp', 'NameIDPolicy');
  const requested = optionalChild(root, 'samlp', 'RequestedAuthnContext');
  const index = attribute(root, 'AssertionConsumerServiceIndex');
  if (index !== undefined && !/^\d{1,5}$/.test(index)) fail('MESSAGE_INVALID', 'bad AssertionConsumerServiceIndex');
  return {
    ...header,
    assertionConsumerServiceUrl: attribute(root, 'AssertionConsumerServiceURL'),
    assertionConsumerServiceIndex: index === undefined ? undefined : Number(index),
    protocolBinding: attribute(root, 'ProtocolBinding'),
    forceAuthn: readBoolean(root, 'ForceAuthn') ?? false,
    isPassive: readBoolean(root, 'IsPassive') ?? false,
    nameIdPolicy: policy && {
      format: attribute(policy, 'Format'),
      spNameQualifier: attribute(policy, 'SPNameQualifier'),
      allowCreate: readBoolean(policy, 'AllowCreate'),
    },
    requestedAuthnContext: requested && {
      classRefs: childrenNamed(requested, 'saml', 'AuthnContextClassRef').map(requiredText),
      comparison: attribute(requested, 'Comparison') ?? 'exact',
    },
  };
}
