import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Drives the xmlsec1 CLI (the reference C implementation of XML-DSig / XML-Enc) to make fixtures
 * we did not sign or encrypt ourselves, and to check what we sign. A missing binary fails loudly.
 */
const XMLSEC = 'xmlsec1';
const ID_ATTRS = [
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:Response',
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:LogoutRequest',
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:LogoutResponse',
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest',
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:ArtifactResponse',
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:ArtifactResolve',
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor',
  '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:metadata:EntitiesDescriptor',
];

export function requireXmlsec(): void {
  const probe = spawnSync(XMLSEC, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error('xmlsec1 is not installed: run scripts/install-test-deps.sh (apt-get install xmlsec1)');
  }
}

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'km-xmlsec-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Signs the signature template selected by `nodeXpath` (default: the first one). */
export function xmlsecSign(xml: string, keyPath: string, certPath: string, nodeXpath?: string): string {
  return withTmp((dir) => {
    writeFileSync(join(dir, 'in.xml'), xml);
    const args = ['--sign', '--privkey-pem', `${keyPath},${certPath}`, ...ID_ATTRS];
    if (nodeXpath) args.push('--node-xpath', nodeXpath);
    args.push('--output', join(dir, 'out.xml'), join(dir, 'in.xml'));
    execFileSync(XMLSEC, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  });
}

/** True when xmlsec1 verifies the signature selected by `nodeXpath` (default: the first). */
export function xmlsecVerify(xml: string, certPath: string, nodeXpath?: string): boolean {
  return withTmp((dir) => {
    writeFileSync(join(dir, 'in.xml'), xml);
    const args = ['--verify', '--pubkey-cert-pem', certPath, '--insecure', ...ID_ATTRS];
    if (nodeXpath) args.push('--node-xpath', nodeXpath);
    args.push(join(dir, 'in.xml'));
    return spawnSync(XMLSEC, args, { encoding: 'utf8' }).status === 0;
  });
}

export type XmlsecCipher = 'aes128-cbc' | 'aes192-cbc' | 'aes256-cbc' | 'aes128-gcm' | 'aes256-gcm';
export type XmlsecKeyTransport = 'rsa-oaep-mgf1p' | 'rsa-1_5';

/**
 * Replaces the element selected by `nodeXpath` (which must declare its own namespaces) with its
 * `<xenc:EncryptedData>`, encrypted to `certPath`.
 */
export function xmlsecEncrypt(xml: string, certPath: string, nodeXpath: string, cipher: XmlsecCipher = 'aes256-cbc', transport: XmlsecKeyTransport = 'rsa-oaep-mgf1p'): string {
  const gcm = cipher.endsWith('gcm');
  const ns = gcm ? 'http://www.w3.org/2009/xmlenc11#' : 'http://www.w3.org/2001/04/xmlenc#';
  const bits = cipher.slice(3, 6);
  const digest = transport === 'rsa-oaep-mgf1p' ? '<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>' : '';
  const template =
    '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Type="http://www.w3.org/2001/04/xmlenc#Element">' +
    `<xenc:EncryptionMethod Algorithm="${ns}${cipher}"/>` +
    '<ds:KeyInfo><xenc:EncryptedKey>' +
    `<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#${transport}">${digest}</xenc:EncryptionMethod>` +
    '<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>' +
    '<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>';
  return withTmp((dir) => {
    writeFileSync(join(dir, 'data.xml'), xml);
    writeFileSync(join(dir, 'tmpl.xml'), template);
    execFileSync(
      XMLSEC,
      ['--encrypt', '--pubkey-cert-pem', certPath, '--session-key', `aes-${bits}`, '--xml-data', join(dir, 'data.xml'), '--node-xpath', nodeXpath, '--output', join(dir, 'out.xml'), join(dir, 'tmpl.xml')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  });
}

/** Decrypts the first EncryptedData with xmlsec1; returns the document with the plaintext in place. */
export function xmlsecDecrypt(xml: string, keyPath: string): string {
  return withTmp((dir) => {
    writeFileSync(join(dir, 'in.xml'), xml);
    execFileSync(XMLSEC, ['--decrypt', '--privkey-pem', keyPath, '--output', join(dir, 'out.xml'), join(dir, 'in.xml')], { stdio: ['ignore', 'ignore', 'ignore'] });
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  });
}
