import { BINDING, findEndpoint, MellonError, type Endpoint } from '@koa-mellon/saml';
import type { IdpMetadata, ResolvedIdp, Runtime } from '../runtime.js';
import { relaxations } from '../settings/resolve.js';
import { describeKey, reportCertificate } from './describe-key.js';
import type { MetadataNote } from './metadata-events.js';
import { describeCauses, describeError } from './output.js';
import type { Report } from './report.js';

/** How `check` looks at one IdP. */
export interface IdpCheck {
  readonly rt: Runtime;
  readonly idp: ResolvedIdp;
  readonly report: Report;
  readonly timeoutSeconds: number;
  readonly notesOf: (idp: number) => MetadataNote[];
}

/** Loads one IdP's metadata through the runtime, as a login would, and says what it finds. */
export async function checkIdp({ rt, idp, report, timeoutSeconds, notesOf }: IdpCheck): Promise<void> {
  report.line(0, `identityProviders[${idp.index}] (metadata: ${idp.source.kind === 'inline' ? 'inline' : idp.source.location})`);
  let metadata: IdpMetadata;
  try {
    metadata = await withTimeout(rt.metadataOf(idp), timeoutSeconds);
  } catch (err) {
    report.problem(1, describeError(err));
    for (const cause of describeCauses(err)) report.line(2, `because: ${cause}`);
    return;
  }
  if (idp.source.kind === 'url') await checkDownload(idp, report, timeoutSeconds, notesOf);
  reportMetadata(idp, metadata, report, rt.clock());
}

/** A URL source may be serving its disk cache: download now, so a dead URL is not missed. */
async function checkDownload(idp: ResolvedIdp, report: Report, timeoutSeconds: number, notesOf: IdpCheck['notesOf']): Promise<void> {
  try {
    await withTimeout(idp.source.refresh(), timeoutSeconds);
  } catch (err) {
    report.warning(1, `${describeError(err)}: serving the copy from the disk cache`);
    return;
  }
  const notes = notesOf(idp.index);
  const last = notes.filter((note) => ['loaded', 'refreshed', 'refresh-failed'].includes(note.event)).at(-1);
  if (last?.event === 'refresh-failed') report.warning(1, `the download failed (${last.code ?? 'unknown'}): serving the copy from the disk cache`);
  if (notes.some((note) => note.event === 'cache-write-failed')) report.warning(1, 'the download could not be saved to the disk cache (metadataCacheDir)');
}

function reportMetadata(idp: ResolvedIdp, { entity, descriptor }: IdpMetadata, report: Report, now: number): void {
  report.line(1, `entityID: ${entity.entityId}`);
  if (entity.validUntil) report.line(1, `metadata valid until: ${entity.validUntil.toISOString()}`);

  reportEndpoints(report, 'single sign-on', descriptor.singleSignOnServices);
  if (!findEndpoint(descriptor.singleSignOnServices, [BINDING.redirect, BINDING.post])) {
    report.problem(2, 'no SingleSignOnService for HTTP-Redirect or HTTP-POST: login/ cannot start');
  }
  if (descriptor.singleLogoutServices.length > 0) reportEndpoints(report, 'single logout', descriptor.singleLogoutServices);
  else report.line(1, 'single logout: none (logout/ ends the local session only)');
  if (idp.settings.defaultAssertionConsumerBinding === 'artifact' && descriptor.artifactResolutionServices.length === 0) {
    report.problem(1, 'defaultAssertionConsumerBinding is "artifact" but the IdP has no ArtifactResolutionService');
  }

  const signing = descriptor.keys.filter((key) => key.use !== 'encryption');
  report.line(1, `signing keys: ${signing.length}`);
  for (const key of signing) {
    if (key.certificate) reportCertificate(report, 2, key.certificate, now);
    else report.line(2, `${describeKey(key.key)} (a bare key, no certificate)`);
  }
  if (signing.length === 0) report.problem(2, 'the IdP publishes no signing key: none of its responses can be verified');

  reportAuthnRequestSigning(idp, descriptor.wantAuthnRequestsSigned, report);

  const relaxed = relaxations(idp.settings);
  if (relaxed.length === 0) report.line(1, 'relaxations in force: none');
  else report.warning(1, `relaxations in force: ${relaxed.join(', ')} (see docs/security.md)`);
}

function reportEndpoints(report: Report, what: string, endpoints: readonly Endpoint[]): void {
  report.line(1, `${what}:`);
  for (const endpoint of endpoints) report.line(2, `${bindingName(endpoint.binding).padEnd(14)} ${endpoint.location}`);
}

/** saml-metadata §2.4.3: WantAuthnRequestsSigned; login/ signs when requestsSigned and a key is set. */
function reportAuthnRequestSigning(idp: ResolvedIdp, wanted: boolean, report: Report): void {
  const key = idp.settings.requestsSigned ? idp.keys.signingKey : undefined;
  const ours = key ? `we sign them (${describeKey(key)})` : 'we do not sign them';
  report.line(1, `signed AuthnRequests: ${wanted ? 'the IdP wants them' : 'the IdP does not require them'}; ${ours}`);
  if (!wanted || key) return;
  report.problem(2, idp.keys.signingKey ? 'requestsSigned is false: set it to true' : 'we have no private key: set privateKey and publicKeys (koa-mellon keygen makes them)');
}

/** `HTTP-Redirect` for the SAML 2.0 binding URIs; other bindings as written. */
function bindingName(uri: string): string {
  return uri.startsWith('urn:oasis:names:tc:SAML:2.0:bindings:') ? uri.slice('urn:oasis:names:tc:SAML:2.0:bindings:'.length) : uri;
}

/** `promise`, or METADATA_UNAVAILABLE when it takes longer than `seconds`. */
function withTimeout<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MellonError('METADATA_UNAVAILABLE', `no answer within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
