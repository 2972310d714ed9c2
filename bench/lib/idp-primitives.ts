import { X509Certificate, constants, createCipheriv, createHash, createSign, publicEncrypt, randomBytes, sign } from 'node:crypto';
import { median, timeCallsRoundRobin, type TimedCall } from './measure.js';
import type { IdpScenario } from './idp-scenario.js';

/** One cryptographic step of building a Response, timed bare. */
export interface PrimitiveTiming {
  readonly name: string;
  readonly medianUs: number;
}

/** Round-robin among the primitives, as the contenders are; ~3 s. */
const PLAN = { budgetMs: 3_000, minIterations: 20, warmupIterations: 20, warmupMs: 500 } as const;

/**
 * The crypto a Response of the scenario costs, outside any library, so that the contenders' times
 * can be read against it: per signature one RSA-2048 private-key operation (sha256 over ~700 bytes
 * of canonical SignedInfo), per encrypted assertion one RSA-OAEP wrap (a public-key operation) and
 * AES-256-GCM over the serialised assertion. Each in two forms: with keys held as KeyObjects
 * (what we do) and with keys as PEM text parsed on every call (what samlify hands xml-crypto and
 * @authenio/xml-encryption: the IdP key as PEM, the SP certificate re-read into a PEM public key).
 */
export async function timePrimitives(scenario: IdpScenario, assertionBytes: number): Promise<PrimitiveTiming[]> {
  const signedInfo = Buffer.from('x'.repeat(700));
  const assertion = randomBytes(assertionBytes);
  const spCertDer = Buffer.from(scenario.sp.certBase64, 'base64');
  const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' } as const;
  const calls: TimedCall[] = [
    { name: 'rsa-sha256 sign, KeyObject', run: async () => sign('sha256', signedInfo, scenario.idp.privateKey) },
    { name: 'rsa-sha256 sign, PEM parsed per call', run: async () => createSign('RSA-SHA256').update(signedInfo).sign(scenario.idp.keyPem, 'base64') },
    { name: 'rsa-oaep-mgf1p wrap of a 32-byte key, KeyObject', run: async () => publicEncrypt({ key: scenario.sp.publicKey, ...oaep }, randomBytes(32)) },
    {
      name: 'rsa-oaep-mgf1p wrap, certificate → PEM per call',
      run: async () => {
        const pem = new X509Certificate(spCertDer).publicKey.export({ type: 'spki', format: 'pem' });
        return publicEncrypt({ key: pem, ...oaep }, randomBytes(32));
      },
    },
    {
      name: `aes-256-gcm of ${assertionBytes.toLocaleString('en-US')} bytes`,
      run: async () => {
        const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
        return Buffer.concat([cipher.update(assertion), cipher.final(), cipher.getAuthTag()]);
      },
    },
    { name: `sha256 of ${assertionBytes.toLocaleString('en-US')} bytes (a digest)`, run: async () => createHash('sha256').update(assertion).digest() },
  ];
  const samples = await timeCallsRoundRobin(calls, PLAN);
  return calls.map(({ name }) => ({ name, medianUs: median(samples.get(name) ?? []) * 1000 }));
}
