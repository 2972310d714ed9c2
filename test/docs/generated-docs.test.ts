import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../../scripts/error-docs.js';

describe('docs/errors.md', () => {
  it('matches the error-code catalogue (regenerate: node --conditions=koa-mellon-source --import tsx scripts/error-docs.ts --write)', () => {
    expect(readFileSync(ERROR_DOCS_PATH, 'utf8')).to.equal(renderErrorDocs());
  });
});

describe('docs/settings.md', () => {
  it('matches the settings schema (regenerate: npm run docs:settings)', async () => {
    const { SETTINGS_DOCS_PATH, renderSettingsDocs } = await import('../../scripts/settings-docs.js');
    expect(readFileSync(SETTINGS_DOCS_PATH, 'utf8')).to.equal(renderSettingsDocs());
  });
});

describe('docs/idp-settings.md', () => {
  it('matches the documented IdP settings types (regenerate: npm run docs:idp-settings)', async () => {
    const { IDP_SETTINGS_DOCS_PATH, renderIdpSettingsDocs } = await import('../../scripts/idp-settings-docs.js');
    expect(readFileSync(IDP_SETTINGS_DOCS_PATH, 'utf8')).to.equal(renderIdpSettingsDocs());
  });
});
