// End-to-end test of Roster's Umami users API (/umami/api) driven through the published
// @umami/api-client. Starts the roster binary itself (ROSTER_BIN, default
// ../../target/debug/roster) on a free port with a throwaway SQLite database.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UmamiClient, isUmamiApiError } from '@umami/api-client';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(process.env.ROSTER_BIN ?? path.join(HERE, '../../target/debug/roster'));
const ADMIN_PASSWORD = 'e2e-admin-pass';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let server; // { child, dir, output }
let baseUrl;
const s = {}; // state shared by the steps, in order
const client = (token) => new UmamiClient({ baseUrl, token, timeout: 15_000 });

const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer().once('error', reject);
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
});

async function startServer() {
  if (!fs.existsSync(BIN)) {
    throw new Error(`roster binary not found at ${BIN}: run \`cargo build -p roster-server\` or set ROSTER_BIN`);
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-e2e-'));
  const args = ['--listen', `127.0.0.1:${port}`, '--database-url', `sqlite://${dir}/roster-e2e.db?mode=rwc`,
    '--admin-password', ADMIN_PASSWORD, '--argon2-memory-kib', '1024', '--argon2-iterations', '1'];
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  server = { child, dir, output: '' };
  const keep = (chunk) => { server.output = (server.output + chunk).slice(-8192); };
  child.stdout.on('data', keep).setEncoding('utf8');
  child.stderr.on('data', keep).setEncoding('utf8');
  const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve(`${code ?? sig}`)));
  let spawnError;
  child.once('error', (e) => { spawnError = e; });

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start ${BIN}: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`roster exited early (${await exited}); output:\n${server.output}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`roster not healthy after 60 s; output:\n${server.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  baseUrl = `http://127.0.0.1:${port}/umami/api`;
}

async function stopServer() {
  if (!server) return;
  const { child, dir } = server;
  if (child.pid && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone.finally(() => clearTimeout(timer));
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// Asserts that `promise` rejects with an UmamiApiError of this status (and code).
async function fails(promise, status, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(isUmamiApiError(err), `expected UmamiApiError, got: ${err?.stack ?? err}`);
    const ctx = `${err.method} ${err.url} -> ${err.status} ${JSON.stringify(err.body)}`;
    if (Array.isArray(status)) assert.ok(status.includes(err.status), ctx);
    else assert.equal(err.status, status, ctx);
    if (code) assert.equal(err.code, code, ctx);
    return true;
  });
}

const pick = (o, keys) => Object.fromEntries(keys.map((k) => [k, o?.[k]]));
// Contract `field?: T` (optional, not nullable): either absent or a T, never null.
function optional(obj, key, check) {
  if (!(key in obj)) return;
  assert.notEqual(obj[key], null, `${key} must be omitted or set, not null (contract: optional, not nullable)`);
  check(obj[key]);
}

function assertPage(page, { pageNo, pageSize }) {
  assert.ok(Array.isArray(page.data), 'data is an array');
  for (const k of ['count', 'page', 'pageSize']) assert.equal(typeof page[k], 'number', k);
  for (const k of ['orderBy', 'search']) optional(page, k, (v) => assert.equal(typeof v, 'string', k));
  assert.deepEqual({ page: page.page, pageSize: page.pageSize }, { page: pageNo, pageSize });
  assert.ok(page.data.length <= page.pageSize, 'no more rows than pageSize');
}

function assertTeam(team, expected) {
  assert.match(team.id, UUID);
  assert.ok(typeof team.accessCode === 'string' && team.accessCode.length > 0, 'accessCode');
  assert.deepEqual(pick(team, Object.keys(expected)), expected);
  // Not typed by the contract, but upstream Umami sends them on lists; check them if present.
  optional(team, '_count', (v) => assert.equal(typeof v, 'object', '_count'));
  optional(team, 'teamUser', (v) => assert.ok(Array.isArray(v), 'teamUser is an array'));
}

function assertTeamUser(tu, expected) {
  assert.match(tu.id, UUID);
  assert.deepEqual(pick(tu, Object.keys(expected)), expected);
}

// Runs steps in order; after the first failure the rest are skipped, naming the culprit
// (E2E_KEEP_GOING=1 runs them all anyway).
let broken = null;
function step(name, fn) {
  test(name, async (t) => {
    if (broken && !process.env.E2E_KEEP_GOING) return t.skip(`earlier step failed: ${broken}`);
    try { await fn(t); } catch (e) {
      broken = name;
      if (isUmamiApiError(e)) e.message = `${e.method} ${e.url} -> ${e.status} ${e.code}: ${e.message} ${JSON.stringify(e.body)}`;
      throw e;
    }
  });
}

async function loginAs(username, password) {
  const res = await client().login({ username, password });
  assert.equal(typeof res.token, 'string');
  assert.equal(res.user.username, username);
  return { id: res.user.id, username, password, c: client(res.token), token: res.token };
}

describe('Roster Umami dialect through @umami/api-client', () => {
  after(stopServer);

  step('start roster and wait for /healthz', startServer);

  step('login (admin)', async () => {
    const res = await client().login({ username: 'admin', password: ADMIN_PASSWORD });
    assert.ok(typeof res.token === 'string' && res.token.length > 0, 'token');
    assert.match(res.user.id, UUID);
    assert.deepEqual(pick(res.user, ['username', 'role', 'isAdmin']), { username: 'admin', role: 'admin', isAdmin: true });
    assert.equal(typeof res.user.createdAt, 'string');
    assert.ok(Array.isArray(res.user.teams));
    s.admin = { id: res.user.id, username: 'admin', c: client(res.token) };
  });
  step('login with a wrong password -> 401 incorrect-username-password', async () => {
    await fails(client().login({ username: 'admin', password: 'wrong-password' }), 401, 'incorrect-username-password');
  });
  step('getMe without a token -> 401 unauthorized', async () => {
    await fails(client().getMe(), 401, 'unauthorized');
  });
  step('verify (admin)', async () => {
    const res = await s.admin.c.verify();
    assert.ok(Array.isArray(res.teams), 'verify returns teams');
  });
  step('getMe (admin)', async () => {
    const me = await s.admin.c.getMe();
    assert.deepEqual(pick(me.user, ['id', 'username', 'role', 'isAdmin']), { id: s.admin.id, username: 'admin', role: 'admin', isAdmin: true });
  });

  for (const [key, username, role] of [['admin2', 'e2e-admin', 'admin'], ['user', 'e2e-user', 'user'],
    ['user2', 'e2e-user2', 'user'], ['viewer', 'e2e-viewer', 'view-only']]) {
    step(`createUser role ${role} (${username})`, async () => {
      const password = `${username}-pass`;
      const u = await s.admin.c.createUser({ username, password, role });
      assert.match(u.id, UUID);
      assert.deepEqual(pick(u, ['username', 'role']), { username, role });
      assert.ok(!('password' in u), 'no password in the response');
      s[key] = { id: u.id, username, password };
    });
  }
  step('createUser duplicate username -> 409 conflict', async () => {
    await fails(s.admin.c.createUser({ username: 'e2e-user', password: 'another-pass', role: 'user' }), 409, 'conflict');
  });
  step('getUser (admin reads e2e-user)', async () => {
    const u = await s.admin.c.getUser({ userId: s.user.id });
    assert.deepEqual(pick(u, ['id', 'username', 'role']), { id: s.user.id, username: 'e2e-user', role: 'user' });
    assert.ok(!('password' in u), 'no password in the response');
  });
  step('updateUser role user -> view-only -> user', async () => {
    const down = await s.admin.c.updateUser({ userId: s.user.id, role: 'view-only' });
    assert.deepEqual(pick(down, ['id', 'username', 'role']), { id: s.user.id, username: 'e2e-user', role: 'view-only' });
    const up = await s.admin.c.updateUser({ userId: s.user.id, role: 'user' });
    assert.equal(up.role, 'user');
  });
  step('updateUser password (admin changes e2e-viewer password)', async () => {
    s.viewer.password = 'viewer-new-pass';
    const u = await s.admin.c.updateUser({ userId: s.viewer.id, password: s.viewer.password });
    assert.deepEqual(pick(u, ['id', 'username', 'role']), { id: s.viewer.id, username: 'e2e-viewer', role: 'view-only' });
    await fails(client().login({ username: 'e2e-viewer', password: 'e2e-viewer-pass' }), 401, 'incorrect-username-password');
  });

  step('login (user role)', async () => { Object.assign(s.user, await loginAs('e2e-user', s.user.password)); });
  step('getUser of self (user role)', async () => {
    const u = await s.user.c.getUser({ userId: s.user.id });
    assert.deepEqual(pick(u, ['id', 'username', 'role']), { id: s.user.id, username: 'e2e-user', role: 'user' });
  });
  step('getUser of another user (user role) -> 403 forbidden', async () => {
    await fails(s.user.c.getUser({ userId: s.admin.id }), 403, 'forbidden');
  });
  step('updateUser self with role (user role) -> 403 forbidden', async () => {
    await fails(s.user.c.updateUser({ userId: s.user.id, role: 'admin' }), 403, 'forbidden');
  });
  step('updateUser self with only password (user role)', async () => {
    s.user.password = 'user-new-pass';
    const u = await s.user.c.updateUser({ userId: s.user.id, password: s.user.password });
    assert.deepEqual(pick(u, ['id', 'username', 'role']), { id: s.user.id, username: 'e2e-user', role: 'user' });
    Object.assign(s.user, await loginAs('e2e-user', s.user.password)); // a password change may end sessions
  });
  step('login (view-only, new password) + createTeam -> 403 forbidden', async () => {
    Object.assign(s.viewer, await loginAs('e2e-viewer', s.viewer.password));
    await fails(s.viewer.c.createTeam({ name: 'Viewer Team' }), 403, 'forbidden');
  });
  step('createWebsite (view-only) -> 403 forbidden', async () => {
    await fails(s.viewer.c.createWebsite({ name: 'Viewer Site', domain: 'viewer.example.com' }), 403, 'forbidden');
  });

  step('createTeam (user) -> [team, owner membership]', async () => {
    const res = await s.user.c.createTeam({ name: 'E2E Team' });
    assert.ok(Array.isArray(res) && res.length === 2, `expected [team, teamUser], got ${JSON.stringify(res)}`);
    const [team, owner] = res;
    s.team = team;
    assertTeam(team, { name: 'E2E Team' });
    assertTeamUser(owner, { teamId: team.id, userId: s.user.id, role: 'team-owner' });
  });
  step('getTeam', async () => {
    assertTeam(await s.user.c.getTeam({ teamId: s.team.id }), { id: s.team.id, name: 'E2E Team', accessCode: s.team.accessCode });
  });
  step('updateTeam name', async () => {
    const team = await s.user.c.updateTeam({ teamId: s.team.id, name: 'E2E Team Renamed' });
    assertTeam(team, { id: s.team.id, name: 'E2E Team Renamed', accessCode: s.team.accessCode });
  });
  step('getTeamUsers', async () => {
    const page = await s.user.c.getTeamUsers({ teamId: s.team.id, page: 1, pageSize: 10 });
    assertPage(page, { pageNo: 1, pageSize: 10 });
    assert.equal(page.count, 1);
    assertTeamUser(page.data[0], { teamId: s.team.id, userId: s.user.id, role: 'team-owner' });
    optional(page.data[0], 'user', (v) => assert.deepEqual(v, { id: s.user.id, username: 'e2e-user' }));
  });

  step('createWebsite personal', async () => {
    const w = s.site = await s.user.c.createWebsite({ name: 'Personal Site', domain: 'personal.example.com' });
    assert.match(w.id, UUID);
    assert.deepEqual(pick(w, ['name', 'domain', 'userId', 'teamId']),
      { name: 'Personal Site', domain: 'personal.example.com', userId: s.user.id, teamId: null });
  });
  step('createWebsite for the team', async () => {
    const w = s.teamSite = await s.user.c.createWebsite({ name: 'Team Site', domain: 'team.example.org', teamId: s.team.id });
    assert.match(w.id, UUID);
    assert.deepEqual(pick(w, ['name', 'domain', 'teamId']), { name: 'Team Site', domain: 'team.example.org', teamId: s.team.id });
  });
  step('getWebsite', async () => {
    const w = await s.user.c.getWebsite({ websiteId: s.site.id });
    assert.deepEqual(pick(w, ['id', 'name', 'domain', 'userId']), { id: s.site.id, name: 'Personal Site', domain: 'personal.example.com', userId: s.user.id });
  });
  step('updateWebsite name', async () => {
    const w = await s.user.c.updateWebsite(s.site.id, { name: 'Personal Site Renamed' });
    assert.deepEqual(pick(w, ['id', 'name', 'domain']), { id: s.site.id, name: 'Personal Site Renamed', domain: 'personal.example.com' });
  });
  const personal = () => ({ id: s.site.id, name: 'Personal Site Renamed', domain: 'personal.example.com',
    user: { id: s.user.id, username: 'e2e-user' } });
  step('listWebsites page/pageSize/search/orderBy', async () => {
    const page = await s.user.c.listWebsites({ page: 1, pageSize: 10, search: 'personal', orderBy: 'name' });
    assertPage(page, { pageNo: 1, pageSize: 10 });
    assert.equal(page.count, 1);
    assert.deepEqual(pick(page.data[0], ['id', 'name', 'domain', 'user']), personal());
  });
  step('listWebsites includeTeams, page 2 of size 1', async () => {
    const page = await s.user.c.listWebsites({ includeTeams: 'true', page: 2, pageSize: 1, orderBy: 'name', sortDescending: 'false' });
    assertPage(page, { pageNo: 2, pageSize: 1 });
    assert.equal(page.count, 2);
    assert.equal(page.data.length, 1);
    assert.equal(page.data[0].id, s.teamSite.id);
  });
  step('getMyWebsites', async () => {
    const page = await s.user.c.getMyWebsites({ page: 1, pageSize: 5, orderBy: 'name' });
    assertPage(page, { pageNo: 1, pageSize: 5 });
    assert.deepEqual(pick(page.data.find((w) => w.id === s.site.id), ['id', 'name', 'domain', 'user']), personal());
  });
  step('getUserWebsites (admin, search)', async () => {
    const page = await s.admin.c.getUserWebsites({ userId: s.user.id, page: 1, pageSize: 10, search: 'personal', orderBy: 'name' });
    assertPage(page, { pageNo: 1, pageSize: 10 });
    assert.equal(page.count, 1);
    assert.deepEqual(pick(page.data[0], ['id', 'name', 'domain', 'user']), personal());
  });
  step('getUserWebsites of another user (user role) -> 403 forbidden', async () => {
    await fails(s.user.c.getUserWebsites({ userId: s.admin.id }), 403, 'forbidden');
  });

  for (const [name, call] of [
    ['getUserTeams', () => s.user.c.getUserTeams({ userId: s.user.id, page: 1, pageSize: 10 })],
    ['getMyTeams', () => s.user.c.getMyTeams({ page: 1, pageSize: 10 })],
    ['getTeams', () => s.user.c.getTeams({ page: 1, pageSize: 10 })],
  ]) {
    step(name, async () => {
      const page = await call();
      assertPage(page, { pageNo: 1, pageSize: 10 });
      assert.equal(page.count, 1);
      assertTeam(page.data[0], { id: s.team.id, name: 'E2E Team Renamed', accessCode: s.team.accessCode });
    });
  }

  step('joinTeam by access code (e2e-user2)', async () => {
    Object.assign(s.user2, await loginAs('e2e-user2', s.user2.password));
    const tu = await s.user2.c.joinTeam({ accessCode: s.team.accessCode });
    assertTeamUser(tu, { teamId: s.team.id, userId: s.user2.id, role: 'team-member' });
  });
  step('joinTeam with an unknown access code -> 404 team-not-found', async () => {
    await fails(s.user2.c.joinTeam({ accessCode: 'no-such-code' }), 404, 'team-not-found');
  });
  step('createTeamUser (admin adds e2e-viewer as team-member)', async () => {
    const tu = await s.admin.c.createTeamUser({ teamId: s.team.id, userId: s.viewer.id, role: 'team-member' });
    assertTeamUser(tu, { teamId: s.team.id, userId: s.viewer.id, role: 'team-member' });
  });
  step('getTeamUser / updateTeamUser', async () => {
    assertTeamUser(await s.user.c.getTeamUser({ teamId: s.team.id, userId: s.viewer.id }),
      { teamId: s.team.id, userId: s.viewer.id, role: 'team-member' });
    assertTeamUser(await s.user.c.updateTeamUser({ teamId: s.team.id, userId: s.viewer.id, role: 'team-view-only' }),
      { teamId: s.team.id, userId: s.viewer.id, role: 'team-view-only' });
  });
  step('getTeamWebsites', async () => {
    const page = await s.viewer.c.getTeamWebsites({ teamId: s.team.id, page: 1, pageSize: 10 });
    assertPage(page, { pageNo: 1, pageSize: 10 });
    assert.deepEqual(page.data.map((w) => w.id), [s.teamSite.id]);
  });
  step('deleteTeamUser', async () => {
    assert.deepEqual(await s.user.c.deleteTeamUser({ teamId: s.team.id, userId: s.viewer.id }), { ok: true });
    const page = await s.user.c.getTeamUsers({ teamId: s.team.id });
    assert.deepEqual(page.data.map((tu) => tu.userId).sort(), [s.user.id, s.user2.id].sort());
  });

  step('createMyApiKey, then the key works as the apiKey option and as a token', async () => {
    const made = await s.user.c.createMyApiKey({ name: 'e2e' });
    assert.match(made.key, /^umami_[0-9a-zA-Z]{32}$/);
    assert.equal(made.keyPrefix, made.key.slice(0, 14));
    const keys = await s.user.c.getMyApiKeys();
    assert.deepEqual(keys.map((k) => k.id), [made.id]);
    assert.equal(keys[0].key, undefined);
    for (const c of [new UmamiClient({ baseUrl, apiKey: made.key }), client(made.key)]) {
      const me = await c.getMe();
      assert.equal(me.authType, 'api-key');
      assert.equal(me.user.id, s.user.id);
      await fails(c.getMyApiKeys(), 403, 'forbidden');
    }
    s.userKey = made;
  });
  step('deleteMyApiKey, then the key gets 401', async () => {
    assert.deepEqual(await s.user.c.deleteMyApiKey({ keyId: s.userKey.id }), { ok: true });
    await fails(client(s.userKey.key).getMe(), 401, 'unauthorized');
    await fails(s.user.c.deleteMyApiKey({ keyId: s.userKey.id }), 404, 'not-found');
  });

  step('deleteWebsite', async () => {
    assert.deepEqual(await s.user.c.deleteWebsite(s.site.id), { ok: true });
    await fails(s.user.c.getWebsite(s.site.id), 404, 'not-found');
  });
  step('deleteTeam', async () => {
    assert.deepEqual(await s.user.c.deleteTeam({ teamId: s.team.id }), { ok: true });
    await fails(s.user.c.getTeam({ teamId: s.team.id }), 404, 'not-found');
  });

  step('deleteUser self (admin) -> 400 bad-request', async () => {
    await fails(s.admin.c.deleteUser({ userId: s.admin.id }), 400, 'bad-request');
  });
  step('deleteUser with a malformed id -> 404 or 400, never 500', async () => {
    await fails(s.admin.c.deleteUser({ userId: 'not-a-uuid' }), [400, 404]);
  });
  step('deleteUser (admin deletes the e2e users)', async () => {
    for (const key of ['admin2', 'user', 'user2', 'viewer']) {
      assert.deepEqual(await s.admin.c.deleteUser({ userId: s[key].id }), { ok: true }, key);
    }
    await fails(s.admin.c.getUser({ userId: s.user.id }), 404, 'not-found');
    await fails(s.user.c.getMe(), 401, 'unauthorized');
  });

  step('logout, then the old token gets 401 on getMe', async () => {
    assert.deepEqual(await s.admin.c.logout(), { ok: true });
    await fails(s.admin.c.getMe(), 401, 'unauthorized');
  });
});
