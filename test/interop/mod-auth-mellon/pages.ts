import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { AppUser } from '../../helpers/idp-app.js';

/** The CGI's output: `NAME=value` lines (REMOTE_USER, MELLON_*), without the SameSite switch of httpd.conf. */
export async function readEnv(page: Page): Promise<Map<string, string>> {
  const text = (await page.textContent('body')) ?? '';
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.slice(0, eq) !== 'MELLON_DISABLE_SAMESITE') env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}

/** What mellon shows for `user` with our released attributes (multi-valued: `_0`, `_1`... and the first value unsuffixed). */
export function expectUserEnv(env: Map<string, string>, user: AppUser): void {
  expect(env.get('REMOTE_USER')).to.equal(user.username);
  expect(env.get('MELLON_uid')).to.equal(user.username);
  expect(env.get('MELLON_mail')).to.equal(user.email);
  expect(env.get('MELLON_displayName')).to.equal(user.displayName);
  const groups = [...env.keys()].filter((name) => /^MELLON_groups_\d+$/.test(name)).sort();
  expect(groups.map((name) => env.get(name))).to.deep.equal([...user.groups]);
  expect(env.get('MELLON_groups')).to.equal(user.groups[0]);
  expect(env.get('MELLON_NAME_ID')).to.be.a('string').and.not.equal('');
}
