import { MellonError } from '@koa-mellon/saml';
import { expect } from 'chai';
import { parseTemplate, TemplateError, type TemplateErrorReason } from '../../src/adapters/template-parse.js';

describe('parseTemplate', () => {
  it('compiles django-mellon’s default username template into literal text and fields', () => {
    const compiled = parseTemplate('{attributes[name_id_content]}@{realm}');
    expect(compiled.parts).to.deep.equal([
      { text: '{attributes[name_id_content]}', root: 'attributes', path: [{ kind: 'key', key: 'name_id_content' }] },
      '@',
      { text: '{realm}', root: 'realm', path: [] },
    ]);
  });

  it('reads an all-digits key as a list index, as Python does', () => {
    const [field] = parseTemplate('{attributes[mail][0]}').parts;
    expect(field).to.deep.include({ path: [{ kind: 'key', key: 'mail' }, { kind: 'index', index: 0 }] });
  });

  it('turns {{ and }} into literal braces', () => {
    expect(parseTemplate('{{x}}-{{{realm}}}').parts).to.deep.equal(['{x}-{', { text: '{realm}', root: 'realm', path: [] }, '}']);
  });

  it('takes everything up to ] as the key, so URN attribute names work', () => {
    const [field] = parseTemplate('{attributes[urn:oid:0.9.2342.19200300.100.1.3][0]}').parts;
    expect(field).to.deep.include({ path: [{ kind: 'key', key: 'urn:oid:0.9.2342.19200300.100.1.3' }, { kind: 'index', index: 0 }] });
  });

  it('keeps braces, ! and . inside brackets as part of the key', () => {
    const [field] = parseTemplate('{attributes[a.b!c{d}]}').parts;
    expect(field).to.deep.include({ path: [{ kind: 'key', key: 'a.b!c{d}' }] });
  });

  it('accepts the !s conversion (a no-op on strings)', () => {
    expect(parseTemplate('{realm!s}').parts).to.deep.equal([{ text: '{realm!s}', root: 'realm', path: [] }]);
  });

  it('accepts a template without fields', () => {
    expect(parseTemplate('fixed').parts).to.deep.equal(['fixed']);
    expect(parseTemplate('').parts).to.deep.equal([]);
  });

  it('returns a frozen compiled form', () => {
    const compiled = parseTemplate('{realm}');
    expect(Object.isFrozen(compiled)).to.equal(true);
    expect(Object.isFrozen(compiled.parts)).to.equal(true);
  });

  const refused: ReadonlyArray<readonly [string, TemplateErrorReason]> = [
    ['{', 'SYNTAX'],
    ['}', 'SYNTAX'],
    ['a}b', 'SYNTAX'],
    ['{realm', 'SYNTAX'],
    ['{attributes[mail}', 'SYNTAX'],
    ['{attributes[mail]', 'SYNTAX'],
    ['{attributes[]}', 'SYNTAX'],
    ['{attributes[mail]x}', 'SYNTAX'],
    ['{re{alm}}', 'SYNTAX'],
    ['{realm!}', 'SYNTAX'],
    ['{realm!x}', 'SYNTAX'],
    ['{realm!sx}', 'SYNTAX'],
    ['{attributes[mail][99999999999999999999]}', 'SYNTAX'],
    ['{}', 'UNKNOWN_NAME'],
    ['{0}', 'UNKNOWN_NAME'],
    ['{user}', 'UNKNOWN_NAME'],
    ['{ realm}', 'UNKNOWN_NAME'],
    ['{__proto__}', 'UNKNOWN_NAME'],
    ['{constructor}', 'UNKNOWN_NAME'],
    ['{idp.entityId}', 'ATTRIBUTE_ACCESS'],
    ['{attributes[mail].__class__}', 'ATTRIBUTE_ACCESS'],
    ['{realm!r}', 'CONVERSION'],
    ['{realm!a}', 'CONVERSION'],
    ['{realm:>10}', 'FORMAT_SPEC'],
    ['{realm:}', 'FORMAT_SPEC'],
    ['{realm!s:x}', 'FORMAT_SPEC'],
    ['{attributes[mail][0]:.3}', 'FORMAT_SPEC'],
  ];
  for (const [template, reason] of refused) {
    it(`refuses ${JSON.stringify(template)} with ${reason}`, () => {
      expect(() => parseTemplate(template)).to.throw(TemplateError).with.property('reason', reason);
    });
  }

  it('throws a MellonError with code CONFIG_INVALID, for settings validation at start-up', () => {
    expect(() => parseTemplate('{realm!r}')).to.throw(MellonError).with.property('code', 'CONFIG_INVALID');
  });

  it('says where in the template the problem is', () => {
    expect(() => parseTemplate('ok {realm:>10}')).to.throw(TemplateError).with.property('position', 9);
  });
});
