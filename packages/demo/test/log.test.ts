import { expect } from 'chai';
import { demoLogger } from '../src/log.js';

describe('demoLogger', () => {
  it('names the relaxations in force (a list of values), not only the IdP index', () => {
    const printed: string[] = [];
    const original = console.log;
    console.log = (line: string) => printed.push(line);
    try {
      demoLogger('acme', false).warn({ idp: 0, relaxations: ['allowIdpInitiated'] }, 'koa-mellon: security relaxations in force (docs/security.md)');
    } finally {
      console.log = original;
    }
    expect(printed).to.deep.equal(['WARN [acme] security relaxations in force (docs/security.md)  idp=0 relaxations=allowIdpInitiated']);
  });
});
