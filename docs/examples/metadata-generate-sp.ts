import { NAMEID_FORMAT, generateSpMetadata } from '@koa-mellon/saml';

/** The SP metadata served at {baseUrl}/metadata/, signed, publishing the next key ahead of a rollover. */
export function spMetadata(keys: { privateKeyPem: string; certificatePem: string; nextCertificatePem?: string }): string {
  const base = 'https://app.example.com/accounts/mellon';
  return generateSpMetadata({
    entityId: `${base}/metadata/`,
    assertionConsumerServiceUrl: `${base}/login/`, // HTTP-POST (default) and HTTP-Artifact
    singleLogoutServiceUrl: `${base}/logout/`, // HTTP-Redirect and HTTP-POST
    certificates: keys.nextCertificatePem ? [keys.certificatePem, keys.nextCertificatePem] : [keys.certificatePem],
    nameIdFormats: [NAMEID_FORMAT.persistent],
    organization: {
      names: [{ lang: 'en', value: 'Example Inc.' }],
      displayNames: [{ lang: 'en', value: 'Example' }],
      urls: [{ lang: 'en', value: 'https://www.example.com/' }],
    },
    contacts: [{ contactType: 'technical', emailAddresses: ['mailto:it@example.com'], telephoneNumbers: [] }],
    cacheDurationMs: 24 * 3600 * 1000,
    sign: { privateKey: keys.privateKeyPem, certificate: keys.certificatePem },
  });
}
