import { NAMEID_FORMAT, generateIdpMetadata } from '@koa-mellon/saml';

/** Metadata of an IdP built on @koa-mellon/saml. */
export function idpMetadata(certificatePem: string, privateKeyPem: string): string {
  const base = 'https://idp.example.com/saml';
  return generateIdpMetadata({
    entityId: `${base}/metadata`,
    singleSignOnServiceUrl: `${base}/sso`, // HTTP-Redirect and HTTP-POST
    singleLogoutServiceUrl: `${base}/slo`,
    artifactResolutionServiceUrl: `${base}/artifact`, // SOAP, index 0
    wantAuthnRequestsSigned: true,
    certificates: [certificatePem],
    nameIdFormats: [NAMEID_FORMAT.persistent, NAMEID_FORMAT.transient],
    sign: { privateKey: privateKeyPem, certificate: certificatePem },
  });
}
