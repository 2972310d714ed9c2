import { inflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import fc from 'fast-check';
import { requireXmlsec } from '../helpers/xmlsec.js';
import { acsCase, buildAcsRequest, type AcsCase } from './support/acs-case.js';
import { PLAIN_RENDER } from './support/arbitraries.js';
import { INTACT_FORM } from './support/damage.js';
import { Browser, type AcceptKind, type Answer } from './support/http.js';
import type { Identity } from './support/response-model.js';
import { RSA_SHA256 } from './support/resign.js';
import { Tally, debugCase, fuzz, runsOf, timeoutFor } from './support/runner.js';
import { FuzzSp, IDP_ENTITY_ID } from './support/sp-world.js';
import { PropertyViolation, checkCommon, checkSameRefusal, describeOutcome, refused, stable, type Outcome } from './support/verdict.js';

/**
 * Property-based fuzzing of koa-mellon's ACS (POST login/) through HTTP, SP-initiated and
 * IdP-initiated, on an SP that refuses unsolicited responses (mounted under /accounts/mellon) and
 * one that allows them (mounted at /). Responses are mutated (NameID, attributes, audience, times,
 * namespaces, wrapping, nesting, comments, PIs...), rendered in varied XML syntax, signed by the
 * IdP's key (or another, or none) with one of three signers, then maybe damaged (bytes, encoding,
 * base64, form). Properties: docs/security.md "Fuzzing".
 */
interface Session {
  readonly issuer: string;
  readonly nameIdContent: string;
  readonly attributes: Record<string, string[]>;
}

const RUNS = runsOf(0.45);

describe('fuzz: the ACS (POST login/) over HTTP', function () {
  const now = Date.now();
  let strict: FuzzSp;
  let permissive: FuzzSp;
  let origins: Map<string, string>;

  before(requireXmlsec);
  before(async () => {
    strict = await FuzzSp.start('strict', 'https://sp.example.test', '/accounts/mellon', now, { wantAssertionsSigned: true });
    permissive = await FuzzSp.start('permissive', 'https://sp2.example.test', '/', now, { allowIdpInitiated: true });
    origins = new Map([
      [strict.origin, strict.local],
      [permissive.origin, permissive.local],
    ]);
  });
  after(async () => {
    await strict?.stop();
    await permissive?.stop();
  });

  const targetOf = (sp: FuzzSp) => ({ idpEntityId: IDP_ENTITY_ID, spEntityId: sp.mellon.urls.entityId, acsUrl: sp.mellon.urls.login });

  /** Starts a login when the case is SP-initiated: the request ID and RelayState the IdP would get. */
  async function startLogin(browser: Browser, sp: FuzzSp): Promise<{ requestId: string; relayState: string }> {
    const answer = await browser.send(`${sp.mellon.urls.login}?next=/dashboard`);
    const query = new URL(answer.location ?? 'https://x/').searchParams;
    const xml = inflateRawSync(Buffer.from(query.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
    const requestId = / ID="([^"]+)"/.exec(xml)?.[1];
    if (answer.status !== 302 || requestId === undefined) throw new Error(`login/ did not redirect to the IdP: ${answer.status}`);
    return { requestId, relayState: query.get('RelayState') ?? '' };
  }

  /** Posts to the ACS and follows what a browser follows (the finish hop), then asks who is logged in. */
  async function post(browser: Browser, sp: FuzzSp, body: Uint8Array, headers: Record<string, string>, accept: AcceptKind): Promise<Outcome<Session>> {
    const answers: Answer[] = [await browser.send(sp.mellon.urls.login, { method: 'POST', body, headers, accept })];
    let last = answers[0] as Answer;
    if (last.status === 303 && last.location?.startsWith(`${sp.mellon.urls.login}finish/`)) {
      last = await browser.send(last.location, { accept });
      answers.push(last);
    }
    if (last.status >= 400) return refused(answers);
    if (last.status === 303 || last.status === 302) {
      const whoami = JSON.parse((await browser.send(`${sp.origin}/whoami`)).body) as { mellon: Session | null };
      if (whoami.mellon) return { kind: 'accepted', result: whoami.mellon, answers };
    }
    return { kind: 'other', answers };
  }

  async function runCase(c: AcsCase, tally: Tally): Promise<void> {
    const sp = c.sp === 'strict' ? strict : permissive;
    sp.reset();
    const browser = new Browser(origins);
    const login = c.flow === 'solicited' ? await startLogin(browser, sp) : undefined;
    const marker = `fzmk${c.ids[0].slice(1, 9)}`;
    const { body, headers, expect: want } = buildAcsRequest(c, { now, ...targetOf(sp), requestId: login?.requestId, relayState: login?.relayState }, marker);
    const state = sp.snapshot();
    const cookies = browser.snapshot();
    const outcome = await post(browser, sp, body, headers, c.accept);
    const context = () => `expected: ${want.mustRefuse ? `a refusal (${want.mustRefuse})` : `a refusal or exactly ${stable(want.identity)}`}\n  SP log: ${stable(sp.warnings).slice(0, 600)}`;
    tally.add(outcome.kind === 'refused' ? `${outcome.code}` : outcome.kind);
    debugCase(outcome.kind === 'refused' ? `refused ${outcome.code}` : outcome.kind, sp.warnings.at(-1), c);

    checkCommon(outcome, want.wire, sp.errors, context);
    if (outcome.kind === 'accepted') {
      if (want.mustRefuse) throw new PropertyViolation(`accepted a response that must be refused (${want.mustRefuse})\n  outcome: ${describeOutcome(outcome)}\n  ${context()}`);
      checkIdentity(outcome.result, want.identity, () => `${describeOutcome(outcome)}\n  ${context()}`);
      // An assertion is accepted once (saml-profiles §4.1.4.5): posted again, it is refused.
      const again = await post(browser, sp, body, headers, c.accept);
      checkCommon(again, want.wire, sp.errors, context);
      if (again.kind !== 'refused') throw new PropertyViolation(`the same response was accepted twice: ${describeOutcome(again)}\n  ${context()}`);
      return;
    }
    sp.restore(state);
    browser.restore(cookies);
    checkSameRefusal(outcome, await post(browser, sp, body, headers, c.accept), context);
  }

  it('accepts the unmutated response, both flows, both SPs, each signer, encrypted or not (the generators make valid messages)', async function () {
    this.timeout(60_000);
    for (const sp of ['strict', 'permissive'] as const) {
      for (const flow of sp === 'strict' ? (['solicited'] as const) : (['solicited', 'unsolicited'] as const)) {
        for (const [signer, encrypt] of [['core', 'none'], ['xml-crypto', 'none'], ['xmlsec1', 'none'], ['core', 'aes256-gcm']] as const) {
          const c: AcsCase = {
            sp, flow, model: [], tree: [], render: PLAIN_RENDER, signing: { signer, algorithm: RSA_SHA256 }, assertionKey: 'idp', responseKey: encrypt === 'none' ? 'idp' : 'none',
            bytes: undefined, base64: undefined, form: INTACT_FORM, relayState: 'ours', accept: 'json', ids: ['_0123456789abcdef', '_fedcba9876543210'], encrypt,
          };
          const target = sp === 'strict' ? strict : permissive;
          target.reset();
          const browser = new Browser(origins);
          const login = flow === 'solicited' ? await startLogin(browser, target) : undefined;
          const { body, headers, expect: want } = buildAcsRequest(c, { now, ...targetOf(target), requestId: login?.requestId, relayState: login?.relayState }, 'fzmk0');
          const outcome = await post(browser, target, body, headers, 'json');
          expect(outcome.kind, `${sp} ${flow} ${signer} ${encrypt}: ${describeOutcome(outcome)} ${stable(target.warnings)}`).to.equal('accepted');
          if (outcome.kind === 'accepted') checkIdentity(outcome.result, want.identity, () => describeOutcome(outcome));
        }
      }
    }
  });

  it(`keeps its properties over ${RUNS} mutated, re-signed and damaged responses`, async function () {
    this.timeout(timeoutFor(RUNS));
    const tally = new Tally();
    const arbitrary = acsCase({ strict: targetOf(strict), permissive: targetOf(permissive) });
    await fuzz('ACS (POST login/)', RUNS, fc.asyncProperty(arbitrary, (c) => runCase(c, tally)));
    console.log(tally.report('ACS outcomes'));
  });
});

/** The login is exactly the one signed: NameID, attributes, issuer. */
function checkIdentity(actual: Session, wanted: Identity | undefined, context: () => string): void {
  const got = { issuer: actual.issuer, nameId: actual.nameIdContent, attributes: actual.attributes };
  const want = wanted && { issuer: IDP_ENTITY_ID, nameId: wanted.nameId, attributes: wanted.attributes };
  if (stable(got) !== stable(want)) throw new PropertyViolation(`accepted with another identity than the one signed\n  signed:   ${stable(want)}\n  accepted: ${stable(got)}\n  ${context()}`);
}
