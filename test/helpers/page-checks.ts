import type { Page } from 'playwright-core';

/**
 * What a person needs from a page koa-mellon shows (issue #13): one h1 in one main landmark, a
 * lang, labelled fields, no sideways scrolling, text contrast of at least 4.5:1 (WCAG 2.2 AA) on
 * its background, and a visible focus ring on the first control the keyboard reaches.
 */
// Runs in the page. A string, not a function: tsx would add helpers (`__name`) the page lacks.
const PAGE_CHECKS = `(() => {
  const found = [];
  const luminance = (value) => {
    const [r, g, b] = (value.match(/[\\d.]+/g) || []).slice(0, 3).map((c) => {
      const s = Number(c) / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  if (!document.documentElement.lang) found.push('no lang');
  if (document.querySelectorAll('main').length !== 1) found.push('not one main landmark');
  if (document.querySelectorAll('h1').length !== 1) found.push('not one h1');
  for (const input of document.querySelectorAll('input:not([type=hidden])')) if (!input.labels || !input.labels.length) found.push('unlabelled input ' + input.name);
  if (document.documentElement.scrollWidth > window.innerWidth) found.push('scrolls sideways (' + document.documentElement.scrollWidth + ' > ' + window.innerWidth + ')');
  // Text on its own background: the white card for text and links, the accent for the header and buttons.
  const opaque = (value) => value !== 'rgba(0, 0, 0, 0)' && value !== 'transparent';
  const card = [document.querySelector('main'), document.body].map((e) => getComputedStyle(e).backgroundColor).find(opaque) || 'rgb(255, 255, 255)';
  for (const element of document.querySelectorAll('main p, main a, main th, main td, main label, main .name, main .detail, header, .button')) {
    const style = getComputedStyle(element);
    const background = opaque(style.backgroundColor) ? style.backgroundColor : card;
    const ratio = contrast(style.color, background);
    if (ratio < 4.5) found.push('contrast ' + ratio.toFixed(2) + ' of "' + element.textContent.trim().slice(0, 30) + '"');
  }
  return found;
})()`;

const FOCUS_RING = `(() => {
  const active = document.activeElement;
  if (!active || active === document.body) return 'nothing focused';
  const style = getComputedStyle(active);
  return style.outlineStyle === 'solid' && style.outlineWidth === '3px' ? '' : 'focus ring ' + style.outlineStyle + ' ' + style.outlineWidth + ' on ' + active.tagName;
})()`;

/** The problems found on `page` (none expected); presses Tab once. */
export async function pageProblems(page: Page): Promise<string[]> {
  const problems = (await page.evaluate(PAGE_CHECKS)) as string[];
  // The keyboard reaches the first control, and its focus ring shows.
  await page.keyboard.press('Tab');
  const ring = (await page.evaluate(FOCUS_RING)) as string;
  return ring ? [...problems, ring] : problems;
}

