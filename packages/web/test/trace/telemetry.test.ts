import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { SpanStatusCode } from '@opentelemetry/api';
import { MellonError } from '@koa-mellon/saml';
import { SILENT_LOGGER } from '../../src/log.js';
import { FlowTrace } from '../../src/trace/flow-trace.js';
import { countMetadataEvent, TELEMETRY_METRICS } from '../../src/trace/telemetry.js';
import { installInMemoryTelemetry, type InMemoryTelemetry } from '../../../../test/helpers/telemetry.js';

use(chaiAsPromised);

describe('telemetry', () => {
  let telemetry: InMemoryTelemetry;
  beforeEach(() => {
    telemetry = installInMemoryTelemetry();
  });
  afterEach(() => telemetry.close());

  const flow = (role: 'sp' | 'idp' | 'jwt', kind: 'login' | 'logout') => new FlowTrace({ role, flow: kind, redaction: 'personal', logger: SILENT_LOGGER, clock: () => 42 }, 'AAAA-AAAA');

  describe('FlowTrace', () => {
    it('step() outside run: a span of no duration under the request span', async () => {
      const trace = flow('idp', 'login');
      trace.step('AuthnRequest received');
      await trace.flush();
      const [step, request] = telemetry.spans();
      expect(request?.name).to.equal('koa-mellon idp login');
      expect(step?.name).to.equal('AuthnRequest received');
      expect(step?.parentSpanContext?.spanId).to.equal(request?.spanContext().spanId);
      expect(step?.duration).to.deep.equal([0, 0]);
    });

    it('a refusal is counted once, and a complete() after it is not counted', async () => {
      const trace = flow('jwt', 'logout');
      const refusal = new MellonError('SIGNATURE_INVALID', 'test');
      await expect(trace.run('verify', () => Promise.reject(refusal))).to.be.rejectedWith(MellonError);
      trace.refuse(refusal);
      trace.refuse(new MellonError('STORE_UNAVAILABLE', 'later'));
      trace.complete();
      await trace.flush();
      expect(await telemetry.points(TELEMETRY_METRICS.logouts)).to.deep.equal([{ attributes: { 'koa_mellon.role': 'jwt', 'koa_mellon.outcome': 'refused', 'error.type': 'SIGNATURE_INVALID' }, value: 1 }]);
      const request = telemetry.spans().find((s) => s.name === 'koa-mellon jwt logout');
      expect(request?.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'SIGNATURE_INVALID' });
    });

    it('anything but a MellonError is INTERNAL_ERROR, without its message', async () => {
      const trace = flow('sp', 'login');
      await expect(trace.run('finish', () => Promise.reject(new TypeError('alice@example.test broke it')))).to.be.rejectedWith(TypeError);
      trace.refuse(new TypeError('alice@example.test broke it'));
      await trace.flush();
      for (const span of telemetry.spans()) {
        expect(span.attributes['error.type']).to.equal('INTERNAL_ERROR');
        expect(JSON.stringify([span.attributes, span.status, span.events])).to.not.include('alice');
      }
    });
  });

  describe('countMetadataEvent', () => {
    it('counts refreshes and failed refreshes by code; other events are not refreshes', async () => {
      const location = 'https://idp.example.test/metadata';
      countMetadataEvent('idp', { type: 'loaded', location, from: 'url', entities: 1, signed: true });
      countMetadataEvent('idp', { type: 'refreshed', location, changed: false, entities: 1 });
      countMetadataEvent('idp', { type: 'refreshed', location, changed: true, entities: 1 });
      countMetadataEvent('idp', { type: 'refresh-failed', location, error: new MellonError('METADATA_UNAVAILABLE', 'down') });
      countMetadataEvent('idp', { type: 'serving-stale', location, fetchedAt: new Date(0), error: new MellonError('METADATA_UNAVAILABLE', 'down') });
      const points = await telemetry.points(TELEMETRY_METRICS.metadataRefreshes);
      expect(points).to.have.deep.members([
        { attributes: { 'koa_mellon.role': 'idp', 'koa_mellon.outcome': 'ok' }, value: 2 },
        { attributes: { 'koa_mellon.role': 'idp', 'koa_mellon.outcome': 'failed', 'error.type': 'METADATA_UNAVAILABLE' }, value: 1 },
      ]);
      // The location is not an attribute: a federation's URLs would be unbounded, and it is in the logs.
      expect(JSON.stringify(points)).to.not.include(location);
    });
  });
});
