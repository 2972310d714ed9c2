import type { Context } from 'koa';
import { escapeHtml } from '@koa-mellon/saml';
import { SILENT_LOGGER, type Logger } from '../log.js';
import { choiceList, type PageLogo } from './choices.js';
import { pageDocument } from './layout.js';
import type { PageSettings, PageTheme } from './page-settings.js';
import { sendPage } from './send-page.js';

/**
 * The pages that find a user's organization before SSO (identity-first login): the e-mail form and
 * the chooser. Typed models; the built-in markup escapes every value by construction. Nothing the
 * user typed is echoed back: a notice is one of a fixed set.
 */

/** Why the form is shown again; each has one fixed text. */
export type OrganizationFormNotice = 'invalid-email' | 'no-organization';

/** The identity-first form: one e-mail field, posted to `action` with `next`. */
export interface OrganizationFormPage {
  readonly kind: 'organization-form';
  /** Where the form posts (same origin). */
  readonly action: string;
  /** The same-site path to land on after sign-in (already passed through safeNext). */
  readonly next: string;
  readonly notice?: OrganizationFormNotice | undefined;
}

/** One organization offered on the chooser. */
export interface OrganizationChoice {
  /** The organization's name (from its settings). */
  readonly name: string;
  /** Its IdP's mdui:DisplayName, when the metadata has one that differs from `name`. */
  readonly idpName?: string | undefined;
  /** An https mdui:Logo of its IdP (saml-metadata-ui §2.1.6), shown beside the name. */
  readonly logo?: PageLogo | undefined;
  /** Its login URL, with `next`. */
  readonly href: string;
}

/** Several organizations share the e-mail domain: the user picks one. */
export interface OrganizationChooserPage {
  readonly kind: 'organization-chooser';
  readonly choices: readonly OrganizationChoice[];
  /** The form again (another e-mail address). */
  readonly back: string;
}

export type OrganizationPage = OrganizationFormPage | OrganizationChooserPage;

const NOTICES: Record<OrganizationFormNotice, string> = {
  'invalid-email': 'Please enter an e-mail address such as name@example.com.',
  'no-organization': 'No organization signs in with e-mail addresses of that domain. Check the address, or ask your administrator.',
};

/** Answers `ctx` with the page (`status` 200 unless told): the app's (`pages.render`) or the built-in one. */
export async function renderOrganizationPage(ctx: Context, page: OrganizationPage, options: { status?: number; pages?: PageSettings<OrganizationPage> | undefined; logger?: Logger | undefined } = {}): Promise<void> {
  await sendPage(ctx, page, {
    status: options.status ?? 200,
    pages: options.pages,
    logger: options.logger ?? SILENT_LOGGER,
    builtIn: (theme) => builtInOrganizationPage(page, theme),
    // No form-action: Chromium applies it to the redirects after a submit, and those end at the IdP.
    // img-src https: only the IdPs' https logos.
    csp: "default-src 'none'; style-src 'unsafe-inline'; img-src https:; base-uri 'none'; frame-ancestors 'none'",
  });
}

/** The built-in identity-first form or chooser (exported for apps that wrap it). */
export function builtInOrganizationPage(page: OrganizationPage, theme: PageTheme): string {
  return page.kind === 'organization-form' ? pageDocument(theme, { title: 'Sign in', body: formBody(page) }) : pageDocument(theme, { title: 'Choose your organization', body: chooserBody(page) });
}

function formBody(page: OrganizationFormPage): string {
  const notice = page.notice ? `<p class="notice" id="notice" role="alert">${escapeHtml(NOTICES[page.notice])}</p>` : '';
  const described = page.notice ? ' aria-describedby="notice" aria-invalid="true"' : '';
  return (
    `<h1>Sign in</h1>${notice}` +
    `<form method="post" action="${escapeHtml(page.action)}">` +
    '<label for="email">Work e-mail address</label>' +
    `<input id="email" name="email" type="email" autocomplete="email" inputmode="email" required autofocus spellcheck="false"${described}>` +
    `<input type="hidden" name="next" value="${escapeHtml(page.next)}">` +
    '<div class="actions"><button class="button" type="submit">Continue</button></div></form>'
  );
}

function chooserBody(page: OrganizationChooserPage): string {
  const items = choiceList(page.choices.map((choice) => ({ name: choice.name, detail: choice.idpName, logo: choice.logo, href: choice.href })));
  return `<h1>Choose your organization</h1><p>Several organizations sign in with e-mail addresses of that domain.</p>${items}<p><a href="${escapeHtml(page.back)}">Use another e-mail address</a></p>`;
}
