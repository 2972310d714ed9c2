import { DOMParser } from '@xmldom/xmldom';
import fc from 'fast-check';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { testKeyPair } from '../helpers/keys.js';
import { PLAIN_RENDER, renderOptions, signing, type Signing } from './support/arbitraries.js';
import {
  applyAuthnMutation,
  applyAuthnTreeMutation,
  authnMutation,
  authnRequestShape,
  authnRequestTree,
  authnTreeMutation,
  expectedAcs,
  judgeAuthnRequest,
  requestIssuer,
  validAuthnRequest,
  type AuthnMutation,
  type AuthnTreeMutation,
  type KnownSp,
} from './support/authn-request-model.js';
import { base64Damage, byteDamage, damageBytes, encodeBase64, formMustRefuse, formShape, writeForm, INTACT_FORM, type Base64Damage, type ByteDamage, type FormShape } from './support/damage.js';
import { Browser, type AcceptKind, type Answer } from './support/http.js';
import { FuzzIdp, IDP_ORIGIN, SP1, SP2 } from './support/idp-world.js';
import { INTACT_QUERY, encodeRedirectQuery, queryMustRefuse, queryShape, type QueryShape } from './support/redirect.js';
import { RSA_SHA1, RSA_SHA256, renderSigned, type SignSpec } from './support/resign.js';
import { Tally, debugCase, fuzz, runsOf, timeoutFor } from './support/runner.js';
import { NS, PERSISTENT, SUCCESS } from './support/saml-ns.js';
import { PropertyViolation, checkCommon, checkSameRefusal, describeOutcome, refused, stable, type Outcome } from './support/verdict.js';
import { protectLineEnds, render, type RenderOptions } from './support/xml-tree.js';

/**
 * Property-based fuzzing of @koa-mellon/idp's sso/ through HTTP (HTTP-Redirect GET with a query
 * signature, HTTP-POST with an enveloped one): AuthnRequests of two SPs, mutated (Issuer,
 * Destination, ACS URL / index / binding, flags, NameIDPolicy, times, IDs, markup), signed with
 * the issuer's key (or another SP's, an attacker's, none), then maybe damaged. Alice is always
 * logged in, so an accepted request is answered at once.
 */
interface SsoCase {
  readonly sp: 'sp1' | 'sp2';
  readonly binding: 'redirect' | 'post';
  readonly model: readonly AuthnMutation[];
  readonly tree: readonly AuthnTreeMutation[];
  readonly render: RenderOptions;
  readonly signing: Signing;
  /** Relative to the SP the final Issuer names: its own key, the other SP's, an attacker's, none. */
  readonly key: 'issuer' | 'other' | 'attacker' | 'none';
  readonly query: QueryShape;
  readonly bytes: ByteDamage | undefined;
  readonly base64: Base64Damage | undefined;
  readonly form: FormShape;
  readonly relayState: 'short' | 'none' | 'unicode' | 'long';
  readonly accept: AcceptKind;
  readonly id: string;
}

const RUNS = runsOf(0.3);
const SSO_URL = `${IDP_ORIGIN}/idp/sso/`;
const hexId = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }).map((h) => `_${h}`);

const ssoCase: fc.Arbitrary<SsoCase> = fc.record({
  sp: fc.constantFrom('sp1' as const, 'sp2' as const),
  binding: fc.constantFrom('redirect' as const, 'post' as const),
  model: fc.array(authnMutation, { maxLength: 3 }),
  tree: fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: fc.array(authnTreeMutation, { minLength: 1, maxLength: 2 }), weight: 1 }),
  render: fc.oneof({ arbitrary: fc.constant(PLAIN_RENDER), weight: 1 }, { arbitrary: renderOptions, weight: 2 }),
  signing,
  key: fc.oneof({ arbitrary: fc.constant('issuer' as const), weight: 10 }, { arbitrary: fc.constantFrom('other' as const, 'attacker' as const, 'none' as const), weight: 2 }),
  query: fc.oneof({ arbitrary: fc.constant(INTACT_QUERY), weight: 2 }, { arbitrary: queryShape, weight: 1 }),
  bytes: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: byteDamage, weight: 1 }),
  base64: fc.oneof({ arbitrary: fc.constant(undefined), weight: 15 }, { arbitrary: base64Damage, weight: 1 }),
  form: fc.oneof({ arbitrary: fc.constant(INTACT_FORM), weight: 9 }, { arbitrary: formShape, weight: 1 }),
  relayState: fc.oneof({ arbitrary: fc.constantFrom('short' as const, 'none' as const, 'unicode' as const), weight: 19 }, { arbitrary: fc.constant('long' as const), weight: 1 }),
  accept: fc.constantFrom('json' as const, 'html' as const),
  id: hexId,
});

/** What the IdP did with an accepted request: sent a Response to an ACS, or the browser to the login page. */
type SsoResult = { readonly kind: 'response'; readonly action: string; readonly relayState: string | undefined; readonly xml: string } | { readonly kind: 'login-page'; readonly location: string };

describe('fuzz: the IdP sso/ (@koa-mellon/idp, Redirect and POST) over HTTP', function () {
  const now = Date.now();
  let idp: FuzzIdp;
  let origins: Map<string, string>;
  /** The persistent NameID alice has at each SP, from a clean request. */
  const baseline = new Map<string, string>();

  before(requireXmlsec);
  before(async () => {
    idp = await FuzzIdp.start(now);
    origins = new Map([[IDP_ORIGIN, idp.local]]);
    for (const sp of [SP1, SP2]) {
      idp.reset();
      const c: SsoCase = {
        sp: sp === SP1 ? 'sp1' : 'sp2', binding: 'redirect', model: [], tree: [], render: PLAIN_RENDER, signing: { signer: 'core', algorithm: RSA_SHA256 }, key: 'issuer',
        query: INTACT_QUERY, bytes: undefined, base64: undefined, form: INTACT_FORM, relayState: 'short', accept: 'json', id: '_baseline0000000',
      };
      const built = buildRequest(c);
      const outcome = await exchange(new Browser(origins), built.request, 'json');
      if (outcome.kind !== 'accepted' || outcome.result.kind !== 'response') throw new Error(`the IdP did not answer a clean request of ${sp.entityId}: ${describeOutcome(outcome)} ${stable(idp.warnings)}`);
      baseline.set(sp.entityId, readResponse(outcome.result.xml).nameId ?? '');
    }
  });
  after(async () => {
    await idp?.stop();
  });

  it(`keeps its properties over ${RUNS} mutated, re-signed and damaged AuthnRequests`, async function () {
    this.timeout(timeoutFor(RUNS));
    const tally = new Tally();
    await fuzz('IdP sso/', RUNS, fc.asyncProperty(ssoCase, (c) => runCase(c, tally)));
    console.log(tally.report('IdP sso/ outcomes'));
  });

  async function exchange(browser: Browser, request: { url: string; method: string; body?: Uint8Array; headers?: Record<string, string> }, accept: AcceptKind): Promise<Outcome<SsoResult>> {
    const answers: Answer[] = [await browser.send(request.url, { method: request.method, ...(request.body ? { body: request.body } : {}), headers: request.headers ?? {}, accept })];
    let last = answers[0] as Answer;
    // HTTP-POST: the IdP hops to a same-site GET (sso/resume/) before it answers.
    if (request.method === 'POST' && last.status === 303 && last.location?.startsWith(`${IDP_ORIGIN}/idp/sso/resume/?k=`)) {
      last = await browser.send(last.location, { accept });
      answers.push(last);
    }
    if (last.status >= 400) return refused(answers);
    if ((last.status === 302 || last.status === 303) && last.location?.startsWith('/login?')) return { kind: 'accepted', result: { kind: 'login-page', location: last.location }, answers };
    const action = /<form method="post" action="([^"]*)"/.exec(last.body)?.[1];
    const value = /name="SAMLResponse" value="([^"]*)"/.exec(last.body)?.[1];
    if (last.status === 200 && action !== undefined && value !== undefined) {
      const relay = /name="RelayState" value="([^"]*)"/.exec(last.body)?.[1];
      return { kind: 'accepted', result: { kind: 'response', action: unescapeHtml(action), relayState: relay === undefined ? undefined : unescapeHtml(relay), xml: Buffer.from(value, 'base64').toString('utf8') }, answers };
    }
    return { kind: 'other', answers };
  }

  async function runCase(c: SsoCase, tally: Tally): Promise<void> {
    idp.reset();
    const built = buildRequest(c);
    const browser = new Browser(origins);
    const state = idp.snapshot();
    const outcome = await exchange(browser, built.request, c.accept);
    tally.add(outcome.kind === 'refused' ? `${outcome.code}` : outcome.kind === 'accepted' ? `accepted ${outcome.result.kind}` : 'other');
    debugCase(outcome.kind === 'refused' ? `refused ${outcome.code}` : outcome.kind, idp.warnings.at(-1), c);
    const context = () => `expected: ${built.reasons.length > 0 ? `a refusal (${built.reasons.join('; ')})` : `a refusal or an answer at ${stable(built.acs)} for ${built.sp?.entityId}`}\n  IdP log: ${stable(idp.warnings).slice(0, 600)}`;
    checkCommon(outcome, built.wire, idp.errors, context);
    const violation = (what: string) => new PropertyViolation(`${what}\n  outcome: ${describeOutcome(outcome)}\n  ${context()}`);

    if (outcome.kind === 'accepted') {
      if (built.reasons.length > 0 || !built.sp) throw violation('accepted an AuthnRequest that must be refused');
      const result = outcome.result;
      if (result.kind === 'response') checkAnswer(result, built.sp, built.acs, built.model.id, built.relayState, violation);
      // A request ID is answered once (saml-core §1.3.4): sent again, it is refused.
      const again = await exchange(browser, built.request, c.accept);
      checkCommon(again, built.wire, idp.errors, context);
      if (again.kind !== 'refused') throw violation(`the same AuthnRequest was answered twice: ${describeOutcome(again)}`);
      return;
    }
    idp.restore(state);
    checkSameRefusal(outcome, await exchange(new Browser(origins), built.request, c.accept), context);
  }

  /** The Response went where the signed request and the SP's metadata say, for that SP, about that request. */
  function checkAnswer(result: Extract<SsoResult, { kind: 'response' }>, sp: KnownSp, acs: string | 'any' | undefined, requestId: string, relayState: string | undefined, violation: (what: string) => Error): void {
    const registered = sp.services.filter((s) => s.binding === 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST').map((s) => s.location);
    if (!registered.includes(result.action)) throw violation(`answered at ${stable(result.action)}, which ${sp.entityId}'s metadata does not list`);
    if (acs !== 'any' && result.action !== acs) throw violation(`answered at ${stable(result.action)} instead of ${stable(acs)}`);
    if (result.relayState !== relayState) throw violation(`RelayState came back as ${stable(result.relayState)}, not ${stable(relayState)}`);
    const read = readResponse(result.xml);
    const problems: string[] = [];
    if (read.inResponseTo !== requestId) problems.push(`InResponseTo ${stable(read.inResponseTo)} is not the request's ID ${stable(requestId)}`);
    if (read.destination !== result.action) problems.push(`Destination ${stable(read.destination)} is not the ACS posted to`);
    if (read.issuer !== `${IDP_ORIGIN}/idp/metadata/`) problems.push(`Issuer ${stable(read.issuer)}`);
    if (read.status === SUCCESS) {
      if (stable(read.audiences) !== stable([sp.entityId])) problems.push(`Audience ${stable(read.audiences)} is not ${sp.entityId}`);
      if (read.recipient !== result.action) problems.push(`Recipient ${stable(read.recipient)} is not the ACS`);
      if (read.bearerInResponseTo !== requestId) problems.push(`bearer InResponseTo ${stable(read.bearerInResponseTo)}`);
      if (read.nameIdFormat === PERSISTENT && read.nameId !== baseline.get(sp.entityId)) problems.push(`persistent NameID ${stable(read.nameId)} is not alice's at ${sp.entityId}`);
      if (stable(read.mail) !== stable(['alice@example.test'])) problems.push(`mail ${stable(read.mail)}`);
    }
    if (problems.length > 0) throw violation(`the Response is not the one the request asked for: ${problems.join('; ')}`);
  }

  /** The HTTP request of a case, and what must come of it. */
  function buildRequest(c: SsoCase) {
    const base = c.sp === 'sp1' ? SP1 : SP2;
    const other = c.sp === 'sp1' ? SP2 : SP1;
    const model = validAuthnRequest({ id: c.id, now, sp: base, ssoUrl: SSO_URL });
    for (const mu of c.model) applyAuthnMutation(model, mu, base, other);
    const tree = authnRequestTree(model);
    const renderNow = { ...c.render };
    const reasons = c.tree.flatMap((mu) => applyAuthnTreeMutation(tree, mu, renderNow) ?? []);
    reasons.push(...authnRequestShape(tree));
    const issuer = requestIssuer(tree);
    const sp = [SP1, SP2].find((s) => s.entityId === issuer);
    if (!sp) reasons.push(`the Issuer ${stable(issuer)} is no SP of this IdP`);
    const keyName = { issuer: (sp ?? base).keyName, other: sp === SP1 ? SP2.keyName : SP1.keyName, attacker: 'attacker', none: undefined }[c.key];
    const relayState = { short: `fzmk${c.id.slice(1, 9)}`, none: undefined, unicode: `fzmk\u00e9\u{1f600}<&"'${c.id.slice(1, 5)}`, long: `fzmk${'r'.repeat(2100)}` }[c.relayState];
    const parameter = 'SAMLRequest';
    let request: { url: string; method: string; body?: Uint8Array; headers?: Record<string, string> };
    let signed: boolean;
    if (c.binding === 'redirect') {
      const key = keyName === undefined ? undefined : testKeyPair(keyName).privateKey;
      const shape = key ? c.query : { ...c.query, after: undefined };
      signed = key !== undefined && !(shape.after?.kind === 'drop' && (shape.after.name === 'Signature' || shape.after.name === 'SigAlg'));
      const refusal = queryMustRefuse(shape, key !== undefined, relayState !== undefined);
      if (refusal) reasons.push(refusal);
      request = { url: `${SSO_URL}?${encodeRedirectQuery(parameter, render(tree, renderNow), relayState, key, shape)}`, method: 'GET' };
    } else {
      const specs: SignSpec[] = keyName === undefined ? [] : [{ slot: 'message', id: model.id, key: testKeyPair(keyName), signer: c.signing.signer, algorithm: c.signing.algorithm }];
      const rendered = renderSigned(tree, renderNow, specs);
      signed = rendered.signed.has('message');
      if (signed && c.signing.algorithm === RSA_SHA1) reasons.push('rsa-sha1 is not allowed');
      if (formMustRefuse(c.form)) reasons.push('the form does not carry exactly one SAMLRequest');
      const fields: Array<readonly [string, string]> = [[parameter, encodeBase64(damageBytes(rendered.xml, c.bytes), c.base64)]];
      if (relayState !== undefined) fields.push(['RelayState', relayState]);
      const { body, headers } = writeForm(fields, c.form);
      request = { url: SSO_URL, method: 'POST', body, headers };
    }
    reasons.push(...judgeAuthnRequest(model, { ssoUrl: SSO_URL, signed }));
    if (sp) {
      // A signature that is there is checked, required or not; a signer may have found nothing to sign.
      if (signed && (c.key === 'other' || c.key === 'attacker')) reasons.push(`signed with ${c.key === 'other' ? "another SP's" : "an attacker's"} key`);
      if (!signed && sp.signsRequests) reasons.push(`${sp.entityId} signs its requests (AuthnRequestsSigned)`);
    }
    const acs = sp ? expectedAcs(model, sp) : undefined;
    if (sp && acs === undefined) reasons.push('no usable AssertionConsumerService of the SP metadata is selected');
    return { request, reasons, sp, acs, model, relayState, wire: relayState === undefined ? [] : [relayState.slice(0, 12)] };
  }
});

interface ReadResponse {
  readonly inResponseTo: string | undefined;
  readonly destination: string | undefined;
  readonly issuer: string | undefined;
  readonly status: string | undefined;
  readonly audiences: string[];
  readonly recipient: string | undefined;
  readonly bearerInResponseTo: string | undefined;
  readonly nameId: string | undefined;
  readonly nameIdFormat: string | undefined;
  readonly mail: string[];
}

/** Reads the IdP's own Response (the fuzzer's view, with @xmldom/xmldom). */
function readResponse(xml: string): ReadResponse {
  const doc = new DOMParser().parseFromString(protectLineEnds(xml), 'text/xml');
  const root = doc.documentElement;
  const all = (local: string, ns: string = NS.saml) => Array.from(doc.getElementsByTagNameNS(ns, local));
  const first = (local: string, ns?: string) => all(local, ns)[0];
  const data = first('SubjectConfirmationData');
  const nameId = first('NameID');
  const mail = all('Attribute').find((a) => a.getAttribute('Name') === 'mail');
  return {
    inResponseTo: root?.getAttribute('InResponseTo') ?? undefined,
    destination: root?.getAttribute('Destination') ?? undefined,
    issuer: first('Issuer')?.textContent ?? undefined,
    status: first('StatusCode', NS.samlp)?.getAttribute('Value') ?? undefined,
    audiences: all('Audience').map((a) => a.textContent ?? ''),
    recipient: data?.getAttribute('Recipient') ?? undefined,
    bearerInResponseTo: data?.getAttribute('InResponseTo') ?? undefined,
    nameId: nameId?.textContent ?? undefined,
    nameIdFormat: nameId?.getAttribute('Format') ?? undefined,
    mail: mail ? Array.from(mail.getElementsByTagNameNS(NS.saml, 'AttributeValue')).map((v) => v.textContent ?? '') : [],
  };
}

function unescapeHtml(value: string): string {
  return value.replace(/&#(\d+);|&(amp|lt|gt|quot);/g, (_m, code: string | undefined, name: string | undefined) =>
    code !== undefined ? String.fromCodePoint(Number(code)) : ({ amp: '&', lt: '<', gt: '>', quot: '"' } as Record<string, string>)[name ?? ''] ?? '',
  );
}
