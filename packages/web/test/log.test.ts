import { expect } from 'chai';
import { createStderrLogger } from '@koa-mellon/web';

describe('createStderrLogger', () => {
  it('writes warnings and errors as pino-compatible JSON lines, and drops debug and info', () => {
    const lines: string[] = [];
    const logger = createStderrLogger((line) => lines.push(line));
    logger.debug({ a: 1 }, 'not shown');
    logger.info({ a: 1 }, 'not shown');
    logger.warn({ code: 'AUDIENCE_MISMATCH', idp: 0 }, 'koa-mellon: refused');
    logger.error({ err: new TypeError('boom') }, 'koa-mellon: unexpected error');
    expect(lines).to.have.length(2);
    expect(lines.every((line) => line.endsWith('\n'))).to.equal(true);
    const [warn, error] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warn).to.include({ level: 40, code: 'AUDIENCE_MISMATCH', idp: 0, msg: 'koa-mellon: refused' });
    expect(warn?.['time']).to.be.a('number');
    expect(error).to.include({ level: 50, msg: 'koa-mellon: unexpected error' });
    expect(error?.['err']).to.include({ type: 'TypeError', message: 'boom' });
  });
});
