import { expect } from 'chai';
import { MellonError } from '@koa-mellon/saml';
import type { Logger } from '../../src/log.js';
import { FlowTrace } from '../../src/trace/flow-trace.js';
import type { TraceStore, TraceUpdate } from '../../src/trace/store.js';

function capture(): { logger: Logger; lines: [string, object, string | undefined][] } {
  const lines: [string, object, string | undefined][] = [];
  const keep = (level: string) => (obj: object, msg?: string) => void lines.push([level, obj, msg]);
  return { logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') }, lines };
}

function recordingStore(fail = false): TraceStore & { updates: TraceUpdate[] } {
  const updates: TraceUpdate[] = [];
  return {
    updates,
    record: async (update) => {
      if (fail) throw new MellonError('STORE_UNAVAILABLE', 'down');
      updates.push(update);
    },
    read: async () => undefined,
    recentFailures: async () => [],
    failingPeers: async () => [],
  };
}

describe('FlowTrace', () => {
  const options = (store: TraceStore | undefined, logger: Logger) => ({ store, role: 'sp' as const, flow: 'login' as const, redaction: 'personal' as const, logger, clock: () => 42 });

  it('adds the current reference to every line, also after adopting the flow’s own', () => {
    const { logger, lines } = capture();
    const trace = new FlowTrace(options(undefined, logger), 'AAAA-AAAA');
    trace.logger.info({ idp: 'x' }, 'one');
    trace.adopt('BBBB-BBBB');
    trace.logger.warn({}, 'two');
    expect(lines).to.deep.equal([
      ['info', { idp: 'x', trace: 'AAAA-AAAA' }, 'one'],
      ['warn', { trace: 'BBBB-BBBB' }, 'two'],
    ]);
  });

  it('records the running step as refused, once, with the error’s code, reason and detail', async () => {
    const store = recordingStore();
    const trace = new FlowTrace(options(store, capture().logger), 'AAAA-AAAA');
    const refusal = new MellonError('AUDIENCE_MISMATCH', 'not ours', { detail: { expected: 'a', received: 'b' } });
    await trace.run('read', async () => undefined);
    await trace.run('validate', () => Promise.reject(refusal)).catch(() => undefined);
    trace.refuse(refusal);
    trace.refuse(new Error('later'));
    trace.message('SAMLResponse', '<saml:NameID>alice</saml:NameID>');
    await trace.flush();
    expect(store.updates).to.have.length(1);
    expect(store.updates[0]?.steps).to.deep.equal([
      { step: 'read', outcome: 'ok', at: 42 },
      { step: 'validate', outcome: 'refused', at: 42, code: 'AUDIENCE_MISMATCH', reason: 'not ours', detail: { expected: 'a', received: 'b' } },
    ]);
    expect(store.updates[0]?.messages).to.deep.equal([{ name: 'SAMLResponse', xml: '<saml:NameID>[redacted]</saml:NameID>' }]);
  });

  it('logs a store failure with the reference instead of failing the request', async () => {
    const { logger, lines } = capture();
    const trace = new FlowTrace(options(recordingStore(true), logger), 'AAAA-AAAA');
    trace.step('AuthnRequest sent');
    await trace.flush();
    expect(lines).to.deep.equal([['warn', { code: 'STORE_UNAVAILABLE', trace: 'AAAA-AAAA' }, 'trace not stored']]);
  });
});
