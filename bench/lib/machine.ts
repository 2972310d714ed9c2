import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, platform, release } from 'node:os';

const fromRoot = createRequire(new URL('../../package.json', import.meta.url));
const fromSaml = createRequire(new URL('../../packages/saml/package.json', import.meta.url));

/** The installed version of `name`, as `require` would find it from `resolver`'s package. */
function versionOf(name: string, resolver: NodeJS.Require = fromRoot): string {
  const manifest: unknown = JSON.parse(readFileSync(resolver.resolve(`${name}/package.json`), 'utf8'));
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : '?';
}

/** What a reader needs to compare their numbers with ours. */
export function describeMachine(): string[] {
  const cpu = cpus();
  const ours = JSON.parse(readFileSync(new URL('../../packages/saml/package.json', import.meta.url), 'utf8')) as { version: string };
  return [
    `date: ${new Date().toISOString()}`,
    `machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, ${platform()} ${release()}`,
    `runtime: Node ${process.version}, OpenSSL ${process.versions.openssl ?? '?'}`,
    `us: @koa-mellon/saml ${ours.version} (@xmldom/xmldom ${versionOf('@xmldom/xmldom', fromSaml)}, xml-crypto ${versionOf('xml-crypto', fromSaml)})`,
    `node-saml: @node-saml/node-saml ${versionOf('@node-saml/node-saml')} (xml-crypto ${versionOf('xml-crypto')}, xml-encryption ${versionOf('xml-encryption')}, @xmldom/xmldom ${versionOf('@xmldom/xmldom')})`,
    `samlify: samlify ${versionOf('samlify')} (@authenio/xml-encryption ${versionOf('@authenio/xml-encryption')})`,
    `floor: @xmldom/xmldom ${versionOf('@xmldom/xmldom', fromSaml)} + xml-crypto ExclusiveCanonicalization + node:crypto`,
  ];
}
