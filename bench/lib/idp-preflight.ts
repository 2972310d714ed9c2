import {
  decodePostParameter,
  decryptElement,
  findSignature,
  optionalChild,
  parseXml,
  requiredChild,
  serializeXml,
  validateResponse,
  type Assertion,
  type ResponseValidationOptions,
} from '@koa-mellon/saml';
import type { Builder, IdpScenario, IdpVariant } from './idp-scenario.js';

/** What a builder's Response turned out to be, once our SP accepted it. */
export interface Produced {
  /** Size of the XML (not of its base64 form). */
  readonly bytes: number;
  /** Size of the serialised assertion (what is encrypted, when it is). */
  readonly assertionBytes: number;
  /** The algorithms in it, short names: "assertion rsa-sha256/sha256", "aes256-gcm + rsa-oaep-mgf1p(sha1)". */
  readonly algorithms: readonly string[];
}

export type Preflight = { readonly ok: true; readonly produced: Produced } | { readonly ok: false; readonly reason: string };

/**
 * Builds one Response with `builder` and has our SP (`validateResponse`, every check on, clock at
 * the build instant) accept it: signed by the IdP key, decrypted with the SP key, answering the
 * request, for this SP and ACS. Then it must say what the scenario says (NameID, attributes,
 * session) and be secured as the variant says (a Response signature exactly when asked, an
 * EncryptedAssertion exactly when asked), or the builder is not timed.
 */
export async function preflightBuilder(builder: Builder, scenario: IdpScenario, variant: IdpVariant): Promise<Preflight> {
  try {
    const xml = decodePostParameter(await builder.build());
    const assertion = await validateResponse(xml, validationOptions(scenario, variant));
    const mismatch = contentMismatch(assertion, scenario);
    if (mismatch) return { ok: false, reason: `accepted, but ${mismatch}` };
    return describeSecuring(xml, scenario, variant);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? `${String(err.code)}: ` : '';
    return { ok: false, reason: `${code}${err instanceof Error ? err.message.split('\n')[0]?.slice(0, 160) : String(err)}` };
  }
}

function validationOptions(scenario: IdpScenario, variant: IdpVariant): ResponseValidationOptions {
  return {
    idp: { entityId: scenario.idpEntityId, signingKeys: [scenario.idp.publicKey] },
    sp: { entityId: scenario.spEntityId, acsUrl: scenario.acsUrl, decryptionKeys: [scenario.sp.privateKey] },
    requestIds: { consume: (id) => id === scenario.requestId },
    replayCache: { markSeen: () => true },
    wantAssertionsSigned: true,
    wantResponseSigned: variant.signResponse,
    clock: () => scenario.now,
  };
}

function contentMismatch(assertion: Assertion, scenario: IdpScenario): string | undefined {
  const expected: ReadonlyArray<readonly [string, unknown, unknown]> = [
    ['NameID', assertion.nameId, scenario.nameId.value],
    ['NameID Format', assertion.nameIdFormat, scenario.nameId.format],
    ['InResponseTo', assertion.inResponseTo, scenario.requestId],
    ['SessionIndex', assertion.sessionIndex, scenario.sessionIndex],
    ['AuthnContextClassRef', assertion.authnContextClassRef, scenario.authnContextClassRef],
    ['AuthnInstant', assertion.authnInstant.getTime(), scenario.authnInstant],
    ['attribute names', Object.keys(assertion.attributes).join(','), scenario.attributes.map((a) => a.name).join(',')],
    ...scenario.attributes.map(({ name, value }) => [`attribute ${name}`, assertion.attributes[name]?.join('|'), value] as const),
  ];
  const wrong = expected.find(([, got, want]) => got !== want);
  return wrong && `its ${wrong[0]} is ${JSON.stringify(wrong[1])}, not ${JSON.stringify(wrong[2])}`;
}

/** Checks the variant's signatures and encryption are there (and no more), and names their algorithms. */
function describeSecuring(xml: string, scenario: IdpScenario, variant: IdpVariant): Preflight {
  const response = parseXml(xml).root;
  const algorithms: string[] = [];
  const responseSignature = findSignature(response);
  if (!!responseSignature !== variant.signResponse) return { ok: false, reason: `Response signature ${responseSignature ? 'present' : 'missing'}` };
  if (responseSignature) algorithms.push(`response ${signatureAlgorithms(responseSignature)}`);
  const encrypted = optionalChild(response, 'saml', 'EncryptedAssertion');
  if (!!encrypted !== variant.encrypt) return { ok: false, reason: `assertion ${encrypted ? 'encrypted' : 'not encrypted'}` };
  let assertion = optionalChild(response, 'saml', 'Assertion');
  if (encrypted) {
    const data = requiredChild(encrypted, 'xenc', 'EncryptedData');
    const key = requiredChild(requiredChild(data, 'ds', 'KeyInfo'), 'xenc', 'EncryptedKey');
    const keyMethod = requiredChild(key, 'xenc', 'EncryptionMethod');
    const oaepDigest = optionalChild(keyMethod, 'ds', 'DigestMethod');
    algorithms.push(`${fragment(requiredChild(data, 'xenc', 'EncryptionMethod'))} + ${fragment(keyMethod)}(${oaepDigest ? fragment(oaepDigest) : 'sha1, implied'})`);
    assertion = decryptElement(encrypted, { keys: [scenario.sp.privateKey] }).root;
  }
  const assertionSignature = assertion ? findSignature(assertion) : undefined;
  if (!assertion || !assertionSignature) return { ok: false, reason: 'no signed assertion found' };
  algorithms.unshift(`assertion ${signatureAlgorithms(assertionSignature)}`);
  return { ok: true, produced: { bytes: Buffer.byteLength(xml, 'utf8'), assertionBytes: Buffer.byteLength(serializeXml(assertion), 'utf8'), algorithms } };
}

function signatureAlgorithms(signature: Element): string {
  const signedInfo = requiredChild(signature, 'ds', 'SignedInfo');
  const digest = requiredChild(requiredChild(signedInfo, 'ds', 'Reference'), 'ds', 'DigestMethod');
  return `${fragment(requiredChild(signedInfo, 'ds', 'SignatureMethod'))}/${fragment(digest)}`;
}

/** `http://www.w3.org/2009/xmlenc11#aes256-gcm` → `aes256-gcm`. */
function fragment(el: Element): string {
  const uri = el.getAttribute('Algorithm') ?? '?';
  return uri.slice(uri.lastIndexOf('#') + 1);
}
