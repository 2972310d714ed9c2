import { expect } from 'chai';
import { createMemoryStore } from '../../src/state/memory.js';
import { createTraceStore, type TraceStep } from '../../src/trace/store.js';

describe('createTraceStore', () => {
  const setup = () => {
    const store = createMemoryStore();
    let now = 1_000_000;
    const traces = createTraceStore(store.namespace('traces'), { clock: () => now });
    return { store, traces, tick: () => (now += 1000) };
  };
  const ok = (step: string, at: number): TraceStep => ({ step, outcome: 'ok', at });

  it('merges the parts of one flow written by several requests, and reads it as typed', async () => {
    const { store, traces } = setup();
    try {
      await traces.record({ reference: 'K7Q2-9XMA', role: 'sp', flow: 'login', peer: 'https://idp', steps: [ok('AuthnRequest sent', 1)], messages: [{ name: 'AuthnRequest', xml: '<a/>' }] });
      await traces.record({ reference: 'K7Q2-9XMA', role: 'sp', flow: 'login', steps: [ok('read', 2), { step: 'validate', outcome: 'refused', at: 3, code: 'AUDIENCE_MISMATCH' }], messages: [] });
      const record = await traces.read('k7q2 9xma');
      expect(record).to.include({ peer: 'https://idp', started: 1, outcome: 'refused', code: 'AUDIENCE_MISMATCH' });
      expect(record?.steps.map((s) => s.step)).to.deep.equal(['AuthnRequest sent', 'read', 'validate']);
      expect(await traces.read('not a reference')).to.equal(undefined);
    } finally {
      await store.close();
    }
  });

  it('bounds a trace: the latest 40 steps, 6 messages, 12 detail entries of 512 characters', async () => {
    const { store, traces } = setup();
    try {
      const detail = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(2000)]));
      for (let i = 0; i < 50; i++) {
        await traces.record({ reference: 'K7Q2-9XMA', role: 'sp', flow: 'login', steps: [{ step: `s${i}`, outcome: 'ok', at: i, detail }], messages: [{ name: `m${i}`, xml: '<m/>' }] });
      }
      const record = await traces.read('K7Q2-9XMA');
      expect(record?.steps).to.have.length(40);
      expect(record?.steps[0]?.step).to.equal('s10');
      expect(record?.messages).to.have.length(6);
      const kept = record?.steps[0]?.detail ?? {};
      expect(Object.keys(kept)).to.have.length(12);
      expect(kept['k0']).to.have.length(513);
    } finally {
      await store.close();
    }
  });

  it('lists refusals per peer, newest first, and the peers that have some', async () => {
    const { store, traces } = setup();
    try {
      for (const [reference, at] of [['AAAA-AAAA', 5], ['BBBB-BBBB', 9], ['CCCC-CCCC', 7]] as const) {
        await traces.record({ reference, role: 'sp', flow: 'login', peer: 'https://idp', steps: [{ step: 'validate', outcome: 'refused', at, code: 'ASSERTION_EXPIRED' }], messages: [] });
      }
      await traces.record({ reference: 'DDDD-DDDD', role: 'sp', flow: 'login', peer: 'https://other', steps: [ok('AuthnRequest sent', 1)], messages: [] });
      expect(await traces.failingPeers()).to.deep.equal(['https://idp']);
      expect((await traces.recentFailures('https://idp', 2)).map((f) => f.reference)).to.deep.equal(['BBBB-BBBB', 'CCCC-CCCC']);
      expect(await traces.recentFailures('https://other')).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });
});
