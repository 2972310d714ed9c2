import { expect } from 'chai';
import { createMemoryStore } from '../../src/state/memory.js';
import { TRACE_NAMESPACES, combineTraceReaders, readTraces } from '../../src/trace/reader.js';
import { createTraceStore, type TraceUpdate } from '../../src/trace/store.js';

const refused = (reference: string, role: TraceUpdate['role'], peer: string, code: string, at: number): TraceUpdate => ({
  reference,
  role,
  flow: 'login',
  peer,
  steps: [{ step: 'check', outcome: 'refused', at, code }],
  messages: [],
});

describe('readTraces', () => {
  it('reads every role\'s traces in one store: a reference of the SP, the IdP or the JWT bridge', async () => {
    const store = createMemoryStore();
    try {
      await createTraceStore(store.namespace(TRACE_NAMESPACES.sp)).record(refused('AAAA-AAAA', 'sp', 'https://idp', 'AUDIENCE_MISMATCH', 1));
      await createTraceStore(store.namespace(TRACE_NAMESPACES.idp)).record(refused('BBBB-BBBB', 'idp', 'https://sp', 'ACS_URL_NOT_REGISTERED', 2));
      await createTraceStore(store.namespace(TRACE_NAMESPACES.jwt)).record(refused('CCCC-CCCC', 'jwt', 'cookie', 'REFRESH_TOKEN_REUSED', 3));
      const traces = readTraces(store);
      expect((await traces.read('aaaa aaaa'))?.role).to.equal('sp');
      expect((await traces.read('BBBB-BBBB'))?.role).to.equal('idp');
      expect((await traces.read('CCCC-CCCC'))?.role).to.equal('jwt');
      expect(await traces.read('DDDD-DDDD')).to.equal(undefined);
      expect(await traces.failingPeers()).to.deep.equal(['cookie', 'https://idp', 'https://sp']);
    } finally {
      await store.close();
    }
  });
});

describe('combineTraceReaders', () => {
  it('merges the refusals with one peer across roles, newest first, up to the limit', async () => {
    const store = createMemoryStore();
    try {
      const sp = createTraceStore(store.namespace('a'));
      const idp = createTraceStore(store.namespace('b'));
      // An SP and an IdP in one app may both refuse with the same peer name (e.g. a shared entityID).
      await sp.record(refused('AAAA-AAAA', 'sp', 'https://peer', 'AUDIENCE_MISMATCH', 1));
      await idp.record(refused('BBBB-BBBB', 'idp', 'https://peer', 'SIGNATURE_INVALID', 3));
      await sp.record(refused('CCCC-CCCC', 'sp', 'https://peer', 'ASSERTION_EXPIRED', 2));
      const both = combineTraceReaders([sp, idp]);
      expect((await both.recentFailures('https://peer')).map((f) => f.reference)).to.deep.equal(['BBBB-BBBB', 'CCCC-CCCC', 'AAAA-AAAA']);
      expect((await both.recentFailures('https://peer', 2)).map((f) => f.reference)).to.deep.equal(['BBBB-BBBB', 'CCCC-CCCC']);
      expect(await both.failingPeers()).to.deep.equal(['https://peer']);
    } finally {
      await store.close();
    }
  });
});
