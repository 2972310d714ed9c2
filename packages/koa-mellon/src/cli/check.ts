import type { Runtime } from '../runtime.js';
import { integerOption, parseOptions } from './args.js';
import { checkIdp } from './check-idp.js';
import { certificateFromBase64, describeKey, reportCertificate } from './describe-key.js';
import { metadataEventLog } from './metadata-events.js';
import { openRuntime } from './open-runtime.js';
import { UsageError, type ExitCode, type Output } from './output.js';
import { Report } from './report.js';

export const CHECK_USAGE = `Usage: koa-mellon check --config FILE [--timeout SECONDS]

Validates the settings FILE exports, then loads each IdP's metadata as a login would (downloading
metadataUrl, or reading the disk cache) and reports what it finds: entityID, endpoints, signing keys
and their expiry, AuthnRequest signing, relaxations in force.
Exits 0 when nothing is wrong (warnings allowed), 1 otherwise.

  --timeout  seconds to wait for each IdP's metadata (default: 30)`;

/** `koa-mellon check`: a pre-flight for a deployment, in plain words. */
export async function checkCommand(args: readonly string[], io: Output): Promise<ExitCode> {
  const options = parseOptions(args, { config: { type: 'string' }, timeout: { type: 'string', default: '30' } });
  if (options.config === undefined) throw new UsageError('--config FILE is required');
  const timeoutSeconds = integerOption('timeout', options.timeout, 1, 600);
  const events = metadataEventLog();
  const rt = await openRuntime(options.config, io, events.logger);
  if (!rt) return 1;
  const report = new Report(io);
  try {
    report.line(0, `settings: valid (${rt.idps.length} identity provider${rt.idps.length === 1 ? '' : 's'})`);
    reportSp(rt, report);
    for (const idp of rt.idps) {
      report.line(0, '');
      await checkIdp({ rt, idp, report, timeoutSeconds, notesOf: events.notesOf });
    }
  } finally {
    rt.close();
  }
  report.line(0, '');
  const warnings = `${report.warnings} warning${report.warnings === 1 ? '' : 's'}`;
  if (report.problems === 0) report.line(0, `all fine (${warnings})`);
  else report.line(0, `${report.problems} problem${report.problems === 1 ? '' : 's'}, ${warnings}`);
  return report.problems === 0 ? 0 : 1;
}

/** Our side: the identity the IdP knows us by and the keys we sign and decrypt with. */
function reportSp(rt: Runtime, report: Report): void {
  const keys = rt.global.keys;
  report.line(0, '');
  report.line(0, 'this SP');
  report.line(1, `entityID: ${rt.urls.entityId}`);
  report.line(1, `assertion consumer: ${rt.urls.login}`);
  report.line(1, `metadata: ${rt.urls.metadata}`);
  report.line(1, `signing key: ${keys.signingKey ? describeKey(keys.signingKey) : 'none (AuthnRequests and logout messages go unsigned, encrypted assertions cannot be read)'}`);
  report.line(1, `certificates: ${keys.certificates.length}`);
  for (const der of keys.certificates) reportCertificate(report, 2, certificateFromBase64(der), rt.clock());
}
