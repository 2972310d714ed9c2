import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import fc from 'fast-check';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { testKeyPair } from '../helpers/keys.js';
import { buildAcsRequest } from './support/acs-case.js';
import { PLAIN_RENDER, renderOptions, signing, type Signing } from './support/arbitraries.js';
import { base64Damage, byteDamage, damageBytes, encodeBase64, formMustRefuse, formShape, writeForm, INTACT_FORM, type Base64Damage, type ByteDamage, type FormShape } from './support/damage.js';
import { Browser, type AcceptKind, type Answer } from './support/http.js';
import {
  applyLogoutMutation,
  applyLogoutTreeMutation,
  judgeLogout,
  logoutRequestMutation,
  logoutRequestTree,
  logoutResponseMutation,
  logoutResponseTree,
  logoutShape,
  logoutSubject,
  logoutTreeMutation,
  validLogoutRequest,
  validLogoutResponse,
  type LogoutMutation,
  type LogoutTreeMutation,
} from './support/logout-model.js';
import { INTACT_QUERY, encodeRedirectQuery, queryMustRefuse, queryShape, type QueryShape } from './support/redirect.js';
import { RSA_SHA1, RSA_SHA256, renderSigned, type SignSpec } from './support/resign.js';
import { Tally, debugCase, fuzz, runsOf, timeoutFor } from './support/runner.js';
import { PERSISTENT } from './support/saml-ns.js';
import { FuzzSp, IDP_ENTITY_ID, IDP_SLO } from './support/sp-world.js';
import { PropertyViolation, checkCommon, checkSameRefusal, describeOutcome, refused, stable, type Outcome } from './support/verdict.js';
import { protectLineEnds, render, type RenderOptions } from './support/xml-tree.js';

/**
 * Property-based fuzzing of koa-mellon's logout/ through HTTP: the IdP's LogoutRequest (it ends
 * the sessions of the NameID it names) and its LogoutResponse (to the SP's own request), over
 * HTTP-Redirect (GET, query signature) and HTTP-POST (enveloped signature), mutated, re-signed and
 * damaged. A user ("alice-1234", SessionIndex "_session42") is logged in before each case.
 */
interface LogoutCase {
  readonly sp: 'strict' | 'permissive';
  readonly kind: 'request' | 'response';
  readonly binding: 'redirect' | 'post';
  readonly model: readonly LogoutMutation[];
  readonly tree: readonly LogoutTreeMutation[];
  readonly render: RenderOptions;
  readonly signing: Signing;
  readonly key: 'idp' | 'attacker' | 'none';
  readonly query: QueryShape;
  readonly bytes: ByteDamage | undefined;
  readonly base64: Base64Damage | undefined;
  readonly form: FormShape;
  readonly relayState: 'idp-state' | 'none' | 'junk';
  readonly accept: AcceptKind;
  readonly id: string;
}

const RUNS = runsOf(0.25);
const hexId = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }).map((h) => `_${h}`);

const logoutCase: fc.Arbitrary<LogoutCase> = fc.constantFrom('request' as const, 'response' as const).chain((kind) =>
  fc.record({
    sp: fc.constantFrom('strict' as const, 'permissive' as const),
    kind: fc.constant(kind),
    binding: fc.constantFrom('redirect' as const, 'post' as const),
    model: fc.array(kind === 'request' ? logoutRequestMutation : logoutResponseMutation, { maxLength: 3 }),
    tree: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.array(logoutTreeMutation, { minLength: 1, maxLength: 2 }), weight: 1 }),
    render: fc.oneof({ arbitrary: fc.constant(PLAIN_RENDER), weight: 1 }, { arbitrary: renderOptions, weight: 2 }),
    signing,
    key: fc.oneof({ arbitrary: fc.constant('idp' as const), weight: 12 }, { arbitrary: fc.constant('attacker' as const), weight: 1 }, { arbitrary: fc.constant('none' as const), weight: 1 }),
    query: fc.oneof({ arbitrary: fc.constant(INTACT_QUERY), weight: 2 }, { arbitrary: queryShape, weight: 1 }),
    bytes: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: byteDamage, weight: 1 }),
    base64: fc.oneof({ arbitrary: fc.constant(undefined), weight: 15 }, { arbitrary: base64Damage, weight: 1 }),
    // A form without a SAML message is the user's own logout (another route), not a damaged message.
    form: fc.oneof({ arbitrary: fc.constant(INTACT_FORM), weight: 9 }, { arbitrary: formShape.map((f) => ({ ...f, omitMessage: false })), weight: 1 }),
    relayState: fc.constantFrom('idp-state' as const, 'none' as const, 'junk' as const),
    accept: fc.constantFrom('json' as const, 'html' as const),
    id: hexId,
  }),
);

/** What an accepted LogoutRequest did: the SP's answer to the IdP, and whether alice is still logged in. */
interface RequestResult {
  readonly kind: 'request';
  readonly inResponseTo: string | undefined;
  readonly destination: string | undefined;
  readonly aliceLoggedIn: boolean;
}

interface ResponseResult {
  readonly kind: 'response';
  readonly location: string | undefined;
}

type Result = RequestResult | ResponseResult;

describe('fuzz: logout/ (IdP LogoutRequest and LogoutResponse, Redirect and POST) over HTTP', function () {
  const now = Date.now();
  let strict: FuzzSp;
  let permissive: FuzzSp;
  let origins: Map<string, string>;
  const loggedIn = new Map<FuzzSp, { state: ReturnType<FuzzSp['snapshot']>; cookies: Map<string, string> }>();

  before(requireXmlsec);
  before(async () => {
    strict = await FuzzSp.start('strict', 'https://sp.example.test', '/accounts/mellon', now);
    permissive = await FuzzSp.start('permissive', 'https://sp2.example.test', '/', now, { allowIdpInitiated: true });
    origins = new Map([
      [strict.origin, strict.local],
      [permissive.origin, permissive.local],
    ]);
    for (const sp of [strict, permissive]) loggedIn.set(sp, await logIn(sp));
  });
  after(async () => {
    await strict?.stop();
    await permissive?.stop();
  });

  /** Logs alice in (SP-initiated, a clean response) and keeps that state to start each case from. */
  async function logIn(sp: FuzzSp): Promise<{ state: ReturnType<FuzzSp['snapshot']>; cookies: Map<string, string> }> {
    sp.reset();
    const browser = new Browser(origins);
    const start = await browser.send(`${sp.mellon.urls.login}?next=/dashboard`);
    const query = new URL(start.location ?? 'https://x/').searchParams;
    const requestId = / ID="([^"]+)"/.exec(inflateRawSync(Buffer.from(query.get('SAMLRequest') ?? '', 'base64')).toString('utf8'))?.[1];
    const c = {
      sp: sp === strict ? ('strict' as const) : ('permissive' as const), flow: 'solicited' as const, model: [], tree: [], render: PLAIN_RENDER,
      signing: { signer: 'core' as const, algorithm: RSA_SHA256 }, assertionKey: 'idp' as const, responseKey: 'none' as const, bytes: undefined, base64: undefined,
      form: INTACT_FORM, relayState: 'ours' as const, accept: 'json' as const, ids: ['_1111111111111111', '_2222222222222222'] as const, encrypt: 'none' as const,
    };
    const target = { now, idpEntityId: IDP_ENTITY_ID, spEntityId: sp.mellon.urls.entityId, acsUrl: sp.mellon.urls.login, requestId, relayState: query.get('RelayState') ?? undefined };
    const { body, headers } = buildAcsRequest(c, target, 'fzmk0');
    const posted = await browser.send(sp.mellon.urls.login, { method: 'POST', body, headers });
    await browser.send(posted.location ?? '');
    if (!(await isLoggedIn(browser, sp))) throw new Error(`could not log alice in at ${sp.name}: ${stable(sp.warnings)}`);
    return { state: sp.snapshot(), cookies: browser.snapshot() };
  }

  async function isLoggedIn(browser: Browser, sp: FuzzSp): Promise<boolean> {
    const who = JSON.parse((await browser.send(`${sp.origin}/whoami`)).body) as { mellon: { nameIdContent: string } | null };
    return who.mellon?.nameIdContent === 'alice-1234';
  }

  async function exchange(browser: Browser, sp: FuzzSp, request: { url: string; method: string; body?: Uint8Array; headers?: Record<string, string> }, c: LogoutCase): Promise<Outcome<Result>> {
    const answer = await browser.send(request.url, { method: request.method, ...(request.body ? { body: request.body } : {}), headers: request.headers ?? {}, accept: c.accept });
    const answers: Answer[] = [answer];
    if (answer.status >= 400) return refused(answers);
    if (c.kind === 'response') return answer.status === 302 || answer.status === 303 ? { kind: 'accepted', result: { kind: 'response', location: answer.location }, answers } : { kind: 'other', answers };
    const xml = logoutResponseOf(answer);
    if (xml === undefined) return { kind: 'other', answers };
    const doc = new DOMParser().parseFromString(protectLineEnds(xml), 'text/xml');
    const root = doc.documentElement;
    return {
      kind: 'accepted',
      result: { kind: 'request', inResponseTo: root?.getAttribute('InResponseTo') ?? undefined, destination: root?.getAttribute('Destination') ?? undefined, aliceLoggedIn: await isLoggedIn(browser, sp) },
      answers,
    };
  }

  async function runCase(c: LogoutCase, tally: Tally): Promise<void> {
    const sp = c.sp === 'strict' ? strict : permissive;
    const start = loggedIn.get(sp) as { state: ReturnType<FuzzSp['snapshot']>; cookies: Map<string, string> };
    sp.restore(start.state);
    sp.warnings.length = 0;
    const browser = new Browser(origins);
    browser.restore(start.cookies);
    const logoutUrl = sp.mellon.urls.logout;
    const marker = `fzmk${c.id.slice(1, 9)}`;

    let requestId: string | undefined;
    if (c.kind === 'response') {
      const started = await browser.send(`${logoutUrl}?next=/bye`);
      const query = new URL(started.location ?? 'https://x/').searchParams;
      requestId = / ID="([^"]+)"/.exec(inflateRawSync(Buffer.from(query.get('SAMLRequest') ?? '', 'base64')).toString('utf8'))?.[1];
      if (!started.location?.startsWith(IDP_SLO) || requestId === undefined) throw new Error(`logout/ did not send a LogoutRequest: ${started.status}`);
    }

    const model = c.kind === 'request' ? validLogoutRequest({ id: c.id, now, idpEntityId: IDP_ENTITY_ID, logoutUrl }) : validLogoutResponse({ id: c.id, now, idpEntityId: IDP_ENTITY_ID, logoutUrl, inResponseTo: requestId ?? '' });
    for (const mu of c.model) applyLogoutMutation(model, mu);
    const tree = 'sessionIndexes' in model ? logoutRequestTree(model) : logoutResponseTree(model);
    const renderNow = { ...c.render };
    const reasons = judgeLogout(model, { idpEntityId: IDP_ENTITY_ID, logoutUrl, requestId });
    reasons.push(...c.tree.flatMap((mu) => applyLogoutTreeMutation(tree, mu, renderNow) ?? []));
    reasons.push(...logoutShape(tree, c.kind === 'request' ? 'LogoutRequest' : 'LogoutResponse'));
    const subject = c.kind === 'request' ? logoutSubject(tree) : undefined;
    if (subject && 'refuse' in subject) reasons.push(subject.refuse);
    if (c.key === 'none') reasons.push('not signed (saml-profiles §4.4.3.1)');
    if (c.key === 'attacker') reasons.push('signed by a key the IdP metadata does not hold');

    const parameter = c.kind === 'request' ? 'SAMLRequest' : 'SAMLResponse';
    const relayState = { 'idp-state': 'idp-state', none: undefined, junk: marker }[c.relayState];
    let request: { url: string; method: string; body?: Uint8Array; headers?: Record<string, string> };
    if (c.binding === 'redirect') {
      // saml-bindings §3.4.4.1: no enveloped signature in a Redirect message; the query is signed.
      const key = c.key === 'none' ? undefined : testKeyPair(c.key).privateKey;
      const shape = key ? c.query : { ...c.query, after: undefined };
      const refusal = queryMustRefuse(shape, key !== undefined, relayState !== undefined);
      if (refusal) reasons.push(refusal);
      request = { url: `${logoutUrl}?${encodeRedirectQuery(parameter, render(tree.root, renderNow), relayState, key, shape)}`, method: 'GET' };
    } else {
      const specs: SignSpec[] = c.key === 'none' ? [] : [{ slot: 'message', id: model.id, key: testKeyPair(c.key), signer: c.signing.signer, algorithm: c.signing.algorithm }];
      const { xml, signed } = renderSigned(tree.root, renderNow, specs);
      if (c.key !== 'none' && !signed.has('message')) reasons.push('could not be signed');
      if (c.key !== 'none' && c.signing.algorithm === RSA_SHA1) reasons.push('rsa-sha1 (allowSha1 is off)');
      if (formMustRefuse(c.form)) reasons.push('the form does not carry exactly one SAML message');
      const fields: Array<readonly [string, string]> = [[parameter, encodeBase64(damageBytes(xml, c.bytes), c.base64)]];
      if (relayState !== undefined) fields.push(['RelayState', relayState]);
      const { body, headers } = writeForm(fields, c.form);
      request = { url: logoutUrl, method: 'POST', body, headers };
    }

    const state = sp.snapshot();
    const cookies = browser.snapshot();
    const outcome = await exchange(browser, sp, request, c);
    tally.add(outcome.kind === 'refused' ? `${outcome.code}` : `${outcome.kind} ${c.kind}`);
    debugCase(outcome.kind === 'refused' ? `refused ${outcome.code}` : outcome.kind, sp.warnings.at(-1), c);
    const context = () => `expected: ${reasons.length > 0 ? `a refusal (${reasons.join('; ')})` : 'a refusal or an exact answer'}; subject ${stable(subject)}\n  SP log: ${stable(sp.warnings).slice(0, 600)}`;
    checkCommon(outcome, [marker], sp.errors, context);
    const violation = (what: string) => new PropertyViolation(`${what}\n  outcome: ${describeOutcome(outcome)}\n  ${context()}`);

    if (outcome.kind === 'accepted') {
      if (reasons.length > 0) throw violation('accepted a logout message that must be refused');
      const result = outcome.result;
      if (result.kind === 'response') {
        if (result.location !== '/bye') throw violation('the LogoutResponse did not lead to the `next` of our logout');
      } else {
        if (result.inResponseTo !== model.id) throw violation(`the LogoutResponse answers ${stable(result.inResponseTo)}, not the signed request ${stable(model.id)}`);
        if (result.destination !== IDP_SLO) throw violation('the LogoutResponse goes elsewhere than the IdP metadata SingleLogoutService');
        if (subject && !('refuse' in subject)) {
          const sameUser = subject.nameId === 'alice-1234';
          const sameSession = subject.sessionIndexes.length === 0 || subject.sessionIndexes.includes('_session42');
          // saml-core §3.7.3.2: the sessions of that NameID (and SessionIndex) end; no other user's may.
          if (sameUser && sameSession && subject.format === PERSISTENT && result.aliceLoggedIn) throw violation("alice's session outlived a LogoutRequest naming it");
          if (!sameUser && !result.aliceLoggedIn) throw violation(`a LogoutRequest for ${stable(subject.nameId)} ended alice's session`);
        }
      }
      // Each message acts once: sent again, it is refused.
      const again = await exchange(browser, sp, request, c);
      checkCommon(again, [marker], sp.errors, context);
      if (again.kind !== 'refused') throw violation(`the same message was accepted twice: ${describeOutcome(again)}`);
      return;
    }
    sp.restore(state);
    browser.restore(cookies);
    checkSameRefusal(outcome, await exchange(browser, sp, request, c), context);
  }

  it(`keeps its properties over ${RUNS} mutated, re-signed and damaged logout messages`, async function () {
    this.timeout(timeoutFor(RUNS));
    const tally = new Tally();
    await fuzz('logout/ (LogoutRequest, LogoutResponse)', RUNS, fc.asyncProperty(logoutCase, (c) => runCase(c, tally)));
    console.log(tally.report('logout/ outcomes'));
  });
});

/** The LogoutResponse in the SP's answer: a Redirect (Location) or an auto-post form. */
function logoutResponseOf(answer: Answer): string | undefined {
  if ((answer.status === 302 || answer.status === 303) && answer.location?.startsWith(`${IDP_SLO}?`)) {
    const value = new URL(answer.location).searchParams.get('SAMLResponse');
    return value === null ? undefined : inflateRawSync(Buffer.from(value, 'base64')).toString('utf8');
  }
  const value = /name="SAMLResponse" value="([^"]*)"/.exec(answer.body)?.[1];
  if (answer.status !== 200 || value === undefined || !answer.body.includes(`action="${IDP_SLO}"`)) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}
