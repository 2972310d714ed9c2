import { escapeHtml } from '@koa-mellon/saml';
import { builtInErrorPage, pageDocument, type MellonPage, type PageSettings } from 'koa-mellon';

/** The app's name and colour: the built-in pages' header, buttons, links and focus ring. */
const THEME = { appName: 'Acme Portal', accentColor: '#1b5e20' };

/**
 * The app draws the error page in its own layout (its stylesheet, its navigation), words the
 * "declined" case itself, and leaves every other page (the IdP chooser, the organizations' pages)
 * to koa-mellon's built-in ones in the app's name and colour.
 */
export const pages: PageSettings<MellonPage> = {
  ...THEME,
  render(page) {
    if (page.kind !== 'error') return undefined; // the built-in page, in the colours above
    // Every value in a page model may come from a user or a peer: escape it.
    const reference = page.reference ? `<p>Reference: <code>${escapeHtml(page.reference)}</code></p>` : '';
    return (
      '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Acme Portal</title><link rel="stylesheet" href="/static/app.css"></head>' +
      `<body><nav><a href="/">Acme Portal</a></nav><main><h1>We could not sign you in</h1><p>${escapeHtml(page.message)}</p>${reference}` +
      `<p><a href="${escapeHtml(page.continueUrl)}">Back to Acme Portal</a></p></main></body></html>`
    );
  },
};

/** Or keep the built-in page and add to it: a help line under the built-in error page's text. */
export const pagesWithHelp: PageSettings<MellonPage> = {
  ...THEME,
  render(page) {
    if (page.kind !== 'error') return undefined;
    return builtInErrorPage(page, THEME).replace('</main>', '<p>Still stuck? Write to <a href="mailto:it@acme.example">it@acme.example</a>.</p></main>');
  },
};

/** A page of the app's own in the same look as koa-mellon's (a "signed out" page, say). */
export function signedOutPage(): string {
  return pageDocument(THEME, { title: 'Signed out', body: '<h1>You are signed out</h1><p><a class="button" href="/">Sign in again</a></p>' });
}
