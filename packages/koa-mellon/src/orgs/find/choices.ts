import type { UiInfo } from '@koa-mellon/saml';
import { englishFirst, httpsLogo, type OrganizationChoice } from '@koa-mellon/web';
import { runtimeOf } from '../../runtime.js';
import type { ServedOrganization } from '../create-organizations.js';
import type { OrganizationSettings } from '../types.js';

/** How long the chooser waits for an IdP's metadata (its name and logo are a nicety, the list is not). */
const UI_WAIT_MS = 2000;

/**
 * One chooser entry per organization, sorted by name: its own name and login URL, plus its IdP's
 * mdui:DisplayName and an https mdui:Logo (saml-metadata-ui §2.1) when the metadata has them and
 * answers in time. The parser keeps http and data: logos too; an https page shows only https ones.
 */
export async function organizationChoices(
  orgs: readonly OrganizationSettings[],
  options: { loginUrl: (slug: string) => string; find: (slug: string) => Promise<ServedOrganization | undefined> },
): Promise<OrganizationChoice[]> {
  const choices = await Promise.all(
    orgs.map(async (org): Promise<OrganizationChoice> => {
      const ui = await idpUiOf(() => options.find(org.slug));
      const idpName = englishFirst(ui?.displayNames)?.value;
      const logo = httpsLogo(ui?.logos);
      return {
        name: org.name,
        href: options.loginUrl(org.slug),
        ...(idpName !== undefined && idpName !== org.name ? { idpName } : {}),
        ...(logo ? { logo } : {}),
      };
    }),
  );
  return choices.sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

async function idpUiOf(find: () => Promise<ServedOrganization | undefined>): Promise<UiInfo | undefined> {
  const read = async () => {
    const org = await find();
    const rt = org && runtimeOf(org.mellon);
    const idp = rt?.idps[0];
    return rt && idp ? (await rt.metadataOf(idp)).descriptor.ui : undefined;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), UI_WAIT_MS);
  });
  try {
    // A broken or slow organization still gets its entry (by name); its login shows the friendly page.
    return await Promise.race([read().catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
