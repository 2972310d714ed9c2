#!/usr/bin/python3
"""A Lasso IdP (the library inside mod_auth_mellon and django-mellon) answering one AuthnRequest.

Usage: lasso_idp.py --idp-metadata FILE --key KEY --cert CERT --sp-metadata FILE --query RAW_QUERY [--encrypt]
The raw query is the HTTP-Redirect query string as sent: Lasso verifies the SP's signature over it.
Prints JSON: {"acs": ..., "SAMLResponse": ...}. Runs with Debian's /usr/bin/python3 (python3-lasso).
"""
import argparse
import json
import time

import lasso


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def iso(seconds_from_now):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + seconds_from_now))


def main():
    parser = argparse.ArgumentParser()
    for name in ('--idp-metadata', '--key', '--cert', '--sp-metadata', '--query'):
        parser.add_argument(name, required=True)
    parser.add_argument('--encrypt', action='store_true')
    args = parser.parse_args()

    server = lasso.Server.newFromBuffers(read(args.idp_metadata), read(args.key), None, read(args.cert))
    server.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256  # Lasso's default is RSA-SHA1
    server.addProviderFromBuffer(lasso.PROVIDER_ROLE_SP, read(args.sp_metadata))

    login = lasso.Login(server)
    login.processAuthnRequestMsg(args.query)  # verifies the SP's Redirect signature
    login.validateRequestMsg(True, True)
    if args.encrypt:
        provider = server.getProvider(login.remoteProviderId)
        provider.setEncryptionMode(lasso.ENCRYPTION_MODE_ASSERTION)
        provider.setEncryptionSymKeyType(lasso.ENCRYPTION_SYM_KEY_TYPE_AES_256)
    login.buildAssertion(lasso.SAML2_AUTHN_CONTEXT_PASSWORD, iso(0), None, iso(-30), iso(300))
    # Lasso invents an opaque federation NameID; give the user a known one.
    login.assertion.subject.nameID.content = 'lee-from-lasso'
    attribute = lasso.Saml2Attribute()
    attribute.name = 'mail'
    attribute.nameFormat = lasso.SAML2_ATTRIBUTE_NAME_FORMAT_BASIC
    value = lasso.Saml2AttributeValue()
    value.any = [lasso.MiscTextNode.newWithString('lee@example.org')]
    attribute.attributeValue = [value]
    statement = lasso.Saml2AttributeStatement()
    statement.attribute = [attribute]
    login.assertion.attributeStatement = [statement]
    login.buildAuthnResponseMsg()
    print(json.dumps({'acs': login.msgUrl, 'SAMLResponse': login.msgBody}))


if __name__ == '__main__':
    main()
