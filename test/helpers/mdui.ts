/** An IdP's metadata with an mdui:UIInfo in its IDPSSODescriptor (saml-metadata-ui §2.1). */
export function withUiInfo(xml: string, ui: { displayName: string; logos: readonly string[] }): string {
  const text = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const logos = ui.logos.map((url) => `<mdui:Logo width="80" height="40">${text(url)}</mdui:Logo>`).join('');
  const info = `<md:Extensions><mdui:UIInfo xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui"><mdui:DisplayName xml:lang="en">${text(ui.displayName)}</mdui:DisplayName>${logos}</mdui:UIInfo></md:Extensions>`;
  const out = xml.replace(/(<(?:md:)?IDPSSODescriptor\b[^>]*>)/, `$1${info}`);
  if (out === xml) throw new Error('no IDPSSODescriptor in the metadata');
  return out;
}
