/**
 * One SP under load, in a process of its own (so its CPU time is its own): `KIND` is `memory`,
 * `redis` or `postgres` (koa-mellon on that state store), `orgs` (createMellonOrganizations at
 * `/orgs/{slug}/`, a registry of `ORGS` organizations on a memory store of its own, every one
 * trusting the bench IdP) or `node-saml` (a Koa app doing the same
 * work with @node-saml/node-saml: signed AuthnRequest, InResponseTo checked against its request
 * cache, the Response validated, a server-side session behind a signed cookie). Prints
 * `{"port":…}` once listening. GET /__usage answers this process's CPU time and memory.
 *
 * Environment: KIND, STORE_URL (Redis or PostgreSQL), KEY_DIR (idp.crt, sp.key, sp.crt written
 * by bench/lib/login-driver.ts), SESSION_MAX_AGE (seconds, default 8 h), ORGS (default 10,000).
 * For koa-mellon (bench/tracing.ts): TRACES `off` (traces: false), `on` (the default), `otel` (on,
 * and an OpenTelemetry SDK installed as docs/telemetry.md shows, exporting to memory; GET /__usage
 * empties it) or `otel-sampled` (the same SDK keeping 10 % of the traces); IDP_INITIATED=1 sets
 * allowIdpInitiated.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Koa from 'koa';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { generateIdpMetadata } from '@koa-mellon/saml';
import { createMemoryStore, createPostgresStore, createRedisStore, readForm, type StateStore } from '@koa-mellon/web';
import { createMellon, createMellonOrganizations, createOrganizationRegistry } from 'koa-mellon';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace-base';
import { installTelemetry } from '../../docs/examples/telemetry.js';
import { IDP_ENTITY_ID, IDP_SSO_URL } from './bench-idp.js';
import { benchIdpMetadata, populateRegistry } from './orgs-fixture.js';


const kind = process.env['KIND'] ?? 'memory';
const keyDir = process.env['KEY_DIR'] ?? '';
const sessionMaxAge = Number(process.env['SESSION_MAX_AGE'] ?? 8 * 3600);
const read = (name: string) => readFileSync(join(keyDir, name), 'utf8');
const traces = process.env['TRACES'] ?? 'on';
const exported = traces.startsWith('otel') ? installInMemoryExport(traces === 'otel-sampled' ? new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }) : undefined) : undefined;

const app = new Koa();
app.keys = ['bench-cookie-secret'];
// Koa composes its middleware when the server is made: listen first (baseUrl needs the port),
// hand requests to the app once it is mounted.
let handle: ReturnType<Koa['callback']> | undefined;
const server = createServer((req, res) => (handle ? handle(req, res) : res.writeHead(503).end()));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

app.use(async (ctx, next) => {
  if (ctx.path !== '/__usage') return next();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (ctx.query['gc'] === '1' && gc) gc();
  exported?.reset();
  ctx.body = { cpu: process.cpuUsage(), memory: process.memoryUsage() };
});

if (kind === 'node-saml') mountNodeSaml();
else if (kind === 'orgs') await mountOrganizations(Number(process.env['ORGS'] ?? 10_000));
else await mountKoaMellon(await openStore());

handle = app.callback();
// SIGINT and SIGTERM end the process normally, so that --cpu-prof writes its profile (bench/tracing.ts
// --profile sends SIGINT; bench/orgs.ts's gap was looked at with SIGTERM).
process.once('SIGINT', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);

async function openStore(): Promise<StateStore | undefined> {
  const url = process.env['STORE_URL'] ?? '';
  if (kind === 'redis') return createRedisStore({ url });
  if (kind === 'postgres') return createPostgresStore({ connectionString: url });
  return undefined;
}

async function mountKoaMellon(store: StateStore | undefined): Promise<void> {
  const mellon = createMellon({
    baseUrl: `${origin}/sp`,
    identityProviders: [{ metadata: generateIdpMetadata({ entityId: IDP_ENTITY_ID, singleSignOnServiceUrl: IDP_SSO_URL, certificates: [read('idp.crt')] }) }],
    privateKey: read('sp.key'),
    publicKeys: [read('sp.crt')],
    sessionCookie: { maxAge: sessionMaxAge },
    logger: { debug() {}, info() {}, warn() {}, error: (obj: unknown, msg?: string) => console.error(msg, obj) },
    ...(store ? { store } : {}),
    traces: traces !== 'off',
    allowIdpInitiated: process.env['IDP_INITIATED'] === '1',
  });
  app.use(mellon.middleware());
  app.use(mellon.routes());
  app.use(async (ctx) => {
    ctx.body = ctx.state.user ? `hello ${ctx.state.user.username}` : 'anonymous';
  });
}

/** The SDK as an app installs it (batched spans, periodic metrics), exporting to memory the bench empties. */
function installInMemoryExport(sampler?: Sampler): { reset(): void } {
  const spans = new InMemorySpanExporter();
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  installTelemetry(spans, metrics, sampler);
  return {
    reset: () => {
      spans.reset();
      metrics.reset();
    },
  };
}

async function mountOrganizations(count: number): Promise<void> {
  // The registry on a store of its own: the memory store is bounded, and sessions must not evict organizations.
  const registry = createOrganizationRegistry(createMemoryStore({ maxEntries: 4 * count + 1000 }));
  await populateRegistry(registry, count, benchIdpMetadata(read('idp.crt')));
  const orgs = createMellonOrganizations({
    baseUrl: `${origin}/orgs`,
    organizations: [],
    registry,
    privateKey: read('sp.key'),
    publicKeys: [read('sp.crt')],
    sessionCookie: { maxAge: sessionMaxAge },
    logger: { debug() {}, info() {}, warn() {}, error: (obj: unknown, msg?: string) => console.error(msg, obj) },
  });
  app.use(orgs.middleware());
  app.use(orgs.routes());
  app.use(async (ctx) => {
    ctx.body = ctx.state.user ? `hello ${ctx.state.user.username}` : 'anonymous';
  });
}

function mountNodeSaml(): void {
  const saml = new SAML({
    callbackUrl: `${origin}/sp/acs`,
    entryPoint: IDP_SSO_URL,
    issuer: `${origin}/sp/metadata`,
    audience: `${origin}/sp/metadata`,
    idpCert: read('idp.crt'),
    idpIssuer: IDP_ENTITY_ID,
    privateKey: read('sp.key'),
    signatureAlgorithm: 'sha256',
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    acceptedClockSkewMs: 1000,
  });
  // Sessions as koa-mellon keeps them in memory: a record behind a signed cookie, ended at maxAge.
  const sessions = new Map<string, { nameId: string; expiresAt: number }>();
  app.use(async (ctx, next) => {
    if (ctx.path === '/sp/login/' && ctx.method === 'GET') {
      ctx.redirect(await saml.getAuthorizeUrlAsync(randomBytes(16).toString('hex'), undefined, {}));
      return;
    }
    if (ctx.path === '/sp/acs' && ctx.method === 'POST') {
      const form = await readForm(ctx, 256 * 1024);
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.get('SAMLResponse') ?? '' });
      if (!profile) throw new Error('node-saml returned no profile');
      const id = randomBytes(32).toString('hex');
      sessions.set(id, { nameId: profile.nameID, expiresAt: Date.now() + sessionMaxAge * 1000 });
      ctx.cookies.set('sid', id, { signed: true, httpOnly: true, sameSite: 'lax', maxAge: sessionMaxAge * 1000 });
      ctx.status = 303;
      ctx.redirect('/');
      return;
    }
    await next();
  });
}
