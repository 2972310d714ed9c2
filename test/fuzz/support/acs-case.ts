import fc from 'fast-check';
import { testKeyPair } from '../../helpers/keys.js';
import { xmlsecEncrypt, type XmlsecCipher } from '../../helpers/xmlsec.js';
import { applyModelMutation, modelMutation, type ModelMutation } from './acs-mutations.js';
import { applyTreeMutation, subjectNameId, treeMutation, type TreeMutation } from './acs-tree-mutations.js';
import { judgeResponse, type Verdict } from './response-judge.js';
import { renderOptions, signing, PLAIN_RENDER, type Signing } from './arbitraries.js';
import { base64Damage, byteDamage, damageBytes, encodeBase64, formMustRefuse, formShape, writeForm, INTACT_FORM, type Base64Damage, type ByteDamage, type FormShape } from './damage.js';
import { identityOf, responseTree, validResponse, type Identity } from './response-model.js';
import { RSA_SHA1, renderSigned, type SignSpec } from './resign.js';
import { NS } from './saml-ns.js';
import type { RenderOptions } from './xml-tree.js';

/** One fuzz case for the ACS, as data. */
export interface AcsCase {
  readonly sp: 'strict' | 'permissive';
  readonly flow: 'solicited' | 'unsolicited';
  readonly model: readonly ModelMutation[];
  readonly tree: readonly TreeMutation[];
  readonly render: RenderOptions;
  readonly signing: Signing;
  readonly assertionKey: 'idp' | 'attacker' | 'none';
  readonly responseKey: 'idp' | 'attacker' | 'none';
  readonly bytes: ByteDamage | undefined;
  readonly base64: Base64Damage | undefined;
  readonly form: FormShape;
  readonly relayState: 'ours' | 'none' | 'junk' | 'long' | 'nul';
  readonly accept: 'json' | 'html';
  readonly ids: readonly [string, string];
  /** Encrypt the (signed) assertion to the SP with xmlsec1: saml:EncryptedAssertion (only when the Response is not signed). */
  readonly encrypt: 'none' | 'aes256-gcm' | 'aes128-cbc';
}

/** Where the SP is and what it expects, known only once the case runs (the request ID is the SP's). */
export interface AcsTarget {
  readonly now: number;
  readonly idpEntityId: string;
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly requestId: string | undefined;
  readonly relayState: string | undefined;
}

/** What a correct SP must do with the request built from a case. */
export interface AcsExpectation {
  /** Set: the SP must refuse (why). Unset: it may refuse with a documented code, or accept exactly `identity`. */
  readonly mustRefuse: string | undefined;
  readonly identity: Identity | undefined;
  /** Values from the request that no refusal page may echo. */
  readonly wire: readonly string[];
}

const hexId = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }).map((h) => `_${h}`);

type Names = { spEntityId: string; acsUrl: string; idpEntityId: string };

/** Cases for two SPs: `strict` refuses unsolicited responses, `permissive` takes them. */
export function acsCase(targets: Readonly<Record<AcsCase['sp'], Names>>): fc.Arbitrary<AcsCase> {
  return fc.constantFrom('strict' as const, 'permissive' as const).chain((sp) => acsCaseFor(sp, targets[sp]));
}

function acsCaseFor(sp: AcsCase['sp'], e: Names): fc.Arbitrary<AcsCase> {
  return fc.record({
    sp: fc.constant(sp),
    flow: fc.oneof({ arbitrary: fc.constant('solicited' as const), weight: sp === 'strict' ? 9 : 1 }, { arbitrary: fc.constant('unsolicited' as const), weight: 1 }),
    model: fc.array(modelMutation(e), { maxLength: 3 }),
    tree: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: fc.array(treeMutation, { minLength: 1, maxLength: 2 }), weight: 1 }),
    render: fc.oneof({ arbitrary: fc.constant(PLAIN_RENDER), weight: 1 }, { arbitrary: renderOptions, weight: 2 }),
    signing,
    assertionKey: fc.oneof({ arbitrary: fc.constant('idp' as const), weight: 12 }, { arbitrary: fc.constant('attacker' as const), weight: 1 }, { arbitrary: fc.constant('none' as const), weight: 1 }),
    responseKey: fc.oneof({ arbitrary: fc.constant('none' as const), weight: 6 }, { arbitrary: fc.constant('idp' as const), weight: 3 }, { arbitrary: fc.constant('attacker' as const), weight: 1 }),
    bytes: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: byteDamage, weight: 1 }),
    base64: fc.oneof({ arbitrary: fc.constant(undefined), weight: 15 }, { arbitrary: base64Damage, weight: 1 }),
    form: fc.oneof({ arbitrary: fc.constant(INTACT_FORM), weight: 9 }, { arbitrary: formShape, weight: 1 }),
    relayState: fc.oneof({ arbitrary: fc.constant('ours' as const), weight: 12 }, { arbitrary: fc.constantFrom('none' as const, 'junk' as const), weight: 6 }, { arbitrary: fc.constantFrom('long' as const, 'nul' as const), weight: 1 }),
    accept: fc.constantFrom('json' as const, 'html' as const),
    ids: fc.tuple(hexId, hexId).filter(([a, b]) => a !== b),
    encrypt: fc.oneof({ arbitrary: fc.constant('none' as const), weight: 6 }, { arbitrary: fc.constantFrom('aes256-gcm' as const, 'aes128-cbc' as const), weight: 1 }),
  });
}

/** The form post of a case, and what must come of it. */
export function buildAcsRequest(c: AcsCase, t: AcsTarget, marker: string): { body: Uint8Array; headers: Record<string, string>; expect: AcsExpectation } {
  const solicited = c.flow === 'solicited';
  const model = validResponse({ ...t, inResponseTo: solicited ? t.requestId : undefined, responseId: c.ids[0], assertionId: c.ids[1] });
  for (const mu of c.model) applyModelMutation(model, mu);
  const verdicts: Verdict[] = judgeResponse(model, { ...t, requestId: solicited ? t.requestId : undefined, strict: c.sp === 'strict' });
  const tree = responseTree(model);
  const render = { ...c.render };
  verdicts.push(...c.tree.map((mu) => applyTreeMutation(tree, mu, t.idpEntityId, render)));
  if (tree.root.local !== 'Response') verdicts.push({ refuse: { reason: 'the root is not a samlp:Response', scope: 'envelope' } });
  // Tree mutations may add, move or hide NameIDs: the subject is read from the final tree.
  const subject = subjectNameId(tree);
  const modelIdentity = identityOf(model);
  let identity: Identity | undefined;
  if ('refuse' in subject) verdicts.push({ refuse: { reason: subject.refuse, scope: 'signed' } });
  else if (modelIdentity) identity = { ...modelIdentity, nameId: subject.value };

  const key = (name: 'idp' | 'attacker') => testKeyPair(name);
  const specs: SignSpec[] = [];
  if (c.assertionKey !== 'none') specs.push({ slot: 'assertion', id: c.ids[1], key: key(c.assertionKey), signer: c.signing.signer, algorithm: c.signing.algorithm });
  if (c.responseKey !== 'none') specs.push({ slot: 'response', id: c.ids[0], key: key(c.responseKey), signer: c.signing.signer, algorithm: c.signing.algorithm });
  const encrypt = c.encrypt !== 'none' && c.responseKey === 'none' && tree.root.children.includes(tree.assertion);
  if (encrypt) tree.root.children[tree.root.children.indexOf(tree.assertion)] = { kind: 'el', ns: NS.saml, local: 'EncryptedAssertion', attrs: [], children: [tree.assertion] };
  const { xml: plain, signed } = renderSigned(tree.root, render, specs);
  const xml = encrypt ? encryptAssertion(plain, c.encrypt as XmlsecCipher) : plain;

  // An unsigned assertion counts only when the IdP's verified Response signature covers it, and
  // never on the strict SP (wantAssertionsSigned: true).
  const coveredByResponse = signed.has('response') && c.responseKey === 'idp';
  if (!signed.has('assertion') && (c.sp === 'strict' || !coveredByResponse)) {
    verdicts.push({ refuse: { reason: c.sp === 'strict' ? 'the assertion is not signed (wantAssertionsSigned)' : 'neither the assertion nor the Response is signed by the IdP', scope: 'signed' } });
  }
  if (c.assertionKey === 'attacker') verdicts.push({ refuse: { reason: 'assertion signed by a key the IdP metadata does not hold', scope: 'signed' } });
  if (c.responseKey === 'attacker' && signed.has('response')) verdicts.push({ refuse: { reason: 'Response signed by a key the IdP metadata does not hold', scope: 'envelope' } });
  if (c.signing.algorithm === RSA_SHA1 && signed.has('assertion')) verdicts.push({ refuse: { reason: 'rsa-sha1 (allowSha1 is off)', scope: 'signed' } });

  // Damage after signing may remove what made an unsigned part wrong; what was signed stays.
  const damaged = c.bytes !== undefined || c.base64 !== undefined || c.form.encoding === 'raw';
  const reasons = verdicts.flatMap((v) => (v.refuse && (!damaged || v.refuse.scope === 'signed') ? [v.refuse.reason] : []));
  if (formMustRefuse(c.form)) reasons.push('the form does not carry exactly one SAMLResponse');
  if (c.form.extra.some(([name]) => name === 'SAMLart')) reasons.push('SAMLResponse and SAMLart together');

  const relayState = { ours: t.relayState, none: undefined, junk: marker, long: `${marker}${'x'.repeat(3000)}`, nul: `${marker}\u0000` }[c.relayState];
  const fields: Array<readonly [string, string]> = [['SAMLResponse', encodeBase64(damageBytes(xml, c.bytes), c.base64)]];
  if (relayState !== undefined) fields.push(['RelayState', relayState]);
  const { body, headers } = writeForm(fields, c.form);
  return { body, headers, expect: { mustRefuse: reasons[0], identity, wire: [marker] } };
}

const ENCRYPTED_ASSERTION_XPATH = "/*[local-name()='Response']/*[local-name()='EncryptedAssertion']/*[local-name()='Assertion']";

/**
 * The signed assertion encrypted to the SP by xmlsec1 (libxml2 writes the rest of the document
 * again, equivalently). When xmlsec1 cannot (a mutation left no such element), the plaintext stays
 * inside EncryptedAssertion, which a correct SP cannot decrypt and refuses.
 */
function encryptAssertion(xml: string, cipher: XmlsecCipher): string {
  try {
    return xmlsecEncrypt(xml, testKeyPair('sp').certPath, ENCRYPTED_ASSERTION_XPATH, cipher);
  } catch {
    return xml;
  }
}
