import { expect } from 'chai';
import { formatTemplate, parseTemplate, type TemplateValues } from '../../src/adapters/username-template.js';
import { DEFAULT_SETTINGS, ISSUER, samlAttributes } from './helpers.js';

const values = (attributes = samlAttributes({ mail: ['jdoe@example.com', 'john@example.com'], uid: ['jdoe'] })): TemplateValues => ({
  realm: 'saml',
  attributes,
  idp: DEFAULT_SETTINGS,
});
const format = (template: string, v: TemplateValues = values()) => formatTemplate(parseTemplate(template), v);

describe('formatTemplate', () => {
  it('fills django-mellon’s default username template', () => {
    expect(format('{attributes[name_id_content]}@{realm}')).to.deep.equal({ ok: true, value: 'abc@saml' });
  });

  it('indexes into an attribute’s list of values', () => {
    expect(format('{attributes[mail][0]}')).to.deep.equal({ ok: true, value: 'jdoe@example.com' });
    expect(format('{attributes[mail][1]}')).to.deep.equal({ ok: true, value: 'john@example.com' });
  });

  it('reads URN-named attributes', () => {
    const v = values(samlAttributes({ 'urn:oid:0.9.2342.19200300.100.1.1': ['jdoe'] }));
    expect(format('{attributes[urn:oid:0.9.2342.19200300.100.1.1][0]}', v)).to.deep.equal({ ok: true, value: 'jdoe' });
  });

  it('writes escaped braces literally', () => {
    expect(format('{{{attributes[uid][0]}}}')).to.deep.equal({ ok: true, value: '{jdoe}' });
  });

  it('never interprets braces that come from the assertion', () => {
    const v = values(samlAttributes({ uid: ['{realm}{attributes[mail][0]}'] }));
    expect(format('{attributes[uid][0]}', v)).to.deep.equal({ ok: true, value: '{realm}{attributes[mail][0]}' });
  });

  it('gives the same text with !s', () => {
    expect(format('{realm!s}')).to.deep.equal({ ok: true, value: 'saml' });
  });

  it('indexes a string by code point, as Python does', () => {
    const v = values(samlAttributes({}, { name_id_content: '😀bc' }));
    expect(format('{attributes[name_id_content][0]}', v)).to.deep.equal({ ok: true, value: '😀' });
    expect(format('{attributes[name_id_content][1]}', v)).to.deep.equal({ ok: true, value: 'b' });
  });

  it('reads entityId and realm from idp (ENTITY_ID too, for templates copied from Django)', () => {
    expect(format('{idp[entityId]}|{idp[ENTITY_ID]}|{idp[realm]}')).to.deep.equal({ ok: true, value: `${ISSUER}|${ISSUER}|saml` });
  });

  it('refuses a missing attribute with MISSING_KEY and the field as written, never "undefined"', () => {
    expect(format('x{attributes[givenName][0]}')).to.deep.equal({ ok: false, reason: 'MISSING_KEY', field: '{attributes[givenName][0]}' });
  });

  it('treats an attribute present with an undefined value as missing', () => {
    const v = values(samlAttributes({}, { session_not_on_or_after: undefined }));
    expect(format('{attributes[session_not_on_or_after]}', v)).to.deep.include({ ok: false, reason: 'MISSING_KEY' });
  });

  it('refuses an index past the last value with INDEX_OUT_OF_RANGE', () => {
    expect(format('{attributes[mail][2]}')).to.deep.include({ ok: false, reason: 'INDEX_OUT_OF_RANGE' });
    expect(format('{attributes[name_id_content][3]}')).to.deep.include({ ok: false, reason: 'INDEX_OUT_OF_RANGE' });
  });

  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__']) {
    it(`reaches nothing through the prototype: {attributes[${key}]}`, () => {
      expect(format(`{attributes[${key}]}`)).to.deep.include({ ok: false, reason: 'MISSING_KEY' });
      // Also when a caller passes attributes with Object.prototype.
      const plain: TemplateValues = { realm: 'saml', attributes: { issuer: ISSUER }, idp: DEFAULT_SETTINGS };
      expect(format(`{attributes[${key}]}`, plain)).to.deep.include({ ok: false, reason: 'MISSING_KEY' });
    });
  }

  it('exposes only entityId and realm of the IdP settings', () => {
    for (const key of ['users', 'provision', 'usernameTemplate', 'attributeMapping', '__proto__', 'constructor']) {
      expect(format(`{idp[${key}]}`), key).to.deep.include({ ok: false, reason: 'MISSING_KEY' });
    }
  });

  it('refuses a whole list or dict with NOT_A_STRING (Python would print its repr)', () => {
    expect(format('{attributes[mail]}')).to.deep.include({ ok: false, reason: 'NOT_A_STRING' });
    expect(format('{attributes}')).to.deep.include({ ok: false, reason: 'NOT_A_STRING' });
    expect(format('{idp}')).to.deep.include({ ok: false, reason: 'NOT_A_STRING' });
  });

  it('refuses a name key on a list or a string with NOT_INDEXABLE', () => {
    expect(format('{attributes[mail][first]}')).to.deep.include({ ok: false, reason: 'NOT_INDEXABLE' });
    expect(format('{realm[x]}')).to.deep.include({ ok: false, reason: 'NOT_INDEXABLE' });
  });

  it('looks an all-digits key up as a number, which no attribute name matches (Python’s KeyError)', () => {
    const v = values(samlAttributes({ '0': ['zero'] }));
    expect(format('{attributes[0]}', v)).to.deep.include({ ok: false, reason: 'MISSING_KEY' });
  });
});
