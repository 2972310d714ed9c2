import { expect } from 'chai';
import { safeNext } from 'koa-mellon';

describe('safeNext', () => {
  it('keeps same-origin paths', () => {
    expect(safeNext('/dashboard?x=1#y', '/')).to.equal('/dashboard?x=1#y');
  });
  for (const bad of ['//evil.com', '/\\evil.com', 'https://evil.com', 'https:evil.com', 'javascript:alert(1)', '%2F%2Fevil.com', '/%2F%2Fevil.com', '/%5Cevil.com', '/%252F%252Fevil.com', '/\tfoo', '/é', '', 'evil.com']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(safeNext(bad, '/home')).to.equal('/home');
    });
  }
  it('refuses non-strings', () => {
    expect(safeNext(['/a'], '/home')).to.equal('/home');
  });
});
