import fc from 'fast-check';
import { anyText, fraction, offset, pick, timeVerdict, xmlText } from './arbitraries.js';
import { ARTIFACT_BINDING, NS, POST_BINDING, instant } from './saml-ns.js';
import { el, walkElements, xmlTrim, type XElement } from './xml-tree.js';

/**
 * AuthnRequests an SP sends to the IdP's sso/ (saml-core §3.4.1), as data to mutate, their tree
 * (signature slot `message` after the Issuer), and what a correct IdP must do with them: refuse,
 * or answer at exactly the AssertionConsumerService the request and the SP's metadata select,
 * for exactly that SP, in response to exactly that request.
 */
export interface AuthnRequestModel {
  id: string;
  now: number;
  issueInstant: number;
  version: string;
  issuer: string | undefined;
  destination: string | undefined;
  acsUrl: string | undefined;
  acsIndex: string | undefined;
  protocolBinding: string | undefined;
  forceAuthn: string | undefined;
  isPassive: string | undefined;
  nameIdFormat: string | undefined | null;
  authnContext: { comparison: string | undefined; classRefs: string[] } | undefined;
}

/** One SP as the IdP knows it from its metadata. */
export interface KnownSp {
  readonly entityId: string;
  readonly keyName: string;
  readonly signsRequests: boolean;
  readonly services: ReadonlyArray<{ readonly index: number; readonly binding: string; readonly location: string; readonly isDefault?: boolean }>;
}

export type AuthnMutation =
  | { readonly kind: 'issuer'; readonly value: 'other-sp' | 'unknown' | 'none' | 'padded'; readonly text: string }
  | { readonly kind: 'destination'; readonly value: string | null }
  | { readonly kind: 'acs-url'; readonly value: 'registered' | 'second' | 'other-sp' | 'foreign' | 'none'; readonly text: string }
  | { readonly kind: 'acs-index'; readonly value: string | null }
  | { readonly kind: 'protocol-binding'; readonly value: string | null }
  | { readonly kind: 'force-authn'; readonly value: string | null }
  | { readonly kind: 'is-passive'; readonly value: string | null }
  | { readonly kind: 'name-id-policy'; readonly format: string | null }
  | { readonly kind: 'authn-context'; readonly comparison: string | undefined; readonly classRefs: readonly string[] }
  | { readonly kind: 'issue-instant'; readonly seconds: number }
  | { readonly kind: 'version'; readonly value: string }
  | { readonly kind: 'id'; readonly value: string };

export type AuthnTreeMutation =
  | { readonly kind: 'unknown-element'; readonly at: number; readonly position: number; readonly ns: 'saml' | 'samlp' | 'foreign'; readonly local: string }
  | { readonly kind: 'unknown-attribute'; readonly at: number; readonly ns: 'foreign' | 'none'; readonly local: string; readonly value: string }
  | { readonly kind: 'comment-in-issuer'; readonly at: number }
  | { readonly kind: 'second-issuer' }
  | { readonly kind: 'pi' }
  | { readonly kind: 'doctype' }
  | { readonly kind: 'namespace'; readonly target: 'root' | 'issuer' | 'name-id-policy'; readonly uri: string }
  | { readonly kind: 'rename-root'; readonly local: string };

const BOOLEANS = ['true', 'false', '1', '0', 'TRUE', ' true', 'yes', ''];
const FORMATS = [
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:encrypted',
  'urn:example:format',
];

export const authnMutation: fc.Arbitrary<AuthnMutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('issuer' as const), value: fc.constantFrom('other-sp' as const, 'unknown' as const, 'none' as const, 'padded' as const), text: fc.oneof(xmlText, fc.constantFrom(' ', '\n', '\u00a0', '\u200b', '/', 'x')) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('destination' as const), value: fc.option(fc.oneof(xmlText, fc.constant('https://idp.example.test/idp/sso')), { nil: null }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('acs-url' as const), value: fc.constantFrom('registered' as const, 'second' as const, 'other-sp' as const, 'foreign' as const, 'none' as const), text: xmlText }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('acs-index' as const), value: fc.option(fc.oneof(fc.constantFrom('0', '1', '2', '3', '65535', '01', ' 1', '-1', '+1', '1.0', '99999', ''), xmlText), { nil: null }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('protocol-binding' as const), value: fc.option(fc.oneof(fc.constantFrom(POST_BINDING, ARTIFACT_BINDING, 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', `${POST_BINDING} `), xmlText), { nil: null }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('force-authn' as const), value: fc.option(fc.constantFrom(...BOOLEANS), { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('is-passive' as const), value: fc.option(fc.constantFrom(...BOOLEANS), { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('name-id-policy' as const), format: fc.option(fc.oneof(fc.constantFrom(...FORMATS), xmlText), { nil: null }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('authn-context' as const), comparison: fc.constantFrom(undefined, 'exact', 'minimum', 'better', 'x'), classRefs: fc.array(fc.constantFrom('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport', 'urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos', ''), { maxLength: 2 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('issue-instant' as const), seconds: offset }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('version' as const), value: fc.constantFrom('1.1', '2', ' 2.0', '') }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('id' as const), value: fc.oneof(xmlText, anyText) }), weight: 2 },
);

export const authnTreeMutation: fc.Arbitrary<AuthnTreeMutation> = fc.oneof(
  fc.record({ kind: fc.constant('unknown-element' as const), at: fraction, position: fraction, ns: fc.constantFrom('saml' as const, 'samlp' as const, 'foreign' as const), local: fc.constantFrom('Foo', 'Extensions', 'Scoping', 'issuer', 'X') }),
  fc.record({ kind: fc.constant('unknown-attribute' as const), at: fraction, ns: fc.constantFrom('foreign' as const, 'none' as const), local: fc.constantFrom('Foo', 'id', 'Id', 'AttributeConsumingServiceIndex', 'ProviderName', 'Consent'), value: anyText }),
  fc.record({ kind: fc.constant('comment-in-issuer' as const), at: fraction }),
  fc.constant({ kind: 'second-issuer' as const }),
  fc.constant({ kind: 'pi' as const }),
  fc.constant({ kind: 'doctype' as const }),
  fc.record({ kind: fc.constant('namespace' as const), target: fc.constantFrom('root' as const, 'issuer' as const, 'name-id-policy' as const), uri: fc.constantFrom('urn:example:not-saml', NS.saml, NS.samlp) }),
  fc.record({ kind: fc.constant('rename-root' as const), local: fc.constantFrom('LogoutRequest', 'Response', 'AuthnQuery', 'authnrequest', 'ArtifactResolve') }),
);

export function validAuthnRequest(c: { id: string; now: number; sp: KnownSp; ssoUrl: string }): AuthnRequestModel {
  return {
    id: c.id,
    now: c.now,
    issueInstant: c.now,
    version: '2.0',
    issuer: c.sp.entityId,
    destination: c.ssoUrl,
    acsUrl: c.sp.services[0]?.location,
    acsIndex: undefined,
    protocolBinding: POST_BINDING,
    forceAuthn: undefined,
    isPassive: undefined,
    nameIdFormat: undefined,
    authnContext: undefined,
  };
}

export function applyAuthnMutation(m: AuthnRequestModel, mu: AuthnMutation, sp: KnownSp, other: KnownSp): void {
  switch (mu.kind) {
    case 'issuer':
      m.issuer = { 'other-sp': other.entityId, unknown: `https://unknown.example.test/${mu.text}`, none: undefined, padded: `${sp.entityId}${mu.text}` }[mu.value];
      return;
    case 'destination':
      m.destination = mu.value ?? undefined;
      return;
    case 'acs-url':
      m.acsUrl = { registered: sp.services[0]?.location, second: sp.services[1]?.location ?? sp.services[0]?.location, 'other-sp': other.services[0]?.location, foreign: `https://evil.example.test/${mu.text}`, none: undefined }[mu.value];
      return;
    case 'acs-index':
      m.acsIndex = mu.value ?? undefined;
      return;
    case 'protocol-binding':
      m.protocolBinding = mu.value ?? undefined;
      return;
    case 'force-authn':
      m.forceAuthn = mu.value ?? undefined;
      return;
    case 'is-passive':
      m.isPassive = mu.value ?? undefined;
      return;
    case 'name-id-policy':
      m.nameIdFormat = mu.format;
      return;
    case 'authn-context':
      m.authnContext = { comparison: mu.comparison, classRefs: [...mu.classRefs] };
      return;
    case 'issue-instant':
      m.issueInstant = m.now + mu.seconds * 1000;
      return;
    case 'version':
      m.version = mu.value;
      return;
    case 'id':
      m.id = mu.value;
      return;
  }
}

export function authnRequestTree(m: AuthnRequestModel): XElement {
  return el(
    NS.samlp,
    'AuthnRequest',
    {
      ID: m.id,
      Version: m.version,
      IssueInstant: instant(m.issueInstant),
      Destination: m.destination,
      AssertionConsumerServiceURL: m.acsUrl,
      AssertionConsumerServiceIndex: m.acsIndex,
      ProtocolBinding: m.protocolBinding,
      ForceAuthn: m.forceAuthn,
      IsPassive: m.isPassive,
    },
    m.issuer !== undefined && el(NS.saml, 'Issuer', {}, m.issuer),
    { kind: 'slot', name: 'message' },
    m.nameIdFormat !== undefined && el(NS.samlp, 'NameIDPolicy', { Format: m.nameIdFormat ?? undefined, AllowCreate: 'true' }),
    m.authnContext && el(NS.samlp, 'RequestedAuthnContext', { Comparison: m.authnContext.comparison }, ...m.authnContext.classRefs.map((ref) => el(NS.saml, 'AuthnContextClassRef', {}, ref))),
  );
}

/** Applies a tree mutation; returns why the result must be refused, if it must. */
export function applyAuthnTreeMutation(root: XElement, mu: AuthnTreeMutation, render: { declaration?: string | undefined }): string | undefined {
  const all: XElement[] = [];
  walkElements(root, (node) => all.push(node));
  const issuer = root.children.find((c): c is XElement => c.kind === 'el' && c.local === 'Issuer');
  switch (mu.kind) {
    case 'unknown-element': {
      const target = pick(all.filter((node) => !['Issuer', 'AuthnContextClassRef'].includes(node.local)), mu.position);
      const ns = { saml: NS.saml, samlp: NS.samlp, foreign: 'urn:example:not-saml' }[mu.ns];
      if (target) target.children.splice(Math.floor(mu.at * (target.children.length + 1)), 0, el(ns, mu.local));
      return undefined;
    }
    case 'unknown-attribute': {
      const target = pick(all, mu.at);
      const ns = mu.ns === 'foreign' ? 'urn:example:not-saml' : undefined;
      if (target && !target.attrs.some((a) => a.local === mu.local && a.ns === ns)) target.attrs.push({ ns, local: mu.local, value: mu.value });
      return undefined;
    }
    case 'comment-in-issuer': {
      const text = issuer?.children.find((c) => c.kind === 'text');
      if (issuer && text?.kind === 'text') {
        const chars = [...text.value];
        const at = Math.floor(mu.at * (chars.length + 1));
        issuer.children = [{ ...text, value: chars.slice(0, at).join('') }, { kind: 'comment', value: '' }, { ...text, value: chars.slice(at).join('') }];
      }
      return undefined;
    }
    case 'second-issuer':
      if (!issuer) return undefined;
      root.children.push(el(NS.saml, 'Issuer', {}, 'https://sp2.example.test/metadata'));
      return 'a second Issuer';
    case 'pi':
      root.children.push({ kind: 'pi', target: 'x', data: 'y' });
      return 'processing instruction (always refused)';
    case 'doctype':
      render.declaration = `${render.declaration ?? ''}<!DOCTYPE x>`;
      return 'DOCTYPE (always refused)';
    case 'namespace': {
      // The root and the Issuer are judged on the final tree (requestIssuer, authnRequestShape).
      const target = mu.target === 'root' ? root : mu.target === 'issuer' ? issuer : all.find((node) => node.local === 'NameIDPolicy');
      if (target) target.ns = mu.uri;
      return undefined;
    }
    case 'rename-root':
      root.local = mu.local;
      return undefined;
  }
}

/** Why the final tree's root must be refused: it is not a samlp:AuthnRequest. */
export function authnRequestShape(root: XElement): string[] {
  return root.ns === NS.samlp && root.local === 'AuthnRequest' ? [] : ['the root is not a samlp:AuthnRequest'];
}

/** The Issuer the final tree names (its first child, as saml-core §3.2.1 places it), comments ignored. */
export function requestIssuer(root: XElement): string | undefined {
  const first = root.children.find((c): c is XElement => c.kind === 'el');
  if (!first || first.local !== 'Issuer' || first.ns !== NS.saml) return undefined;
  return xmlTrim(first.children.map((c) => (c.kind === 'text' ? c.value : '')).join(''));
}

/** Why the request must be refused (besides its signature), judged on the model. */
export function judgeAuthnRequest(m: AuthnRequestModel, e: { ssoUrl: string; signed: boolean }): string[] {
  const out: string[] = [];
  if (m.version !== '2.0') out.push('not SAML 2.0');
  // saml-bindings §3.4.5.2 / §3.5.5.2: a signed request names its Destination, and it is ours.
  if (m.destination === undefined ? e.signed : m.destination !== e.ssoUrl) out.push('Destination is not our SSO URL');
  const age = (m.issueInstant - m.now) / 1000;
  if (timeVerdict(true, age) === 'bad') out.push('issued in the future');
  if (age < -(600 + 180 + 30)) out.push('issued too long ago');
  for (const [name, value] of [['ForceAuthn', m.forceAuthn], ['IsPassive', m.isPassive]] as const) {
    if (value !== undefined && !['true', 'false', '1', '0'].includes(xmlTrim(value))) out.push(`${name} is not an xs:boolean`);
  }
  return out;
}

/**
 * The AssertionConsumerService a correct IdP answers at (saml-core §3.4.1, saml-metadata §2.2.3),
 * from the SP's metadata only: by index, else by exact URL (and binding), else the default.
 * `undefined`: none may be used and the request must be refused; `any`: the request is malformed
 * in a way an IdP may read either way, so any POST ACS of that SP is acceptable.
 */
export function expectedAcs(m: AuthnRequestModel, sp: KnownSp): string | undefined | 'any' {
  const post = (s: KnownSp['services'][number] | undefined) => (s && s.binding === POST_BINDING ? s.location : undefined);
  if (m.acsIndex !== undefined) {
    if (m.acsUrl !== undefined) return undefined;
    const text = xmlTrim(m.acsIndex);
    if (!/^\+?\d+$/.test(text)) return 'any';
    return post(sp.services.find((s) => s.index === Number(text)));
  }
  if (m.acsUrl !== undefined) {
    const candidates = sp.services.filter((s) => s.location === m.acsUrl && s.binding === POST_BINDING);
    return m.protocolBinding === undefined ? candidates[0]?.location : candidates.find((s) => s.binding === m.protocolBinding)?.location;
  }
  const wanted = m.protocolBinding ?? POST_BINDING;
  const services = sp.services.filter((s) => s.binding === wanted);
  return post(services.find((s) => s.isDefault) ?? services[0]);
}
