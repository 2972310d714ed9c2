/**
 * The NameID format this SP wants from an IdP, as a refusal's trace shows it next to the one
 * received: what AuthnRequests ask for (`nameIdPolicyFormat`), else what our metadata lists
 * (`nameIdFormats`), else any.
 */
export function wantedNameIdFormat(settings: { readonly nameIdPolicyFormat?: string | undefined; readonly nameIdFormats?: readonly string[] | undefined }): string {
  if (settings.nameIdPolicyFormat !== undefined) return settings.nameIdPolicyFormat;
  if (settings.nameIdFormats && settings.nameIdFormats.length > 0) return settings.nameIdFormats.join(' ');
  return '(any: neither nameIdPolicyFormat nor nameIdFormats is set)';
}
