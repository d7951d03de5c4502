// ID-porten-like OpenID provider for MinSide's integration tests.
//
// Runs panva's `oidc-provider` (a certified OpenID provider nobody in this project wrote) with
// ID-porten's endpoint paths, acr values and claims, an in-memory adapter, one static client and
// a tiny scriptable login page. Configuration comes from the environment (see README.md). When it
// listens it prints exactly one line to stdout, `{"issuer":"http://127.0.0.1:PORT"}`, and then
// runs until it gets SIGTERM or SIGINT. Everything else it logs goes to stderr.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

// oidc-provider prints notices with console.info; stdout is reserved for the issuer line.
console.log = console.error; // eslint-disable-line no-console
console.info = console.error; // eslint-disable-line no-console

const ACR_LEVELS = { 'idporten-loa-substantial': 3, 'idporten-loa-high': 4 };
const ACR_VALUES = Object.keys(ACR_LEVELS);
const LOCALES = ['nb', 'nn', 'en', 'se'];

function fail(message) {
  console.error(`oidc-provider test server: ${message}`);
  process.exit(2);
}

function requiredEnv(name) {
  const value = process.env[name];
  if (value === undefined || value === '') fail(`environment variable ${name} is required`);
  return value;
}

function listEnv(name) {
  return (process.env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function parseAccounts() {
  let raw;
  try {
    raw = JSON.parse(process.env.OP_ACCOUNTS ?? '[]');
  } catch (err) {
    fail(`OP_ACCOUNTS is not valid JSON: ${err.message}`);
  }
  if (!Array.isArray(raw) || raw.length === 0) fail('OP_ACCOUNTS must be a non-empty JSON array');
  return raw.map((a, i) => {
    if (typeof a?.pid !== 'string' || typeof a?.name !== 'string') {
      fail(`OP_ACCOUNTS[${i}] must be {"pid": string, "name": string}`);
    }
    // Like ID-porten, `sub` is an opaque identifier and not the national identity number, so a
    // relying party that confuses the two fails its tests.
    const sub = crypto.createHash('sha256').update(`minside-test-op-sub\0${a.pid}`).digest('base64');
    return { pid: a.pid, name: a.name, sub };
  });
}

const config = {
  port: Number.parseInt(process.env.OP_PORT ?? '0', 10),
  clientId: requiredEnv('OP_CLIENT_ID'),
  clientSecret: requiredEnv('OP_CLIENT_SECRET'),
  redirectUris: listEnv('OP_REDIRECT_URIS'),
  postLogoutRedirectUris: listEnv('OP_POST_LOGOUT_REDIRECT_URIS'),
  frontchannelLogoutUri: process.env.OP_FRONTCHANNEL_LOGOUT_URI || undefined,
  accounts: parseAccounts(),
};
if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) fail('OP_PORT is invalid');
if (config.redirectUris.length === 0) fail('OP_REDIRECT_URIS must name at least one URI');

const accountsBySub = new Map(config.accounts.map((a) => [a.sub, a]));
const accountsByPid = new Map(config.accounts.map((a) => [a.pid, a]));
const localeBySub = new Map(); // the locale chosen at the last login of each account

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function requestedAcrLevel(params) {
  const levels = String(params.acr_values ?? '').split(' ').map((v) => ACR_LEVELS[v]).filter(Boolean);
  return levels.length ? Math.min(...levels) : undefined;
}

function pickLocale(uiLocales) {
  for (const tag of String(uiLocales ?? '').split(' ')) {
    const lang = tag.toLowerCase().split('-')[0];
    if (LOCALES.includes(lang)) return lang;
    if (lang === 'no') return 'nb';
  }
  return 'nb';
}

// ID-porten treats acr_values as the minimum level: an SSO session at a lower level must log in
// again (step-up). A fresh login is accepted as is, so a test can simulate a downgraded acr.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'acr_step_up',
  'the session does not satisfy the requested acr_values',
  (ctx) => {
    const wanted = requestedAcrLevel(ctx.oidc.params);
    if (wanted === undefined || ctx.oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    const have = ACR_LEVELS[ctx.oidc.session.acr] ?? 0;
    return have < wanted ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
  },
));

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };

function providerConfiguration() {
  return {
    clients: [{
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uris: config.redirectUris,
      post_logout_redirect_uris: config.postLogoutRedirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic', // client_secret_post is accepted too
      id_token_signed_response_alg: 'RS256',
    }],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    subjectTypes: ['public'],
    acrValues: ACR_VALUES,
    scopes: ['openid', 'profile'],
    claims: {
      sid: null, iss: null,
      // acr, amr and auth_time come from the login; under `openid` they are always in the ID token.
      openid: ['sub', 'pid', 'locale', 'acr', 'amr', 'auth_time'],
      profile: ['name'], // not ID-porten: a convenience for tests that want the display name
    },
    conformIdTokenClaims: false, // pid and locale go into the ID token, as in ID-porten
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { methods: ['S256'], required: () => true },
    routes: {
      authorization: '/authorize',
      token: '/token',
      jwks: '/jwks.json',
      userinfo: '/userinfo',
      end_session: '/logout',
      pushed_authorization_request: '/par',
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      userinfo: { enabled: true },
      claimsParameter: { enabled: true },
      backchannelLogout: { enabled: false },
    },
    interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    jwks: { keys: [signingKey] },
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600,
    },
    async findAccount(ctx, sub) {
      const account = accountsBySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, pid: account.pid, name: account.name, locale: localeBySub.get(sub) ?? 'nb' };
        },
      };
    },
    // Consent is implicit, as in ID-porten: every requested scope and claim is granted.
    async loadExistingGrant(ctx) {
      const { client, account, session } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== account.accountId) {
        grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: account.accountId });
      }
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
      grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Error</h1>${
        Object.entries(out).map(([k, v]) => `<p id="${escapeHtml(k)}">${escapeHtml(k)}: ${escapeHtml(v)}</p>`).join('')
      }</body></html>`;
    },
  };
}

async function logoutSource(ctx, form) {
  ctx.body = `<!DOCTYPE html><html><head><title>Logg ut</title></head><body>
<h1>Logg ut fra ${escapeHtml(ctx.host)}?</h1>
${form.replace('</form>', '<button type="submit" name="logout" value="yes">Logg ut</button></form>')}
</body></html>`;
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = '<!DOCTYPE html><html><head><title>Logget ut</title></head><body><h1>Du er logget ut</h1></body></html>';
}

function loginPage(uid, details, error) {
  const wanted = requestedAcrLevel(details.params);
  const defaultAcr = ACR_VALUES.find((v) => ACR_LEVELS[v] === wanted) ?? ACR_VALUES[0];
  const locale = pickLocale(details.params.ui_locales);
  const option = (value, selected, label = value) => `<option value="${escapeHtml(value)}"${
    value === selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>TestID</title></head><body>
<h1>TestID</h1>${error ? `<p id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Person <select name="pid">${config.accounts.map((a, i) => option(a.pid, config.accounts[0].pid, `${a.name} (${i + 1})`)).join('')}</select></label>
<label>Sikkerhetsnivå <select name="acr">${ACR_VALUES.map((v) => option(v, defaultAcr)).join('')}</select></label>
<label>Språk <select name="locale">${LOCALES.map((l) => option(l, locale)).join('')}</select></label>
<button type="submit">Logg inn</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit">Avbryt</button></form>
</body></html>`;
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

async function handleInteraction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'interaction mismatch', 'text/plain');

  if (req.method === 'GET' && action === undefined) {
    if (details.prompt.name === 'consent') {
      // Not expected (loadExistingGrant grants everything), but never leave a client stuck.
      const grant = new provider.Grant({ clientId: details.params.client_id, accountId: details.session.accountId });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    return send(res, 200, loginPage(uid, details));
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const account = accountsByPid.get(form.get('pid') ?? '');
    const acr = form.get('acr') ?? ACR_VALUES[0];
    if (!account) return send(res, 400, loginPage(uid, details, 'Ukjent testperson'));
    if (!ACR_VALUES.includes(acr)) return send(res, 400, loginPage(uid, details, 'Ukjent sikkerhetsnivå'));
    const locale = LOCALES.includes(form.get('locale')) ? form.get('locale') : pickLocale(details.params.ui_locales);
    localeBySub.set(account.sub, locale);
    return provider.interactionFinished(req, res, {
      login: { accountId: account.sub, acr, amr: ['TestID'], remember: true },
    }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }
  return send(res, 405, 'method not allowed', 'text/plain');
}

// Front-channel logout is not in oidc-provider 8.x; this emulates ID-porten's: when the OP
// session ends, a page with one iframe per other relying party of the session is shown before
// the redirect. Only active when OP_FRONTCHANNEL_LOGOUT_URI is set.
function installFrontchannelLogout(provider) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.status === 200) {
      ctx.body = { ...ctx.body, frontchannel_logout_supported: true, frontchannel_logout_session_supported: true };
    }
    const pending = ctx.state.frontchannel;
    if (ctx.path === '/logout/confirm' && ctx.status === 303 && pending?.length) {
      const next_ = ctx.response.get('Location');
      ctx.status = 200;
      ctx.type = 'html';
      ctx.remove('Location');
      ctx.body = `<!DOCTYPE html><html><head><title>Logger ut</title></head><body>
${pending.map((u) => `<iframe class="frontchannel-logout" src="${escapeHtml(u)}"></iframe>`).join('\n')}
<a id="continue" href="${escapeHtml(next_)}">Fortsett</a>
<script>window.addEventListener('load', function () { location.href = document.getElementById('continue').href; });</script>
</body></html>`;
    }
  });
  provider.on('end_session.success', (ctx) => {
    const { session } = ctx.oidc;
    const initiator = session.state?.clientId;
    const urls = [];
    for (const clientId of Object.keys(session.authorizations ?? {})) {
      if (clientId === initiator || clientId !== config.clientId || !config.frontchannelLogoutUri) continue;
      const url = new URL(config.frontchannelLogoutUri);
      url.searchParams.set('iss', provider.issuer);
      url.searchParams.set('sid', session.sidFor(clientId));
      urls.push(url.href);
    }
    ctx.state.frontchannel = urls;
  });
}

let handler = (req, res) => send(res, 503, 'starting', 'text/plain');
const server = http.createServer((req, res) => handler(req, res));

server.listen(config.port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, providerConfiguration());
  // ID-porten always puts `sid` into the ID token; oidc-provider only does for back-channel clients.
  provider.Client.prototype.includeSid = () => true;
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  installFrontchannelLogout(provider);
  const callback = provider.callback();

  handler = async (req, res) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?\/?$/.exec(new URL(req.url, issuer).pathname);
    if (!match) return callback(req, res);
    try {
      return await handleInteraction(provider, req, res, match[1], match[2]);
    } catch (err) {
      console.error('interaction failed:', err.message);
      return send(res, 400, `<!DOCTYPE html><p id="error">${escapeHtml(err.message)}</p>`);
    }
  };

  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

function shutdown() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, shutdown);
// The Rust launcher keeps a pipe on stdin; when its process dies, so does this one.
if (process.env.OP_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
