import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { installTelemetry } from '../../../../docs/examples/telemetry.js';
import { TELEMETRY_METRICS, type Logger } from '@koa-mellon/web';
import type { MellonSettings } from 'koa-mellon';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { testKeyPair } from '../../../../test/helpers/keys.js';
import { IDP_ENTITY_ID } from '../../../../test/helpers/response-fixture.js';
import { installInMemoryTelemetry, type InMemoryTelemetry } from '../../../../test/helpers/telemetry.js';
import { idpMetadata, TestSp } from '../harness.js';

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const REQUEST_SPAN = 'koa-mellon sp login';

function requestSpans(spans: ReadableSpan[], name = REQUEST_SPAN): ReadableSpan[] {
  return spans.filter((s) => s.name === name);
}

function childrenOf(spans: ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  return spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
}

describe('telemetry (OpenTelemetry, SP)', () => {
  before(requireXmlsec);
  let telemetry: InMemoryTelemetry;
  let sp: TestSp | undefined;
  const start = async (overrides: Partial<MellonSettings> = {}) => (sp = await TestSp.start('/accounts/mellon', { logger: SILENT, ...overrides }));

  beforeEach(() => {
    telemetry = installInMemoryTelemetry();
  });
  afterEach(async () => {
    await sp?.stop();
    sp = undefined;
    await telemetry.close();
  });

  it('a login is a span per request with a child span per protocol step, all under one trace reference', async () => {
    const app = await start();
    expect((await app.login()).status).to.equal(303);
    const spans = telemetry.spans();
    const requests = requestSpans(spans);
    // login/ (AuthnRequest), the ACS, login/finish/.
    expect(requests).to.have.length(3);
    const references = new Set(requests.map((s) => s.attributes['koa_mellon.trace']));
    expect(references.size).to.equal(1);
    expect([...references][0]).to.match(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    for (const request of requests) {
      expect(request.attributes).to.include({ 'koa_mellon.role': 'sp', 'koa_mellon.flow': 'login', 'koa_mellon.peer': IDP_ENTITY_ID });
      expect(request.status.code).to.not.equal(SpanStatusCode.ERROR);
    }
    const [authn, acs, finish] = requests.sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]) as [ReadableSpan, ReadableSpan, ReadableSpan];
    expect(childrenOf(spans, authn).map((s) => s.name)).to.deep.equal(['AuthnRequest sent']);
    const acsSteps = childrenOf(spans, acs);
    expect(acsSteps.map((s) => s.name)).to.have.length(6);
    expect(acsSteps[0]?.name).to.match(/^read the SAMLResponse/);
    expect(acsSteps[4]?.name).to.match(/^validate/);
    for (const step of acsSteps) {
      expect(step.attributes).to.include({ 'koa_mellon.role': 'sp', 'koa_mellon.flow': 'login', 'koa_mellon.step': step.name });
      expect(step.spanContext().traceId).to.equal(acs.spanContext().traceId);
    }
    expect(childrenOf(spans, finish).map((s) => s.name)).to.deep.equal(['finish: adapters and session']);
    // Every span belongs to one of the three requests.
    expect(spans.filter((s) => s.parentSpanContext === undefined)).to.have.length(3);
  });

  it('counts the login as ok once, and records each step’s duration in ms', async () => {
    const app = await start();
    await app.login();
    expect(await telemetry.points(TELEMETRY_METRICS.logins)).to.deep.equal([{ attributes: { 'koa_mellon.role': 'sp', 'koa_mellon.outcome': 'ok' }, value: 1 }]);
    expect(await telemetry.unit(TELEMETRY_METRICS.stepDuration)).to.equal('ms');
    const durations = await telemetry.points(TELEMETRY_METRICS.stepDuration);
    const validate = durations.find((p) => String(p.attributes['koa_mellon.step']).startsWith('validate'));
    expect(validate).to.deep.include({ value: 1 });
    expect(validate?.attributes).to.include({ 'koa_mellon.role': 'sp', 'koa_mellon.flow': 'login', 'koa_mellon.outcome': 'ok' });
    expect(durations.map((p) => p.attributes['koa_mellon.step'])).to.include('finish: adapters and session');
  });

  it('a refusal: the step span and the request span have status ERROR and the code; counted refused by code', async () => {
    const app = await start();
    const { requestId, relayState } = await app.startLogin('?next=/reports');
    const response = await app.post(app.mellon.urls.login, { SAMLResponse: app.response({ inResponseTo: requestId, audience: 'https://other-sp.test/metadata' }), RelayState: relayState });
    const body = (await response.json()) as { error: string; reference: string };
    expect(body.error).to.equal('AUDIENCE_MISMATCH');
    const spans = telemetry.spans();
    const acs = requestSpans(spans).find((s) => s.status.code === SpanStatusCode.ERROR);
    expect(acs?.attributes).to.include({ 'error.type': 'AUDIENCE_MISMATCH', 'koa_mellon.trace': body.reference });
    expect(acs?.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'AUDIENCE_MISMATCH' });
    const failed = childrenOf(spans, acs as ReadableSpan).filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed).to.have.length(1);
    expect(failed[0]?.name).to.match(/^validate/);
    expect(failed[0]?.attributes).to.include({ 'error.type': 'AUDIENCE_MISMATCH' });
    // The steps after the refusal never ran.
    expect(childrenOf(spans, acs as ReadableSpan).at(-1)).to.equal(failed[0]);
    expect(await telemetry.points(TELEMETRY_METRICS.logins)).to.deep.equal([{ attributes: { 'koa_mellon.role': 'sp', 'koa_mellon.outcome': 'refused', 'error.type': 'AUDIENCE_MISMATCH' }, value: 1 }]);
    const refusedStep = (await telemetry.points(TELEMETRY_METRICS.stepDuration)).find((p) => p.attributes['koa_mellon.outcome'] === 'refused');
    expect(String(refusedStep?.attributes['koa_mellon.step'])).to.match(/^validate/);
  });

  it('a refusal before any step (login/finish/ with an unknown key) is still one ERROR span and one refused login', async () => {
    const app = await start();
    const response = await app.request(`${app.mellon.urls.login}finish/?k=${'0'.repeat(32)}`, { headers: { accept: 'application/json' } });
    expect(((await response.json()) as { error: string }).error).to.equal('IN_RESPONSE_TO_MISMATCH');
    const [request, ...others] = telemetry.spans();
    expect(others).to.deep.equal([]);
    expect(request?.name).to.equal(REQUEST_SPAN);
    expect(request?.attributes).to.include({ 'error.type': 'IN_RESPONSE_TO_MISMATCH' });
    expect(await telemetry.points(TELEMETRY_METRICS.logins)).to.deep.equal([{ attributes: { 'koa_mellon.role': 'sp', 'koa_mellon.outcome': 'refused', 'error.type': 'IN_RESPONSE_TO_MISMATCH' }, value: 1 }]);
  });

  it('counts an SP-initiated logout when the IdP’s answer ends it, with spans for each request', async () => {
    const app = await start();
    await app.login();
    const location = (await app.request(app.mellon.urls.logout)).headers.get('location') ?? '';
    expect(await telemetry.points(TELEMETRY_METRICS.logouts)).to.deep.equal([]);
    expect((await app.request(app.idpLogoutResponse(location))).status).to.equal(302);
    expect(await telemetry.points(TELEMETRY_METRICS.logouts)).to.deep.equal([{ attributes: { 'koa_mellon.role': 'sp', 'koa_mellon.outcome': 'ok' }, value: 1 }]);
    const logouts = requestSpans(telemetry.spans(), 'koa-mellon sp logout');
    expect(logouts).to.have.length(2);
    expect(new Set(logouts.map((s) => s.attributes['koa_mellon.trace'])).size).to.equal(1);
  });

  it('counts a refused logout by code (a LogoutRequest signed by another key)', async () => {
    const app = await start();
    await app.login();
    const response = await app.request(app.idpLogoutRequest('alice-1234', 'attacker'), { headers: { accept: 'application/json' } });
    const code = ((await response.json()) as { error: string }).error;
    expect(code).to.equal('SIGNATURE_INVALID');
    expect(await telemetry.points(TELEMETRY_METRICS.logouts)).to.deep.equal([{ attributes: { 'koa_mellon.role': 'sp', 'koa_mellon.outcome': 'refused', 'error.type': code }, value: 1 }]);
  });

  it('no span or metric attribute holds a NameID, an attribute value, a key, a cookie or a value from the wire', async () => {
    const app = await start();
    await app.login();
    const { requestId, relayState } = await app.startLogin('?next=/reports');
    await app.post(app.mellon.urls.login, { SAMLResponse: app.response({ inResponseTo: requestId, audience: 'https://other-sp.test/metadata' }), RelayState: relayState });
    const forbidden = [
      'alice-1234', // NameID
      'alice@example.test', // attribute values
      'staff',
      'https://other-sp.test', // the refused Audience
      requestId,
      relayState,
      testKeyPair('sp').keyPem.split('\n')[1] ?? '',
      testKeyPair('idp').certPem.split('\n')[1] ?? '',
      ...[...app.cookies.values()],
    ];
    expect(app.cookies.size).to.be.greaterThan(0);
    const values: string[] = [];
    for (const span of telemetry.spans()) {
      values.push(span.name, span.status.message ?? '', ...Object.values(span.attributes).map(String));
      expect(span.events).to.deep.equal([]);
    }
    for (const name of Object.values(TELEMETRY_METRICS)) for (const point of await telemetry.points(name)) values.push(...Object.values(point.attributes).map(String));
    expect(values.length).to.be.greaterThan(50);
    for (const value of values) for (const secret of forbidden) expect(value).to.not.include(secret);
  });

  it('counts metadata refreshes and failed refreshes of an IdP’s metadata file, by code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koa-mellon-otel-'));
    try {
      const path = join(dir, 'idp.xml');
      writeFileSync(path, idpMetadata());
      let now = Date.now();
      const app = await start({ identityProviders: [{ metadataPath: path }], clock: () => now });
      await app.startLogin();
      expect(await telemetry.points(TELEMETRY_METRICS.metadataRefreshes)).to.deep.equal([]);
      // Touched (same content, new mtime), checked at most once a second: a refresh.
      utimesSync(path, new Date(now + 5000), new Date(now + 5000));
      now += 2000;
      await app.startLogin();
      writeFileSync(path, readFileSync(path, 'utf8').replace('<md:EntityDescriptor', '<md:Broken'));
      now += 2000;
      await app.startLogin();
      const points = await telemetry.points(TELEMETRY_METRICS.metadataRefreshes);
      expect(points).to.have.length(2);
      expect(points).to.deep.include({ attributes: { 'koa_mellon.role': 'sp', 'koa_mellon.outcome': 'ok' }, value: 1 });
      const failed = points.find((p) => p.attributes['koa_mellon.outcome'] === 'failed');
      expect(failed?.value).to.equal(1);
      expect(failed?.attributes['error.type']).to.match(/^[A-Z_]+$/);
      expect(await telemetry.unit(TELEMETRY_METRICS.metadataRefreshes)).to.equal('{refresh}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('telemetry without an SDK', () => {
  before(requireXmlsec);

  it('records nothing and changes nothing: logins, refusals and traces work as before', async () => {
    // An SDK that exists but was never installed globally: the API stays on its no-ops.
    const installed = installInMemoryTelemetry();
    await installed.close();
    const sp = await TestSp.start('/accounts/mellon', { logger: SILENT });
    try {
      expect((await sp.login()).status).to.equal(303);
      expect((await sp.whoami()).user?.username).to.be.a('string');
      const { requestId, relayState } = await sp.startLogin();
      const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: sp.response({ inResponseTo: requestId, audience: 'https://other.test' }), RelayState: relayState });
      const body = (await response.json()) as { error: string; reference: string };
      expect(body.error).to.equal('AUDIENCE_MISMATCH');
      expect((await sp.mellon.traces?.read(body.reference))?.code).to.equal('AUDIENCE_MISMATCH');
      expect(installed.spans()).to.deep.equal([]);
      expect(await installed.points(TELEMETRY_METRICS.logins)).to.deep.equal([]);
    } finally {
      await sp.stop();
    }
  });
});

describe('docs/telemetry.md', () => {
  before(requireXmlsec);

  it('shows docs/examples/telemetry.ts as the test runs it', () => {
    const doc = readFileSync(new URL('../../../../docs/telemetry.md', import.meta.url), 'utf8');
    expect(doc).to.include(readFileSync(new URL('../../../../docs/examples/telemetry.ts', import.meta.url), 'utf8').trimEnd());
  });

  it('docs/examples/telemetry.ts: the SDK it installs receives the spans and metrics of a login, flushed at shutdown', async () => {
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    // The in-memory span exporter forgets its spans when shut down: keep them for the assertions.
    const shutdown = installTelemetry({ export: (batch, done) => spans.export(batch, done), shutdown: async () => {} }, metricExporter);
    const sp = await TestSp.start('/accounts/mellon', { logger: SILENT });
    try {
      expect((await sp.login()).status).to.equal(303);
    } finally {
      await sp.stop();
      await shutdown();
    }
    expect(requestSpans(spans.getFinishedSpans())).to.have.length(3);
    const names = metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)));
    expect(names).to.include.members([TELEMETRY_METRICS.logins, TELEMETRY_METRICS.stepDuration]);
  });

  it('docs/examples/telemetry.ts with a sampler: the traces it drops are not exported, the metrics still are', async () => {
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const shutdown = installTelemetry({ export: (batch, done) => spans.export(batch, done), shutdown: async () => {} }, metricExporter, new AlwaysOffSampler());
    const sp = await TestSp.start('/accounts/mellon', { logger: SILENT });
    try {
      expect((await sp.login()).status).to.equal(303);
    } finally {
      await sp.stop();
      await shutdown();
    }
    expect(spans.getFinishedSpans()).to.deep.equal([]);
    const names = metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)));
    expect(names).to.include(TELEMETRY_METRICS.logins);
  });
});
