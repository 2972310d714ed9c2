import type { Context } from 'koa';
import { SILENT_LOGGER, type Logger } from '../log.js';
import { choiceList, type PageLogo } from './choices.js';
import { pageDocument } from './layout.js';
import type { PageSettings, PageTheme } from './page-settings.js';
import { sendPage } from './send-page.js';

/** One identity provider offered by the SP's chooser (several IdPs, none chosen, no discovery service). */
export interface IdpChoice {
  /** mdui:DisplayName (English first), else the Organization's display name, else the entityID. */
  readonly name: string;
  readonly entityId: string;
  /** An https mdui:Logo (saml-metadata-ui §2.1.6). */
  readonly logo?: PageLogo | undefined;
  /** The login URL with this IdP chosen and `next`. */
  readonly href: string;
}

/** The SP's IdP chooser. */
export interface IdpChooserPage {
  readonly kind: 'idp-chooser';
  readonly choices: readonly IdpChoice[];
  /** Where the user goes after sign-in (already passed through safeNext). */
  readonly next: string;
}

/** Answers `ctx` with the chooser: the app's (`pages.render`) or the built-in one. */
export async function renderIdpChooser(ctx: Context, page: IdpChooserPage, options: { pages?: PageSettings<IdpChooserPage> | undefined; logger?: Logger | undefined } = {}): Promise<void> {
  await sendPage(ctx, page, {
    status: 200,
    pages: options.pages,
    logger: options.logger ?? SILENT_LOGGER,
    builtIn: (theme) => builtInIdpChooser(page, theme),
    csp: "default-src 'none'; style-src 'unsafe-inline'; img-src https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
}

/** The built-in chooser (exported for apps that wrap it). */
export function builtInIdpChooser(page: IdpChooserPage, theme: PageTheme): string {
  // The entityID is shown only where no name was published: then it is the name.
  const items = choiceList(page.choices.map((choice) => ({ name: choice.name, logo: choice.logo, href: choice.href })));
  return pageDocument(theme, { title: 'Sign in', body: `<h1>Sign in with</h1><p>Choose the organization that manages your account.</p>${items}` });
}
