// The public types use the DOM's Node, Element and Document (what @xmldom/xmldom implements): a
// consumer whose tsconfig has no "DOM" lib gets them from here.
/// <reference lib="dom" preserve="true" />
/**
 * @koa-mellon/saml: the SAML 2.0 protocol core of koa-mellon, with no web framework. Every XML
 * input goes through the hardened parser; every signature is verified with caller-supplied keys
 * and returns the element it covers; every refusal is a `MellonError` with a stable `code`.
 */
export { ERROR_CODES, MellonError, ConfigError, StatusError, didYouMean, fail, failWithDetail, type MellonErrorCode } from './errors.js';
export { systemClock, parseInstant, formatInstant, DEFAULT_CLOCK_SKEW_SECONDS, type Clock } from './time.js';
export * from './constants/urn.js';
export {
  SIGNATURE_ALGORITHM,
  DIGEST_ALGORITHM,
  TRANSFORM,
  BLOCK_ENCRYPTION,
  KEY_TRANSPORT,
  isSignatureAlgorithmAllowed,
  isDigestAlgorithmAllowed,
  isBlockEncryptionAllowed,
  isKeyTransportAllowed,
  type AlgorithmPolicy,
} from './constants/algorithms.js';

export { parseXml, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, type ParsedXml, type ParseLimits, type ParseOptions } from './xml/parse.js';
export { isElement, elementChildren, childrenNamed, optionalChild, requiredChild, attribute, requiredAttribute } from './xml/select.js';
export { textOf, requiredText, exactText, trimXmlSpace, isXmlSpace } from './xml/text.js';
export { x, buildDocument, buildElement, serializeXml, type XmlElement, type XmlChild, type XmlAttributes } from './xml/build.js';

export { loadPublicKey, loadPrivateKey, certificateBase64, keysMatch, isTrustedKey, type TrustedKey, type PublicKeyInput, type PrivateKeyInput } from './keys/load.js';
export { toKeyObjects } from './keys/key-set.js';

export { verifyEnvelopedSignature, findSignature, type VerifyOptions } from './xmldsig/verify.js';
export { signElement, defaultSignatureAlgorithm, type SignOptions } from './xmldsig/sign.js';
export { canonicalize, type CanonicalizeOptions } from './xmldsig/c14n.js';
export { decryptElement, type DecryptOptions } from './xmlenc/decrypt.js';
export { encryptElement, type EncryptOptions } from './xmlenc/encrypt.js';

export { validateResponse, validateParsedResponse } from './messages/response/index.js';
export { checkDestination } from './messages/response/validate/check-destination.js';
export type * from './messages/response/types.js';
export { buildResponse, type ResponseOptions, type ResponseAssertionOptions, type ResponseAttribute } from './messages/response/build.js';
export { readAssertion, readNameId, readAttribute, type NameIdParts, type AssertionParts } from './messages/response/read-assertion.js';
export { generateId, readMessageHeader, buildStatus, readResponseStatus, type MessageHeader, type StatusInput } from './messages/common.js';
export { buildAuthnRequest, type AuthnRequestOptions, type NameIdPolicy } from './messages/authn-request/build.js';
export { parseAuthnRequest, type AuthnRequest } from './messages/authn-request/parse.js';
export { buildLogoutRequest, parseLogoutRequest, type LogoutRequest, type LogoutRequestOptions } from './messages/logout/logout-request.js';
export { buildLogoutResponse, parseLogoutResponse, type LogoutResponse, type LogoutResponseOptions } from './messages/logout/logout-response.js';
export { parseArtifact, createArtifact, artifactSourceId, type Artifact } from './messages/artifact/artifact.js';
export {
  buildArtifactResolve,
  parseArtifactResolve,
  buildArtifactResponse,
  parseArtifactResponse,
  type ArtifactResolve,
  type ArtifactResponse,
} from './messages/artifact/artifact-resolve.js';

export { encodeRedirect, decodeRedirect, verifyRedirectSignature, type RedirectMessage, type RedirectEncodeOptions, type SamlParameter } from './bindings/redirect.js';
export { encodePostForm, decodePostParameter, postFormCsp, escapeHtml, POST_FORM_SCRIPT_HASH } from './bindings/post.js';
export { buildSoapEnvelope, buildSoapFault, exchangeSoap, parseSoapEnvelope, postSoap, type SoapCallOptions, type SoapExchangeOptions } from './bindings/soap.js';

export * from './metadata/index.js';
