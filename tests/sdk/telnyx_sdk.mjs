// Drives `oauthreg serve` with the official Telnyx SDK for Node, unmodified,
// pointed at the server with `baseURL`: oauth.register and every oauthClients
// call. MANUAL, not run by CI (CI must not depend on npm). See tests/sdk/README.md.
//
//   cd /tmp && npm install telnyx
//   oauthreg serve --listen 127.0.0.1:0          # prints {"listening": URL, "api_key": KEY}
//   NODE_PATH=/tmp/node_modules node tests/sdk/telnyx_sdk.mjs URL KEY
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const Telnyx = require('telnyx').default ?? require('telnyx');

const [baseURL, apiKey] = process.argv.slice(2);
if (!baseURL || !apiKey) {
  console.error('usage: node telnyx_sdk.mjs BASE_URL API_KEY');
  process.exit(2);
}
// maxRetries 0: a failure shows as it is, not hidden by a retry.
const client = new Telnyx({ apiKey, baseURL, maxRetries: 0 });
const show = (label, value) => console.log(label, JSON.stringify(value));

const registered = await client.oauth.register({
  redirect_uris: ['https://example.com/callback'],
  client_name: 'My OAuth Application',
  grant_types: ['authorization_code', 'refresh_token'],
  scope: 'admin',
});
show('oauth.register ->', registered);
assert.ok(registered.client_id && registered.client_secret);

const created = await client.oauthClients.create({
  allowed_grant_types: ['client_credentials'],
  allowed_scopes: ['admin'],
  client_type: 'confidential',
  name: 'My OAuth client',
});
show('oauthClients.create ->', created);
const id = created.data.client_id;
assert.ok(created.data.client_secret);

const publicClient = await client.oauthClients.create({
  allowed_grant_types: ['authorization_code'],
  allowed_scopes: ['admin'],
  client_type: 'public',
  name: 'My public client',
  redirect_uris: ['https://example.com/cb'],
});
show('oauthClients.create (public) ->', publicClient);

const retrieved = await client.oauthClients.retrieve(id);
show('oauthClients.retrieve ->', retrieved);
assert.equal(retrieved.data.client_id, id);

const updated = await client.oauthClients.update(id, { name: 'Renamed by the SDK', allowed_scopes: ['admin', 'read'] });
show('oauthClients.update ->', updated);
assert.equal(updated.data.name, 'Renamed by the SDK');

// list: one page, then auto-pagination across pages of one
const page = await client.oauthClients.list({ 'page[size]': 1, 'filter[name][contains]': 'my' });
show('oauthClients.list (page 1, size 1) ->', { data: page.data, meta: page.meta });
const all = [];
for await (const c of client.oauthClients.list({ 'page[size]': 1 })) all.push(c.client_id);
show('oauthClients.list (auto-paginated ids) ->', all);
assert.equal(all.length, 3); // the registration and the two creates
const filtered = await client.oauthClients.list({ 'filter[client_type]': 'public', 'filter[allowed_grant_types][contains]': 'authorization_code' });
show('oauthClients.list (filters) ->', filtered.data.map((c) => c.name));

const deleted = await client.oauthClients.delete(id);
show('oauthClients.delete ->', deleted ?? null);
try {
  await client.oauthClients.retrieve(id);
  assert.fail('retrieve after delete should fail');
} catch (e) {
  show('oauthClients.retrieve after delete ->', { status: e.status, error: e.error });
  assert.equal(e.status, 404);
}
try {
  await client.oauthClients.create({ allowed_grant_types: ['client_credentials'], allowed_scopes: ['admin'],
    client_type: 'public', name: 'bad' });
} catch (e) {
  show('oauthClients.create (public + client_credentials) ->', { status: e.status, error: e.error });
  assert.equal(e.status, 422);
}
// The reference's own example registers with no body at all: RFC 7591 needs redirect_uris
// for the default grant, so this is a 400 with an RFC 7591 error, not a crash.
try {
  await client.oauth.register();
} catch (e) {
  show('oauth.register() with no body ->', { status: e.status, error: e.error });
  assert.equal(e.status, 400);
}
console.log('telnyx SDK: every call answered as expected');
