import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../../scripts/error-docs.js';

describe('docs/errors.md', () => {
  it('matches the error-code catalogue (regenerate: node --conditions=source --import tsx scripts/error-docs.ts --write)', () => {
    expect(readFileSync(ERROR_DOCS_PATH, 'utf8')).to.equal(renderErrorDocs());
  });
});
