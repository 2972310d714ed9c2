import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { signElement } from '@koa-mellon/saml';
import type { TestKeyPair } from '../../helpers/keys.js';
import { xmlsecSign } from '../../helpers/xmlsec.js';
import { render, type RenderOptions, type XElement } from './xml-tree.js';

/**
 * Signs fuzzed XML the way an IdP would, after the mutation: each signature is computed over the
 * document as rendered so far and written into its slot, so the bytes around it are exactly the
 * rendered ones (a DOM round trip would re-serialize them). Three signers: the core's own
 * (`signElement`), xml-crypto's SignedXml (whose c14n the core shares), and xmlsec1, which parses
 * and canonicalizes with libxml2, so that a c14n shared by signer and verifier cannot hide a bug.
 */
export type SignerName = 'core' | 'xml-crypto' | 'xmlsec1';

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
export const RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export interface SignSpec {
  /** The slot (XSlot name) that receives the signature. */
  readonly slot: string;
  /** The ID of the signed element. */
  readonly id: string;
  readonly key: TestKeyPair;
  readonly signer: SignerName;
  readonly algorithm?: string | undefined;
}

/** The rendered XML with every signature that could be made; `signed` names the slots filled. */
export function renderSigned(root: XElement, options: RenderOptions, specs: readonly SignSpec[]): { xml: string; signed: Set<string> } {
  const slots = new Map<string, string>();
  const signed = new Set<string>();
  for (const spec of specs) {
    // The signed octets are the element's c14n: no BOM nor declaration (an encoding mutation
    // re-encodes the bytes later; the signer signs characters).
    const bare = { ...options, bom: false, declaration: undefined };
    const signature =
      spec.signer === 'xmlsec1'
        ? xmlsecSignature(root, bare, slots, spec)
        : signatureXml(render(root, bare, slots), spec) ?? signatureXml(render(root, bare, slots), { ...spec, signer: spec.signer === 'core' ? 'xml-crypto' : 'core' });
    if (signature === undefined) continue;
    slots.set(spec.slot, signature);
    signed.add(spec.slot);
  }
  return { xml: render(root, options, slots), signed };
}

/** The `<ds:Signature>` over the element whose ID is `spec.id`, or undefined when no signer can make it. */
function signatureXml(xml: string, spec: SignSpec): string | undefined {
  try {
    return spec.signer === 'core' ? coreSignature(xml, spec) : xmlCryptoSignature(xml, spec);
  } catch {
    // A mutation may leave nothing a signer can sign (no element with that ID, two of them, ill-formed XML).
    return undefined;
  }
}

/** xmlsec1 fills a template put in the slot; its filled Signature is cut out of libxml2's output. */
function xmlsecSignature(root: XElement, options: RenderOptions, slots: ReadonlyMap<string, string>, spec: SignSpec): string | undefined {
  const marker = `fuzz-sig-${spec.slot}`;
  const algorithm = spec.algorithm ?? RSA_SHA256;
  const template =
    `<xsig:Signature xmlns:xsig="http://www.w3.org/2000/09/xmldsig#" Id="${marker}"><xsig:SignedInfo>` +
    `<xsig:CanonicalizationMethod Algorithm="${EXC_C14N}"/><xsig:SignatureMethod Algorithm="${algorithm}"/>` +
    `<xsig:Reference URI="#${spec.id.replace(/[&<"]/g, '')}"><xsig:Transforms><xsig:Transform Algorithm="${ENVELOPED}"/><xsig:Transform Algorithm="${EXC_C14N}"/></xsig:Transforms>` +
    `<xsig:DigestMethod Algorithm="${algorithm === RSA_SHA1 ? SHA1 : SHA256}"/><xsig:DigestValue/></xsig:Reference></xsig:SignedInfo>` +
    '<xsig:SignatureValue/><xsig:KeyInfo><xsig:X509Data/></xsig:KeyInfo></xsig:Signature>';
  try {
    const out = xmlsecSign(render(root, options, new Map([...slots, [spec.slot, template]])), spec.key.keyPath, spec.key.certPath, `//*[@Id='${marker}']`);
    return new RegExp(`<xsig:Signature [^>]*Id="${marker}"[\\s\\S]*?</xsig:Signature>`).exec(out)?.[0];
  } catch {
    return signatureXml(render(root, options, slots), { ...spec, signer: 'core' });
  }
}

function coreSignature(xml: string, spec: SignSpec): string | undefined {
  let failed = false;
  const parser = new DOMParser({
    errorHandler: (level) => {
      if (level !== 'warning') failed = true;
    },
  });
  // xmldom's Document is structurally the DOM's; the cast only renames the type.
  const doc = parser.parseFromString(xml, 'text/xml') as unknown as Document;
  if (failed) return undefined;
  const targets: Element[] = [];
  const walk = (node: Element) => {
    if (node.getAttribute('ID') === spec.id) targets.push(node);
    for (let child = node.firstChild; child; child = child.nextSibling) if (child.nodeType === 1) walk(child as Element);
  };
  if (doc.documentElement) walk(doc.documentElement);
  if (targets.length !== 1) return undefined;
  const signature = signElement(targets[0] as Element, {
    privateKey: spec.key.privateKey,
    certificate: spec.key.certBase64,
    signatureAlgorithm: spec.algorithm ?? RSA_SHA256,
    digestAlgorithm: spec.algorithm === RSA_SHA1 ? SHA1 : SHA256,
  });
  return new XMLSerializer().serializeToString(signature as never);
}

function xmlCryptoSignature(xml: string, spec: SignSpec): string | undefined {
  if (!/^[\w.-]+$/.test(spec.id)) return undefined;
  const sig = new SignedXml({ privateKey: spec.key.keyPem, signatureAlgorithm: spec.algorithm ?? RSA_SHA256, canonicalizationAlgorithm: EXC_C14N });
  sig.idAttributes = ['ID'];
  const xpath = `//*[@ID='${spec.id}']`;
  sig.addReference({ xpath, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: spec.algorithm === RSA_SHA1 ? SHA1 : SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: xpath, action: 'append' } });
  return sig.getSignatureXml();
}
