import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../src/metadata/values.js';

describe('parseDuration (xs:duration)', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseDuration('PT3600S')).to.equal(3_600_000);
    expect(parseDuration('P1DT2H3M4.5S')).to.equal(((24 + 2) * 3600 + 3 * 60 + 4.5) * 1000);
  });

  it('counts months as 30 days and years as 365', () => {
    expect(parseDuration('P1Y1M')).to.equal(395 * 86_400_000);
  });

  it('refuses negative, empty and malformed durations', () => {
    for (const value of ['-PT1S', 'P', 'PT', 'P1H', '1D', 'PT1.S', '']) expect(parseDuration(value), value).to.equal(undefined);
  });
});

describe('formatDuration', () => {
  it('writes whole seconds', () => {
    expect(formatDuration(3_600_400)).to.equal('PT3600S');
  });

  it('round-trips through parseDuration', () => {
    expect(parseDuration(formatDuration(86_400_000))).to.equal(86_400_000);
  });

  it('never writes a negative duration', () => {
    expect(formatDuration(-5000)).to.equal('PT0S');
  });
});
