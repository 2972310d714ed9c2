export const USAGE = `Usage: koa-mellon <command> [options]

Commands:
  keygen    write an SP private key and self-signed certificate (sp.key, sp.crt)
  metadata  print the SP metadata for a settings file
  check     validate a settings file and check every IdP's metadata
  migrate   create or update the PostgreSQL tables (state store, user store)
  trace     show a login or logout trace by its reference, or the recent refusals per IdP

Run \`koa-mellon <command> --help\` for a command's options.`;
