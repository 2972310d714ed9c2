import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { AppUser } from '../../helpers/idp-app.js';

/** What SSP's authenticate.php status page shows about its session. */
export interface SspStatus {
  readonly attributes: Record<string, string[]>;
  readonly nameId: string;
  readonly nameIdFormat: string;
  readonly nameQualifier: string;
  readonly spNameQualifier: string;
  readonly authData: Record<string, unknown>;
}

export async function readSspStatus(page: Page): Promise<SspStatus> {
  await page.waitForSelector('#table_with_attributes');
  // The page prints the session's AuthData as JSON (Attributes included), and the NameID in a
  // second attribute table (both tables are id="table_with_attributes").
  const authData = JSON.parse((await page.textContent('details pre')) ?? '{}') as Record<string, unknown>;
  const subject = await page.$$eval('table.attributes tr', (rows) =>
    // The name cell holds the raw name in <code> (after a translation, when SSP has one).
    rows.map((row) => [row.querySelector('td.attrname code')?.textContent?.trim() ?? '', row.querySelector('td.attrvalue')?.textContent?.trim() ?? '']),
  );
  const row = (name: string): string => subject.find(([key]) => key === name)?.[1] ?? '';
  return { attributes: authData['Attributes'] as Record<string, string[]>, nameId: row('NameId'), nameIdFormat: row('Format'), nameQualifier: row('NameQualifier'), spNameQualifier: row('SPNameQualifier'), authData };
}

/** SSP shows exactly the attributes our IdP releases (RELEASED_ATTRIBUTES) for `user`. */
export function expectReleased(status: SspStatus, user: AppUser): void {
  expect(status.attributes).to.deep.equal({ uid: [user.username], mail: [user.email], displayName: [user.displayName], groups: [...user.groups] });
}
