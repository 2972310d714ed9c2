import { expect } from 'chai';
import { MellonError, POST_FORM_SCRIPT_HASH, decodePostParameter, encodePostForm, postFormCsp } from '@koa-mellon/saml';

describe('encodePostForm', () => {
  it('escapes the action URL and RelayState, and carries the base64 message', () => {
    const html = encodePostForm({ url: 'https://sp.test/acs?a=1&b="2"', parameter: 'SAMLResponse', xml: '<r/>', relayState: '"><script>alert(1)</script>' });
    expect(html).to.include('action="https://sp.test/acs?a=1&#38;b=&#34;2&#34;"');
    expect(html).to.include(`value="${Buffer.from('<r/>').toString('base64')}"`);
    expect(html).not.to.include('<script>alert(1)');
  });

  it('comes with a CSP that allows only its own script, and no form-action (it would block the redirect that answers the POST)', () => {
    const csp = postFormCsp();
    expect(csp).to.include("default-src 'none'").and.include(`script-src ${POST_FORM_SCRIPT_HASH}`).and.include("base-uri 'none'").and.include("frame-ancestors 'none'");
    expect(csp).to.not.include('form-action');
  });
});

describe('decodePostParameter', () => {
  it('decodes base64 (line-wrapped too)', () => {
    const b64 = Buffer.from('<samlp:Response/>').toString('base64');
    expect(decodePostParameter(`${b64.slice(0, 8)}\r\n${b64.slice(8)}`)).to.equal('<samlp:Response/>');
  });
  it('refuses a missing or repeated parameter', () => {
    expect(() => decodePostParameter(undefined)).to.throw(MellonError).with.property('code', 'BINDING_INVALID');
    expect(() => decodePostParameter(['a', 'b'])).to.throw(MellonError).with.property('code', 'BINDING_INVALID');
  });
  it('refuses oversized input before decoding', () => {
    expect(() => decodePostParameter('A'.repeat(400_000))).to.throw(MellonError).with.property('code', 'INPUT_TOO_LARGE');
  });
  it('refuses non-base64', () => {
    expect(() => decodePostParameter('<xml>')).to.throw(MellonError).with.property('code', 'BASE64_INVALID');
  });
});
