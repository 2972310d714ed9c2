import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SspProcess, phpString, writeJsonAtomic } from './ssp.js';
import { testKeyPair } from './keys.js';

/**
 * SimpleSAMLphp 1.19 as a service provider: its `saml:SP` auth source (`test-sp`) under `php -S`,
 * configured from a temporary directory as ssp.ts does for the IdP role (/work/shared/notes/
 * interop.md §2.3). Its IdP is ours, loaded from our metadata XML file (a `metadata.sources` entry
 * of type xml). The PHP files read `options.json` on every request, so changing the IdP or an SP
 * option needs no restart.
 *
 * Pages: `loginUrl` (core/authenticate.php?as=test-sp) starts a login when there is no session and
 * lists the received attributes once there is; `logoutUrl` starts SP-initiated single logout and
 * ends on SSP's logout.php ("You have been logged out").
 */

export const SSP_SP_AUTH_SOURCE = 'test-sp';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

/** Options of the `saml:SP` auth source; each names the SSP key it sets. */
export interface SspSpOptions {
  /** `sign.authnrequest` (default true). */
  signAuthnRequest?: boolean;
  /** `sign.logout`: sign LogoutRequests and LogoutResponses (default true). */
  signLogout?: boolean;
  /** `validate.logout`: refuse unsigned logout messages from the IdP (default true; SSP's own default is false). */
  validateLogout?: boolean;
  /** `assertion.encryption`: refuse assertions that are not encrypted (default true). */
  requireEncryption?: boolean;
  /** `NameIDPolicy` Format; `undefined` keeps SSP's default (transient). */
  nameIdFormat?: string;
}

const DEFAULT_SP_OPTIONS: Required<Omit<SspSpOptions, 'nameIdFormat'>> = { signAuthnRequest: true, signLogout: true, validateLogout: true, requireEncryption: true };

interface SpOptionsFile {
  baseUrl: string;
  trustedDomains: string[];
  /** Our IdP's metadata, newest first. */
  idpMetadataFiles: string[];
  sp: Required<Omit<SspSpOptions, 'nameIdFormat'>> & { entityId: string; idp: string | null; nameIdFormat: string | null };
}

export class SimpleSamlPhpSp extends SspProcess {
  private registered = 0;

  private constructor(child: ChildProcess, dir: string, origin: string, private readonly options: SpOptionsFile) {
    super(child, dir, origin);
  }

  /** The SP's entityID, which is also its metadata URL. */
  get entityId(): string {
    return this.options.sp.entityId;
  }

  get metadataUrl(): string {
    return `${this.origin}/module.php/saml/sp/metadata.php/${SSP_SP_AUTH_SOURCE}`;
  }

  get acsUrl(): string {
    return `${this.origin}/module.php/saml/sp/saml2-acs.php/${SSP_SP_AUTH_SOURCE}`;
  }

  get sloUrl(): string {
    return `${this.origin}/module.php/saml/sp/saml2-logout.php/${SSP_SP_AUTH_SOURCE}`;
  }

  /** Logs in (no session) or shows the session's attributes. */
  get loginUrl(): string {
    return `${this.origin}/module.php/core/authenticate.php?as=${SSP_SP_AUTH_SOURCE}`;
  }

  /** SP-initiated single logout; SSP ends on its logout.php page. */
  get logoutUrl(): string {
    return `${this.loginUrl}&logout`;
  }

  /** The URL SSP lands on after a completed logout. */
  get loggedOutUrl(): string {
    return `${this.origin}/logout.php`;
  }

  /** Starts SSP as an SP (key pair `sp` of keys.ts) with no IdP yet: `useIdp()` names ours. */
  static async start(): Promise<SimpleSamlPhpSp> {
    return SspProcess.launch(
      { prefix: 'km-ssp-sp-' },
      (dir, origin) => {
        const keys = testKeyPair('sp');
        writeFileSync(join(dir, 'cert', 'sp.key'), keys.keyPem, { mode: 0o600 });
        writeFileSync(join(dir, 'cert', 'sp.crt'), keys.certPem);
        // notes gotcha 8: a missing xml metadata source breaks every page, so start with an empty one.
        const placeholder = join(dir, 'metadata', 'idp-0.xml');
        writeFileSync(placeholder, '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>\n');
        for (const [file, text] of Object.entries(sspSpConfigFiles())) writeFileSync(join(dir, file), text);
        const options: SpOptionsFile = {
          baseUrl: `${origin}/`,
          trustedDomains: [],
          idpMetadataFiles: [placeholder],
          sp: { ...DEFAULT_SP_OPTIONS, entityId: `${origin}/module.php/saml/sp/metadata.php/${SSP_SP_AUTH_SOURCE}`, idp: null, nameIdFormat: null },
        };
        writeJsonAtomic(join(dir, 'options.json'), options);
        return options;
      },
      (child, dir, origin, options) => new SimpleSamlPhpSp(child, dir, origin, options),
      (ssp) => ({ url: ssp.metadataUrl, marker: 'SPSSODescriptor' }),
    );
  }

  /** SSP's SP metadata (what our IdP is given). */
  async metadataXml(): Promise<string> {
    const xml = await (await fetch(this.metadataUrl)).text();
    if (!xml.includes('SPSSODescriptor')) throw new Error(`SimpleSAMLphp served no SP metadata: ${xml.slice(0, 300)}\n${this.logTail(30)}`);
    return xml;
  }

  /** Makes `entityId` (described by `metadataXml`) the IdP of the `test-sp` source. */
  useIdp(entityId: string, metadataXml: string): void {
    if (!metadataXml.includes('IDPSSODescriptor')) throw new Error('not IdP metadata');
    const file = join(this.dir, 'metadata', `idp-${++this.registered}.xml`);
    writeFileSync(file, metadataXml);
    this.options.idpMetadataFiles.unshift(file);
    this.options.sp.idp = entityId;
    this.save();
  }

  /** Allows `host:port` as a RelayState/ReturnTo target (ports are part of the name unless 80/443). */
  trustDomain(hostPort: string): void {
    if (!this.options.trustedDomains.includes(hostPort)) this.options.trustedDomains.push(hostPort);
    this.save();
  }

  /** Sets the SP's options; unspecified ones return to their defaults. */
  configureSp(options: SspSpOptions = {}): void {
    const { nameIdFormat, ...rest } = options;
    this.options.sp = { ...this.options.sp, ...DEFAULT_SP_OPTIONS, ...rest, nameIdFormat: nameIdFormat ?? null };
    this.save();
  }

  private save(): void {
    writeJsonAtomic(join(this.dir, 'options.json'), this.options);
  }
}

/** The PHP files of the SP role, written into the temporary directory. */
export function sspSpConfigFiles(): Record<string, string> {
  return { 'config/config.php': SP_CONFIG_PHP, 'config/authsources.php': SP_AUTHSOURCES_PHP };
}

// config/config.php: the IdP role's config (ssp.ts) with the IdP off and our IdP's metadata as the xml source.
const SP_CONFIG_PHP = `<?php
$base = dirname(__DIR__);
$opts = json_decode((string) file_get_contents($base . '/options.json'), true);
$config = [
    'baseurlpath'   => $opts['baseUrl'],
    'certdir'       => $base . '/cert/',
    'loggingdir'    => $base . '/log/',
    'datadir'       => $base . '/data/',
    'tempdir'       => $base . '/tmp/',
    'metadatadir'   => $base . '/metadata/',
    'attributenamemapdir' => '/usr/share/simplesamlphp/config/attributemap/',
    'trusted.url.domains' => $opts['trustedDomains'],
    'secretsalt'        => 'koa-mellon-test-salt-not-secret',
    'auth.adminpassword'=> 'admin',
    'admin.protectindexpage' => false,
    'admin.protectmetadata'  => false,
    'admin.checkforupdates'  => false,
    'technicalcontact_name'  => 'Test',
    'technicalcontact_email' => 'test@example.org',
    'timezone' => 'UTC',
    'metadata.sources' => array_map(fn($f) => ['type' => 'xml', 'file' => $f], $opts['idpMetadataFiles']),
    'enable.saml20-idp' => false,
    'module.enable' => ['core' => true, 'saml' => true, 'admin' => true],
    'session.cookie.secure'   => false,               // plain http (notes gotcha 3)
    'session.cookie.samesite' => null,
    'language.cookie.secure'  => false,
    'language.cookie.samesite'=> null,
    'session.phpsession.cookiename' => 'SimpleSAMLSP', // not the IdP role's name: both may run at once
    'session.authtoken.cookiename' => 'SimpleSAMLSPAuthToken',
    'session.phpsession.savepath' => $base . '/sessions',
    'store.type' => 'phpsession',
    'logging.level'   => SimpleSAML\\Logger::DEBUG,    // logs every message's XML
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'debug' => ['saml' => true, 'backtraces' => true, 'validatexml' => false],
    'showerrors' => true,
    'errorreporting' => false,
    'production' => false,
];
`;

// config/authsources.php: the saml:SP source whose IdP is ours.
const SP_AUTHSOURCES_PHP = `<?php
$sp = json_decode((string) file_get_contents(dirname(__DIR__) . '/options.json'), true)['sp'];
$config = [
  'admin' => ['core:AdminPassword'],
  ${phpString(SSP_SP_AUTH_SOURCE)} => array_merge([
    'saml:SP',
    'entityID' => $sp['entityId'],
    'idp' => $sp['idp'],
    'privatekey' => 'sp.key',
    'certificate' => 'sp.crt',
    'signature.algorithm' => ${phpString(RSA_SHA256)},
    'sign.authnrequest' => (bool) $sp['signAuthnRequest'],
    'sign.logout' => (bool) $sp['signLogout'],
    'validate.logout' => (bool) $sp['validateLogout'],
    'assertion.encryption' => (bool) $sp['requireEncryption'],
  ], $sp['nameIdFormat'] === null ? [] : ['NameIDPolicy' => ['Format' => $sp['nameIdFormat'], 'AllowCreate' => true]]),
];
`;
