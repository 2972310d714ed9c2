import { expect } from 'chai';
import { runCli, useTempDir } from './run-cli.js';

describe('koa-mellon (command dispatch)', () => {
  const dir = useTempDir('main');

  it('prints the usage on --help and exits 0', async () => {
    const result = await runCli(['--help'], dir());
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain('Usage: koa-mellon <command>').and.contain('keygen').and.contain('metadata').and.contain('check').and.contain('migrate');
  });

  it('prints a command usage on <command> --help and exits 0', async () => {
    const result = await runCli(['check', '--help'], dir());
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain('Usage: koa-mellon check --config FILE');
  });

  it('exits 2 with the usage when no command is given', async () => {
    const result = await runCli([], dir());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('a command is required').and.contain('Usage: koa-mellon <command>');
  });

  it('exits 2 with the usage on an unknown command', async () => {
    const result = await runCli(['frobnicate'], dir());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('unknown command "frobnicate"').and.contain('Usage: koa-mellon <command>');
  });

  it('exits 2 on an unknown option, without a stack trace', async () => {
    const result = await runCli(['keygen', '--bogus'], dir());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain("'--bogus'").and.not.match(/\n\s+at /);
  });

  it('exits 2 when --config is missing', async () => {
    const result = await runCli(['metadata'], dir());
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('--config FILE is required');
  });
});
