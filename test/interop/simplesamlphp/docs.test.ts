// docs/idps/simplesamlphp.md says it shows "the exact configuration the tests run": it must.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { sspConfigFiles } from '../../helpers/ssp.js';

const PAGE = new URL('../../../docs/idps/simplesamlphp.md', import.meta.url);

describe('docs/idps/simplesamlphp.md', () => {
  it('shows verbatim every PHP file test/helpers/ssp.ts writes', () => {
    const page = readFileSync(PAGE, 'utf8');
    const files = Object.entries(sspConfigFiles());
    expect(files).to.have.length(3);
    for (const [name, text] of files) {
      expect(page.includes(`\`${name}\``), `${name} is named`).to.equal(true);
      expect(page.includes(`\`\`\`php\n${text}\`\`\``), `${name} is shown as written`).to.equal(true);
    }
  });
});
