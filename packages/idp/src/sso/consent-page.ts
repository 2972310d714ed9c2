import { escapeHtml } from '@koa-mellon/saml';
import { pageDocument, type PageTheme } from '@koa-mellon/web';
import type { ConsentPage, IdpUser } from '../settings/types.js';

/**
 * The built-in consent page (exported for apps that wrap it): who receives what, exactly the
 * values that would be sent, Accept / Decline and "remember". Every value escaped, no script.
 */
export function builtInConsentPage<U extends IdpUser>(page: ConsentPage<U>, theme: PageTheme): string {
  const rows = page.attributes
    .map((attribute) => `<tr><th scope="row">${escapeHtml(attribute.friendlyName ?? attribute.name)}</th><td>${attribute.values.map(escapeHtml).join('<br>')}</td></tr>`)
    .join('');
  const released =
    page.attributes.length > 0
      ? `<table class="released">${rows}</table>`
      : '<p>Only an identifier for your account, no other information.</p>';
  return pageDocument(theme, {
    title: 'Share your information?',
    body:
      `<h1>Share your information?</h1><p><strong>${escapeHtml(page.spName)}</strong> asks to sign you in and will receive:</p>${released}` +
      `<form method="post" action="${escapeHtml(page.action)}"><input type="hidden" name="k" value="${escapeHtml(page.key)}">` +
      '<label class="check"><input type="checkbox" name="remember" value="1"> Remember my choice for this application</label>' +
      '<div class="actions"><button class="button" type="submit" name="decision" value="accept">Accept</button>' +
      '<button class="button secondary" type="submit" name="decision" value="decline">Decline</button></div>' +
      '</form>',
  });
}
