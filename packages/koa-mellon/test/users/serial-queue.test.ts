import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createSerialQueue } from '../../src/users/serial-queue.js';

use(chaiAsPromised);

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createSerialQueue', () => {
  it('runs tasks one at a time, in order', async () => {
    const queue = createSerialQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    expect(await Promise.all([queue.run(task('a')), queue.run(task('b'))])).to.deep.equal(['a', 'b']);
    expect(log).to.deep.equal(['a start', 'a end', 'b start', 'b end']);
  });

  it('keeps going after a task fails, and passes the failure to its caller', async () => {
    const queue = createSerialQueue();
    const failed = queue.run(async () => {
      throw new RangeError('boom');
    });
    const next = queue.run(async () => 'next');
    await expect(failed).to.be.rejectedWith(RangeError);
    expect(await next).to.equal('next');
  });

  it('settles after the tasks queued so far', async () => {
    const queue = createSerialQueue();
    let done = false;
    void queue.run(async () => {
      await tick();
      done = true;
    });
    await queue.settled();
    expect(done).to.equal(true);
  });
});
