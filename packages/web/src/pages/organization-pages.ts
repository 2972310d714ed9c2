import type { Context } from 'koa';
import { escapeHtml } from '@koa-mellon/saml';

/**
 * The pages that find a user's organization before SSO (identity-first login): the e-mail form and
 * the chooser. Rendered from typed models, every value escaped here by construction, in the look of
 * the error page (error-page.ts). Nothing the user typed is echoed back: a notice is one of a fixed set.
 */

/** Why the form is shown again; each has one fixed text. */
export type OrganizationFormNotice = 'invalid-email' | 'no-organization';

/** The identity-first form: one e-mail field, posted to `action` with `next`. */
export interface OrganizationFormPage {
  readonly kind: 'form';
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
  readonly logo?: { readonly url: string; readonly width: number; readonly height: number } | undefined;
  /** Its login URL, with `next`. */
  readonly href: string;
}

/** Several organizations share the e-mail domain: the user picks one. */
export interface OrganizationChooserPage {
  readonly kind: 'chooser';
  readonly choices: readonly OrganizationChoice[];
  /** The form again (another e-mail address). */
  readonly back: string;
}

export type OrganizationPage = OrganizationFormPage | OrganizationChooserPage;

const NOTICES: Record<OrganizationFormNotice, string> = {
  'invalid-email': 'Please enter an e-mail address such as name@example.com.',
  'no-organization': 'No organization signs in with e-mail addresses of that domain. Check the address, or ask your administrator.',
};

// Same palette as the error page; a visible focus ring and a 7:1 button contrast (WCAG 2.2 AAA).
const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222;line-height:1.5}' +
  'label{display:block;font-weight:600;margin-bottom:.25rem}' +
  'input{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #555;border-radius:4px}' +
  'button{font:inherit;margin-top:.75rem;padding:.5rem 1.25rem;border:0;border-radius:4px;background:#0b3d91;color:#fff;cursor:pointer}' +
  'input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #f5a623;outline-offset:2px}' +
  '.notice{border-left:4px solid #b00020;padding:.25rem .75rem;background:#fdecee}' +
  'ul{list-style:none;padding:0}li{margin:.5rem 0}' +
  '.choice{display:flex;align-items:center;gap:.75rem;padding:.75rem;border:1px solid #888;border-radius:4px;color:#0b3d91;text-decoration:none}' +
  '.choice:hover{background:#f0f4fb}.choice img{max-height:40px;max-width:80px;width:auto;height:auto}' +
  '.idp{display:block;color:#444;font-size:.9rem}';

/** Answers `ctx` with the page (`status` 200 unless told), HTML with a strict CSP, not cached. */
export function renderOrganizationPage(ctx: Context, page: OrganizationPage, status = 200): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  // No form-action: Chromium applies it to the redirects after a submit, and those end at the IdP.
  // img-src https: only the IdPs' https logos.
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https:; frame-ancestors 'none'");
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.type = 'html';
  const [title, body] = page.kind === 'form' ? ['Sign in', formBody(page)] : ['Choose your organization', chooserBody(page)];
  ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
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
    '<button type="submit">Continue</button></form>'
  );
}

function chooserBody(page: OrganizationChooserPage): string {
  const items = page.choices.map((choice) => {
    const logo = choice.logo ? `<img src="${escapeHtml(choice.logo.url)}" width="${choice.logo.width}" height="${choice.logo.height}" alt="">` : '';
    const idp = choice.idpName ? `<span class="idp">${escapeHtml(choice.idpName)}</span>` : '';
    return `<li><a class="choice" href="${escapeHtml(choice.href)}">${logo}<span><span class="name">${escapeHtml(choice.name)}</span>${idp}</span></a></li>`;
  });
  return `<h1>Choose your organization</h1><p>Several organizations sign in with e-mail addresses of that domain.</p><ul>${items.join('')}</ul><p><a href="${escapeHtml(page.back)}">Use another e-mail address</a></p>`;
}
