import { escapeHtml } from '@koa-mellon/saml';

/** An https logo from mdui metadata (saml-metadata-ui §2.1.6), with its declared size. */
export interface PageLogo {
  readonly url: string;
  readonly width: number;
  readonly height: number;
}

/** One entry of a chooser as the built-in markup draws it. */
export interface ChoiceItem {
  readonly name: string;
  readonly detail?: string | undefined;
  readonly logo?: PageLogo | undefined;
  readonly href: string;
}

/** The choosers' list (the SP's IdP chooser, the organizations' chooser): one link per choice. */
export function choiceList(items: readonly ChoiceItem[]): string {
  const entries = items.map((item) => {
    const logo = item.logo ? `<img src="${escapeHtml(item.logo.url)}" width="${Math.round(item.logo.width)}" height="${Math.round(item.logo.height)}" alt="">` : '';
    const detail = item.detail ? `<span class="detail">${escapeHtml(item.detail)}</span>` : '';
    return `<li><a class="choice" href="${escapeHtml(item.href)}">${logo}<span><span class="name">${escapeHtml(item.name)}</span>${detail}</span></a></li>`;
  });
  return `<ul class="choices">${entries.join('')}</ul>`;
}

/** English (or unlabelled) first, else the first: the built-in pages are in English. */
export function englishFirst<T extends { readonly lang?: string | undefined }>(values: readonly T[] | undefined): T | undefined {
  return values?.find((v) => v.lang === undefined || v.lang === '' || v.lang.startsWith('en')) ?? values?.[0];
}

/** The logo to show: https only (an https page shows no http or data: image), English first. */
export function httpsLogo(logos: readonly (PageLogo & { readonly lang?: string | undefined })[] | undefined): PageLogo | undefined {
  const logo = englishFirst(logos?.filter((l) => l.url.startsWith('https://')));
  return logo && { url: logo.url, width: logo.width, height: logo.height };
}
