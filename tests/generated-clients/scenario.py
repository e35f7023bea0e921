"""Drives every operation of docs/openapi.json through the Python client generated from it.

Run by run.sh, which generates the client package `roster_client` into a temporary folder and
starts a server:

    python scenario.py --spec docs/openapi.json --client-dir DIR --base-url URL --admin-password PW

Every call goes through `Api.call` (success expected) or `Api.fail` (an error expected), which
checks the status code, that the generated client parsed the body into the documented model, and
that the raw body matches the documented schema exactly (no undeclared field either). At the end
every operationId of the document must have been called at least once: a new operation fails
this run until an area below calls it.

To cover a new operation: call it in the area function of its resource (or add an area to
AREAS), with `api.call(module, client, ...)` for the expected answer and `api.fail(module,
client, status, code, ...)` for an expected error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import re
import sys
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

import httpx
from openapi_schema_validator import OAS30Validator, oas30_format_checker

# Filled in by main() once the generated package is importable.
rc: Any = None  # the generated package, `roster_client`
m: Any = None  # its `models` module
ops: Any = None  # namespace of its api modules: ops.umami_users.create_user, ...

# Responses whose undeclared fields are known and tolerated for now, as
# {(operationId, status): {"json.path.field", ...}}. Each entry is a finding to fix in the
# server or the document; keep this empty.
ALLOWED_UNDECLARED: dict[tuple[str, int], set[str]] = {}


class Failure(AssertionError):
    pass


def check(cond: object, message: str) -> None:
    if not cond:
        raise Failure(message)


def eq(actual: object, expected: object, what: str) -> None:
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


# --- the document --------------------------------------------------------------------------


def resolve(spec: dict, schema: Any, strict: bool, depth: int = 0) -> Any:
    """The schema with every $ref inlined; `strict` forbids properties an object does not
    declare (objects that declare `additionalProperties` keep it)."""
    check(depth < 50, "the document's schemas nest too deep (a $ref cycle?)")
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return resolve(spec, spec["components"]["schemas"][name], strict, depth + 1)
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {k: resolve(spec, v, strict, depth + 1) for k, v in out["properties"].items()}
        if strict and "additionalProperties" not in out:
            out["additionalProperties"] = False
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = resolve(spec, out["additionalProperties"], strict, depth + 1)
    if "items" in out:
        out["items"] = resolve(spec, out["items"], strict, depth + 1)
    for key in ("oneOf", "anyOf", "allOf"):
        if key in out:
            out[key] = [resolve(spec, s, strict, depth + 1) for s in out[key]]
    return out


def snake_case(op_id: str) -> str:
    """The generator's module name for an operationId: `mcphubGetUserStats` ->
    `mcphub_get_user_stats`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", op_id).replace("-", "_").lower()


@dataclass
class Operation:
    op_id: str
    method: str
    path: str
    success: int
    responses: dict  # status -> response object
    module: ModuleType | None = None


def load_operations(spec: dict) -> dict[str, Operation]:
    out: dict[str, Operation] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            op_id = op.get("operationId")
            check(op_id, f"{method.upper()} {path} has no operationId")
            check(op_id not in out, f"operationId {op_id} is used twice")
            successes = sorted(int(s) for s in op["responses"] if s.startswith("2"))
            check(len(successes) == 1, f"{op_id}: expected one 2xx response, got {successes}")
            out[op_id] = Operation(op_id, method.upper(), path, successes[0], op["responses"])
    return out


def bind_modules(operations: dict[str, Operation], package: ModuleType) -> None:
    """Pairs each operation with the generated module that calls it; an operation the
    generator skipped fails the run here."""
    modules: dict[str, ModuleType] = {}
    api = importlib.import_module(package.__name__ + ".api")
    for tag in pkgutil.iter_modules(api.__path__):
        tag_pkg = importlib.import_module(f"{api.__name__}.{tag.name}")
        for mod in pkgutil.iter_modules(tag_pkg.__path__):
            check(mod.name not in modules, f"two generated modules are named {mod.name}")
            modules[mod.name] = importlib.import_module(f"{tag_pkg.__name__}.{mod.name}")
    missing = []
    for op in operations.values():
        module = modules.pop(snake_case(op.op_id), None)
        if module is None or not hasattr(module, "sync_detailed"):
            missing.append(f"{op.op_id} ({op.method} {op.path})")
        op.module = module
    check(not missing, "the generator made no function for: " + ", ".join(missing))
    check(not modules, f"generated modules with no operation in the document: {sorted(modules)}")


# --- the call wrapper ----------------------------------------------------------------------


class Api:
    def __init__(self, spec: dict, base_url: str):
        self.spec = spec
        self.base_url = base_url
        self.operations = load_operations(spec)
        self.by_module: dict[str, Operation] = {}
        self.calls: Counter[str] = Counter()
        self.clients: list[Any] = []

    def bind(self, package: ModuleType) -> None:
        bind_modules(self.operations, package)
        self.by_module = {op.module.__name__: op for op in self.operations.values()}

    # Clients -----------------------------------------------------------------------------

    def anonymous(self, headers: dict[str, str] | None = None) -> Any:
        client = rc.Client(
            base_url=self.base_url,
            headers=headers or {},
            timeout=httpx.Timeout(30.0),
            raise_on_unexpected_status=True,
        )
        self.clients.append(client)
        return client

    def bearer(self, token: str) -> Any:
        client = rc.AuthenticatedClient(
            base_url=self.base_url, token=token, timeout=httpx.Timeout(30.0), raise_on_unexpected_status=True
        )
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.get_httpx_client().close()

    # Calls -------------------------------------------------------------------------------

    def _send(self, module: ModuleType, client: Any, kwargs: dict) -> tuple[Operation, Any, str]:
        op = self.by_module.get(module.__name__)
        check(op is not None, f"{module.__name__} is no operation of the document")
        request = module._get_kwargs(**kwargs)
        where = f"{op.op_id}: {request['method'].upper()} {request['url']}"
        try:
            response = module.sync_detailed(client=client, **kwargs)
        except rc.errors.UnexpectedStatus as e:
            raise Failure(
                f"{where} -> {e.status_code}, a status the document does not list for it: {e.content[:500]!r}"
            ) from None
        except Exception as e:
            raise Failure(f"{where}: the generated client could not handle the answer: {e!r}") from e
        self.calls[op.op_id] += 1
        where += f" -> {int(response.status_code)} {response.content[:400].decode(errors='replace')}"
        self._conforms(op, response, where)
        return op, response, where

    def _conforms(self, op: Operation, response: Any, where: str) -> None:
        status = int(response.status_code)
        documented = op.responses.get(str(status))
        check(documented is not None, f"{where}: status {status} is not documented")
        content = documented.get("content")
        if not content:
            check(response.content == b"", f"{where}: a body where the document declares none")
            return
        check(response.parsed is not None, f"{where}: the generated client parsed nothing")
        media_type = response.headers.get("content-type", "")
        check(media_type in content, f"{where}: content-type {media_type!r}, documented: {list(content)}")
        body = json.loads(response.content)
        schema = content[media_type]["schema"]
        loose = OAS30Validator(resolve(self.spec, schema, False), format_checker=oas30_format_checker)
        errors = [_describe(e) for e in loose.iter_errors(body)]
        check(not errors, f"{where}: the body does not match its schema: {errors}")
        strict = OAS30Validator(resolve(self.spec, schema, True), format_checker=oas30_format_checker)
        undeclared = set()
        for e in strict.iter_errors(body):
            if e.validator == "additionalProperties":
                extra = set(e.instance) - set(e.schema.get("properties", {}))
                undeclared |= {_path([*e.absolute_path, k]) for k in extra}
            else:  # a oneOf that only the undeclared fields make ambiguous or unmatched
                undeclared.add(f"{_path(e.absolute_path)}: {e.message[:200]}")
        undeclared -= ALLOWED_UNDECLARED.get((op.op_id, status), set())
        check(not undeclared, f"{where}: fields the schema does not declare: {sorted(undeclared)}")

    def call(self, module: ModuleType, client: Any, **kwargs: Any) -> Any:
        """Calls the operation, expects its documented success status and returns the
        parsed body."""
        op, response, where = self._send(module, client, kwargs)
        eq(int(response.status_code), op.success, where)
        check(
            not isinstance(response.parsed, (m.UmamiError,))
            and not (isinstance(response.parsed, m.McpMessage) and response.parsed.success is not True),
            f"{where}: a success parsed as an error model",
        )
        if hasattr(response.parsed, "success"):  # the MCPHub envelope
            eq(response.parsed.success, True, f"{where}: success")
        return response.parsed

    def fail(self, module: ModuleType, client: Any, status: int, code: str | None = None, **kwargs: Any) -> Any:
        """Calls the operation, expects this error status and checks the dialect's error
        body: Umami's `{error: {code, message, status}}` (with `code` when given), MCPHub's
        `{success: false, message}`."""
        op, response, where = self._send(module, client, kwargs)
        eq(int(response.status_code), status, where)
        parsed = response.parsed
        if op.path.startswith("/umami/"):
            check(isinstance(parsed, m.UmamiError), f"{where}: not parsed as UmamiError: {parsed!r}")
            eq(parsed.error.status, status, f"{where}: error.status")
            eq(parsed.error.code, code or CODES[status], f"{where}: error.code")
            check(parsed.error.message, f"{where}: empty error.message")
        else:
            check(isinstance(parsed, m.McpMessage), f"{where}: not parsed as McpMessage: {parsed!r}")
            eq(parsed.success, False, f"{where}: success")
            check(parsed.message, f"{where}: empty message")
        return parsed

    def uncovered(self) -> list[str]:
        return sorted(
            f"{op.op_id} ({op.method} {op.path})" for op in self.operations.values() if not self.calls[op.op_id]
        )


CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 409: "conflict"}


def _describe(error: Any) -> str:
    """A validation error; for a oneOf, why each of its schemas failed."""
    if error.context:
        why = "; ".join(f"[{e.relative_schema_path[0]}] {_describe(e)}" for e in error.context)
        return f"{_path(error.absolute_path)}: matches none of its {error.validator} schemas: {why}"
    return f"{_path(error.absolute_path)}: {error.message[:300]}"


def _path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


# --- the scenario --------------------------------------------------------------------------


@dataclass
class User:
    username: str
    password: str
    id: uuid.UUID | None = None
    client: Any = None  # an AuthenticatedClient logged in as this user


@dataclass
class State:
    api: Api
    admin: User
    users: dict[str, User] = field(default_factory=dict)
    team_id: uuid.UUID | None = None
    access_code: str | None = None
    website_id: uuid.UUID | None = None


NOBODY = uuid.UUID("00000000-0000-4000-8000-000000000001")


def umami_login(s: State, user: User) -> Any:
    """Logs in through the Umami dialect and returns a client carrying the token."""
    result = s.api.call(ops.umami_auth.login, s.api.anonymous(), body=m.UmamiLogin(username=user.username, password=user.password))
    check(isinstance(result, m.UmamiLoginResult), f"login: {result!r}")
    eq(result.user.username.lower(), user.username.lower(), "login user.username")
    check(len(result.token) >= 32, f"login token too short: {result.token!r}")
    user.id = result.user.id
    return s.api.bearer(result.token)


def mcphub_auth(s: State) -> None:
    api, a = s.api, ops.mcp_hub_auth
    result = api.call(a.mcphub_login, api.anonymous(), body=m.McpLogin(username=s.admin.username, password=s.admin.password))
    eq(result.message, "Login successful", "mcphubLogin message")
    eq(result.user.username, s.admin.username, "mcphubLogin user.username")
    eq(result.user.is_admin, True, "mcphubLogin user.isAdmin")
    eq(result.user.role, m.McpRole.ADMIN, "mcphubLogin user.role")
    eq(sorted(result.user.permissions), ["*", "x"], "mcphubLogin user.permissions")
    mcp_admin = api.bearer(result.token)

    api.fail(a.mcphub_login, api.anonymous(), 401, body=m.McpLogin(username=s.admin.username, password="not-the-password"))
    api.fail(a.mcphub_login, api.anonymous(), 401, body=m.McpLogin(username="nobody-at-all", password="not-the-password"))

    me = api.call(a.mcphub_get_current_user, mcp_admin)
    eq(me.user.username, s.admin.username, "mcphubGetCurrentUser user.username")
    eq(me.user.is_admin, True, "mcphubGetCurrentUser user.isAdmin")
    # MCPHub's web frontend sends the token in x-auth-token; an Umami token works too.
    via_header = api.anonymous({"x-auth-token": result.token})
    eq(api.call(a.mcphub_get_current_user, via_header).user.username, s.admin.username, "x-auth-token user")
    eq(api.call(a.mcphub_get_current_user, s.admin.client).user.username, s.admin.username, "umami token user")
    api.fail(a.mcphub_get_current_user, api.anonymous(), 401)
    api.fail(a.mcphub_get_current_user, api.bearer("0" * 64), 401)


def mcphub_users(s: State) -> None:
    api, u = s.api, ops.mcp_hub_users
    admin = s.admin.client
    body = m.McpCreateUser(
        username="Mcp-Alice", password="alice-pass-1", role=m.McpRole.USER,
        email="alice@example.com", servers=["srv-a", "srv-b"], groups=["grp-1"],
    )
    created = api.call(u.mcphub_create_user, admin, body=body)
    eq(created.data.username, "Mcp-Alice", "mcphubCreateUser data.username")
    eq(created.data.role, m.McpRole.USER, "mcphubCreateUser data.role")
    eq(created.data.is_admin, False, "mcphubCreateUser data.isAdmin")
    eq(created.data.email, "alice@example.com", "mcphubCreateUser data.email")
    eq(sorted(created.data.servers), ["srv-a", "srv-b"], "mcphubCreateUser data.servers")
    eq(created.data.groups, ["grp-1"], "mcphubCreateUser data.groups")
    api.fail(u.mcphub_create_user, admin, 409, body=m.McpCreateUser(username="mcp-alice", password="other-pass"))
    api.fail(u.mcphub_create_user, admin, 400, body=m.McpCreateUser(username="mcp-short", password="123"))
    # isAdmin in place of role, no email: `email` is then left out of the answer.
    admin2 = api.call(u.mcphub_create_user, admin, body=m.McpCreateUser(username="mcp-admin2", password="admin2-pass", is_admin=True))
    eq(admin2.data.role, m.McpRole.ADMIN, "isAdmin: true creates an admin")
    check(isinstance(admin2.data.email, rc.types.Unset), f"no email: expected it left out, got {admin2.data.email!r}")

    listed = api.call(u.mcphub_list_users, admin)
    names = [user.username for user in listed.data]
    check({"admin", "Mcp-Alice", "mcp-admin2"} <= set(names), f"mcphubListUsers: {names}")
    eq(names, sorted(names, key=str.lower), "mcphubListUsers order")

    got = api.call(u.mcphub_get_user, admin, username="MCP-ALICE")  # names are case-insensitive
    eq(got.data.username, "Mcp-Alice", "mcphubGetUser data.username")
    api.fail(u.mcphub_get_user, admin, 404, username="mcp-nobody")

    update = m.McpUpdateUser(email="", groups=["grp-2", "grp-3"], role=m.McpRole.VIEW_ONLY)
    updated = api.call(u.mcphub_update_user, admin, username="mcp-alice", body=update)
    eq(updated.data.role, m.McpRole.VIEW_ONLY, "mcphubUpdateUser data.role")
    eq(sorted(updated.data.groups), ["grp-2", "grp-3"], "mcphubUpdateUser data.groups")
    eq(sorted(updated.data.servers), ["srv-a", "srv-b"], "mcphubUpdateUser keeps servers")
    check(isinstance(updated.data.email, rc.types.Unset), "mcphubUpdateUser: an empty email removes it")
    unchanged = api.call(u.mcphub_update_user, admin, username="mcp-alice", body=m.McpUpdateUser())
    eq(unchanged.data.to_dict(), updated.data.to_dict(), "an empty update changes nothing")
    api.fail(u.mcphub_update_user, admin, 404, username="mcp-nobody", body=m.McpUpdateUser(groups=[]))
    api.fail(u.mcphub_update_user, admin, 400, username="mcp-alice", body=m.McpUpdateUser(is_admin=True, role=m.McpRole.USER))

    stats = api.call(u.mcphub_get_user_stats, admin)
    eq(stats.data.total_users, len(names), "mcphubGetUserStats totalUsers")
    eq(stats.data.admin_users + stats.data.regular_users, stats.data.total_users, "admin + regular users")
    eq(stats.data.users_per_server["srv-a"], 1, "usersPerServer[srv-a]")
    eq(stats.data.users_per_group["grp-2"], 1, "usersPerGroup[grp-2]")

    # A non-admin is refused every /users endpoint, and no token is a 401.
    alice = api.call(ops.mcp_hub_auth.mcphub_login, api.anonymous(), body=m.McpLogin(username="mcp-alice", password="alice-pass-1"))
    eq(alice.user.permissions, [""], "a non-admin's permissions")
    alice_client = api.bearer(alice.token)
    eq(api.call(ops.mcp_hub_auth.mcphub_get_current_user, alice_client).user.username, "Mcp-Alice", "alice's user")
    api.fail(u.mcphub_list_users, alice_client, 403)
    api.fail(u.mcphub_get_user, alice_client, 403, username="admin")
    api.fail(u.mcphub_create_user, alice_client, 403, body=m.McpCreateUser(username="mcp-x", password="x-pass-123"))
    api.fail(u.mcphub_update_user, alice_client, 403, username="mcp-alice", body=m.McpUpdateUser(role=m.McpRole.ADMIN))
    api.fail(u.mcphub_delete_user, alice_client, 403, username="mcp-admin2")
    api.fail(u.mcphub_get_user_stats, alice_client, 403)
    api.fail(u.mcphub_list_users, api.anonymous(), 401)

    api.fail(u.mcphub_delete_user, admin, 400, username=s.admin.username)  # not oneself
    deleted = api.call(u.mcphub_delete_user, admin, username="mcp-alice")
    eq(deleted.message, "User deleted successfully", "mcphubDeleteUser message")
    api.fail(u.mcphub_get_user, admin, 404, username="mcp-alice")
    api.fail(u.mcphub_delete_user, admin, 404, username="mcp-alice")
    api.fail(ops.mcp_hub_auth.mcphub_get_current_user, alice_client, 401)  # deletion ends sessions
    api.call(u.mcphub_delete_user, admin, username="mcp-admin2")


def umami_auth(s: State) -> None:
    api, a = s.api, ops.umami_auth
    err = api.fail(a.login, api.anonymous(), 401, "incorrect-username-password", body=m.UmamiLogin(username="admin", password="wrong-password"))
    check("invalid username or password" in err.error.message, f"login error message: {err.error.message!r}")
    api.fail(a.login, api.anonymous(), 401, "incorrect-username-password", body=m.UmamiLogin(username="nobody-here", password="wrong-password"))

    verified = api.call(a.verify, s.admin.client)
    eq(verified.username, s.admin.username, "verify username")
    eq(verified.id, s.admin.id, "verify id")
    eq(verified.role, m.UmamiRole.ADMIN, "verify role")
    eq(verified.is_admin, True, "verify isAdmin")
    api.fail(a.verify, api.anonymous(), 401)
    api.fail(a.verify, api.bearer("f" * 64), 401)

    me = api.call(a.get_me, s.admin.client)
    eq(me.auth_type, "session", "getMe authType")
    eq(me.user.id, s.admin.id, "getMe user.id")
    api.fail(a.get_me, api.anonymous(), 401)


def umami_users(s: State) -> None:
    api, u = s.api, ops.umami_users
    admin = s.admin.client
    for name, role in [("bob", m.UmamiRole.USER), ("carol", m.UmamiRole.USER), ("dave", m.UmamiRole.USER), ("vera", m.UmamiRole.VIEW_ONLY)]:
        user = User(name, f"{name}-password")
        created = api.call(u.create_user, admin, body=m.UmamiCreateUser(username=name, password=user.password, role=role))
        eq(created.username, name, "createUser username")
        eq(created.role, role, "createUser role")
        user.client = umami_login(s, user)
        eq(user.id, created.id, f"{name}'s id at login")
        s.users[name] = user
    bob, carol, dave, vera = (s.users[n] for n in ("bob", "carol", "dave", "vera"))

    chosen = uuid.UUID("7b0c5b3e-6f39-4f43-9d57-6c1e0c7a1a11")
    temp = api.call(u.create_user, admin, body=m.UmamiCreateUser(username="temp", password="temp-password", id=chosen))
    eq(temp.id, chosen, "createUser keeps a chosen id")
    eq(temp.role, m.UmamiRole.USER, "createUser role defaults to user")
    api.fail(u.create_user, admin, 409, body=m.UmamiCreateUser(username="other", password="other-password", id=chosen))
    api.fail(u.create_user, admin, 409, body=m.UmamiCreateUser(username="BOB", password="other-password"))
    api.fail(u.create_user, admin, 400, body=m.UmamiCreateUser(username="short", password="12345"))
    api.fail(u.create_user, bob.client, 403, body=m.UmamiCreateUser(username="x-user", password="x-password"))

    got = api.call(u.get_user, admin, user_id=bob.id)
    eq((got.id, got.username, got.role), (bob.id, "bob", m.UmamiRole.USER), "getUser")
    eq(api.call(u.get_user, bob.client, user_id=bob.id).username, "bob", "getUser of oneself")
    api.fail(u.get_user, bob.client, 403, user_id=carol.id)
    api.fail(u.get_user, admin, 404, user_id=NOBODY)

    renamed = api.call(u.update_user, admin, user_id=temp.id, body=m.UmamiUpdateUser(username="temp-renamed", role=m.UmamiRole.VIEW_ONLY))
    eq((renamed.username, renamed.role), ("temp-renamed", m.UmamiRole.VIEW_ONLY), "updateUser")
    eq(api.call(u.get_user, admin, user_id=temp.id).username, "temp-renamed", "getUser after updateUser")
    # Non-admins may change only their own password.
    api.fail(u.update_user, dave.client, 403, user_id=dave.id, body=m.UmamiUpdateUser(role=m.UmamiRole.ADMIN))
    api.fail(u.update_user, dave.client, 403, user_id=carol.id, body=m.UmamiUpdateUser(password="hijacked-pass"))
    api.call(u.update_user, dave.client, user_id=dave.id, body=m.UmamiUpdateUser(password="dave-new-password"))
    api.fail(ops.umami_auth.verify, dave.client, 401)  # a password change ends every session
    dave.password = "dave-new-password"
    dave.client = umami_login(s, dave)
    api.fail(u.update_user, admin, 404, user_id=NOBODY, body=m.UmamiUpdateUser(username="ghost"))
    api.fail(u.update_user, admin, 409, user_id=temp.id, body=m.UmamiUpdateUser(username="Carol"))

    everyone = api.call(u.get_admin_users, admin)
    check(isinstance(everyone, list), f"getAdminUsers without paging: expected a list, got {type(everyone)}")
    by_name = {user.username: user for user in everyone}
    check({"admin", "bob", "carol", "dave", "vera", "temp-renamed"} <= set(by_name), f"getAdminUsers: {sorted(by_name)}")
    eq(by_name["bob"].id, bob.id, "getAdminUsers bob's id")
    eq(by_name["bob"].field_count.websites, 0, "getAdminUsers bob's _count.websites")
    api.fail(u.get_admin_users, bob.client, 403)

    eq(api.call(u.get_user_teams, admin, user_id=bob.id).count, 0, "getUserTeams of a new user")
    eq(api.call(u.get_user_websites, bob.client, user_id=bob.id).count, 0, "getUserWebsites of a new user")
    api.fail(u.get_user_teams, bob.client, 403, user_id=carol.id)
    api.fail(u.get_user_websites, bob.client, 403, user_id=carol.id)

    api.fail(u.delete_user, admin, 400, user_id=s.admin.id)  # not oneself
    api.fail(u.delete_user, bob.client, 403, user_id=temp.id)
    eq(api.call(u.delete_user, admin, user_id=temp.id).ok, True, "deleteUser ok")
    api.fail(u.get_user, admin, 404, user_id=temp.id)
    api.fail(u.delete_user, admin, 404, user_id=temp.id)


def umami_teams(s: State) -> None:
    api, t = s.api, ops.umami_teams
    admin = s.admin.client
    bob, carol, dave, vera = (s.users[n] for n in ("bob", "carol", "dave", "vera"))

    parts = api.call(t.create_team, bob.client, body=m.UmamiCreateTeam(name="Bob's team"))
    eq(len(parts), 2, "createTeam answers [team, ownerMembership]")
    team, owner = parts
    check(isinstance(team, m.UmamiTeam), f"createTeam [0] parsed as {type(team).__name__}, not UmamiTeam")
    check(isinstance(owner, m.UmamiTeamUser), f"createTeam [1] parsed as {type(owner).__name__}, not UmamiTeamUser")
    eq(team.name, "Bob's team", "createTeam name")
    eq(len(team.access_code), 21, "a generated access code's length")
    eq((owner.team_id, owner.user_id, owner.role), (team.id, bob.id, m.UmamiTeamRole.TEAM_OWNER), "owner membership")
    s.team_id = team.id
    api.fail(t.create_team, vera.client, 403, body=m.UmamiCreateTeam(name="Vera's team"))
    api.fail(t.create_team, bob.client, 403, body=m.UmamiCreateTeam(name="For carol", owner_id=carol.id))
    # An admin may make a team for someone else; it is deleted again below.
    other, other_owner = api.call(t.create_team, admin, body=m.UmamiCreateTeam(name="Carol's team", owner_id=carol.id))
    eq(other_owner.user_id, carol.id, "createTeam ownerId")

    mine = api.call(t.get_teams, bob.client)
    eq([x.name for x in mine.data], ["Bob's team"], "getTeams of bob")
    eq(mine.count, 1, "getTeams count")

    got = api.call(t.get_team, bob.client, team_id=team.id)
    eq(got.name, "Bob's team", "getTeam name")
    eq([(x.user_id, x.role) for x in got.team_user], [(bob.id, m.UmamiTeamRole.TEAM_OWNER)], "getTeam teamUser")
    eq(got.team_user[0].user.username, "bob", "getTeam teamUser[0].user.username")
    eq(got.field_count.team_user, 1, "getTeam _count.teamUser")
    eq(got.field_count.members, 1, "getTeam _count.members")
    api.fail(t.get_team, carol.client, 403, team_id=team.id)
    api.fail(t.get_team, admin, 404, team_id=NOBODY)

    change = m.UmamiUpdateTeam(name="Bob's crew", access_code="crew-code-1234", logo_url="https://example.com/logo.png")
    updated = api.call(t.update_team, bob.client, team_id=team.id, body=change)
    eq((updated.name, updated.access_code, updated.logo_url), ("Bob's crew", "crew-code-1234", "https://example.com/logo.png"), "updateTeam")
    s.access_code = updated.access_code
    api.fail(t.update_team, bob.client, 400, team_id=team.id, body=m.UmamiUpdateTeam(logo_url="javascript:alert(1)"))
    api.fail(t.update_team, bob.client, 400, team_id=team.id, body=m.UmamiUpdateTeam(access_code="short"))
    api.fail(t.update_team, carol.client, 403, team_id=team.id, body=m.UmamiUpdateTeam(name="Carol's now"))

    joined = api.call(t.join_team, carol.client, body=m.UmamiJoinTeam(access_code="crew-code-1234"))
    eq((joined.team_id, joined.user_id, joined.role), (team.id, carol.id, m.UmamiTeamRole.TEAM_MEMBER), "joinTeam")
    api.fail(t.join_team, carol.client, 409, body=m.UmamiJoinTeam(access_code="crew-code-1234"))
    api.fail(t.join_team, dave.client, 404, "team-not-found", body=m.UmamiJoinTeam(access_code="no-such-code-00"))
    # A view-only user joins as a view-only member (docs/api.md's table says view-only users
    # cannot join; the server and its tests say they join with the team-view-only role).
    viewer = api.call(t.join_team, vera.client, body=m.UmamiJoinTeam(access_code="crew-code-1234"))
    eq((viewer.user_id, viewer.role), (vera.id, m.UmamiTeamRole.TEAM_VIEW_ONLY), "joinTeam of a view-only user")

    added = api.call(t.create_team_user, bob.client, team_id=team.id, body=m.UmamiAddTeamUser(user_id=dave.id, role=m.UmamiTeamRole.TEAM_MEMBER))
    eq((added.team_id, added.user_id, added.role), (team.id, dave.id, m.UmamiTeamRole.TEAM_MEMBER), "createTeamUser")
    api.fail(t.create_team_user, bob.client, 409, team_id=team.id, body=m.UmamiAddTeamUser(user_id=dave.id, role=m.UmamiTeamRole.TEAM_MEMBER))
    api.fail(t.create_team_user, carol.client, 403, team_id=team.id, body=m.UmamiAddTeamUser(user_id=s.admin.id, role=m.UmamiTeamRole.TEAM_MEMBER))
    api.fail(t.create_team_user, bob.client, 404, team_id=team.id, body=m.UmamiAddTeamUser(user_id=NOBODY, role=m.UmamiTeamRole.TEAM_MEMBER))

    members = api.call(t.get_team_users, vera.client, team_id=team.id)
    eq(members.count, 4, "getTeamUsers count")
    eq({x.user.username for x in members.data}, {"bob", "carol", "dave", "vera"}, "getTeamUsers usernames")
    api.fail(t.get_team_users, api.anonymous(), 401, team_id=team.id)

    member = api.call(t.get_team_user, bob.client, team_id=team.id, user_id=dave.id)
    eq((member.user_id, member.role), (dave.id, m.UmamiTeamRole.TEAM_MEMBER), "getTeamUser")
    # A plain member sees their own membership only.
    eq(api.call(t.get_team_user, dave.client, team_id=team.id, user_id=dave.id).user_id, dave.id, "getTeamUser of oneself")
    api.fail(t.get_team_user, carol.client, 403, team_id=team.id, user_id=dave.id)
    api.fail(t.get_team_user, bob.client, 404, team_id=team.id, user_id=s.admin.id)
    api.fail(t.update_team_user, vera.client, 403, team_id=team.id, user_id=dave.id, body=m.UmamiUpdateTeamUser(role=m.UmamiTeamRole.TEAM_VIEW_ONLY))

    promoted = api.call(t.update_team_user, bob.client, team_id=team.id, user_id=carol.id, body=m.UmamiUpdateTeamUser(role=m.UmamiTeamRole.TEAM_MANAGER))
    eq(promoted.role, m.UmamiTeamRole.TEAM_MANAGER, "updateTeamUser role")
    api.fail(t.update_team_user, carol.client, 403, team_id=team.id, user_id=bob.id, body=m.UmamiUpdateTeamUser(role=m.UmamiTeamRole.TEAM_MEMBER))
    api.fail(t.update_team_user, bob.client, 409, team_id=team.id, user_id=bob.id, body=m.UmamiUpdateTeamUser(role=m.UmamiTeamRole.TEAM_MEMBER))

    api.fail(t.get_admin_teams, bob.client, 403)
    every = api.call(t.get_admin_teams, admin)
    eq({x.name for x in every.data}, {"Bob's crew", "Carol's team"}, "getAdminTeams names")
    eq(every.count, 2, "getAdminTeams count")

    eq(api.call(t.get_team_websites, carol.client, team_id=team.id).count, 0, "getTeamWebsites of a new team")
    api.fail(t.get_team_websites, s.admin.client, 404, team_id=NOBODY)

    # A manager removes a member; the member may also leave.
    eq(api.call(t.delete_team_user, carol.client, team_id=team.id, user_id=dave.id).ok, True, "deleteTeamUser ok")
    api.fail(t.get_team_user, bob.client, 404, team_id=team.id, user_id=dave.id)
    api.fail(t.delete_team_user, bob.client, 404, team_id=team.id, user_id=dave.id)
    api.fail(t.delete_team_user, carol.client, 403, team_id=team.id, user_id=bob.id)
    api.fail(t.delete_team_user, bob.client, 409, team_id=team.id, user_id=bob.id)  # the last owner stays

    api.fail(t.delete_team, dave.client, 403, team_id=other.id)
    eq(api.call(t.delete_team, admin, team_id=other.id).ok, True, "deleteTeam ok")
    api.fail(t.get_team, admin, 404, team_id=other.id)
    api.fail(t.delete_team, admin, 404, team_id=other.id)
    api.fail(t.delete_team, carol.client, 403, team_id=team.id)  # managers may not delete it


def umami_websites(s: State) -> None:
    api, w = s.api, ops.umami_websites
    admin = s.admin.client
    bob, carol, dave, vera = (s.users[n] for n in ("bob", "carol", "dave", "vera"))
    team_id = s.team_id

    site = api.call(w.create_website, bob.client, body=m.UmamiCreateWebsite(name="Bob's blog", domain="blog.example.com"))
    eq((site.name, site.domain, site.user_id, site.created_by), ("Bob's blog", "blog.example.com", bob.id, bob.id), "createWebsite")
    check(site.team_id is None and site.reset_at is None and site.deleted_at is None, f"createWebsite: {site!r}")
    s.website_id = site.id
    chosen = uuid.UUID("3f2b8e60-1d7e-4c55-a1f0-5a0b8e6d2c01")
    team_site = api.call(w.create_website, carol.client, body=m.UmamiCreateWebsite(
        name="Crew site", domain="crew.example.com:8080", id=chosen, share_id="crew-share", team_id=team_id))
    eq((team_site.id, team_site.team_id, team_site.user_id, team_site.share_id), (chosen, team_id, None, "crew-share"), "createWebsite for a team")
    api.fail(w.create_website, vera.client, 403, body=m.UmamiCreateWebsite(name="Vera's", domain="vera.example.com"))
    api.fail(w.create_website, dave.client, 403, body=m.UmamiCreateWebsite(name="Not his", domain="x.example.com", team_id=team_id))
    api.fail(w.create_website, bob.client, 400, body=m.UmamiCreateWebsite(name="Bad", domain="https://example.com/path"))
    api.fail(w.create_website, bob.client, 409, body=m.UmamiCreateWebsite(name="Same id", domain="y.example.com", id=chosen))
    api.fail(w.create_website, bob.client, 409, body=m.UmamiCreateWebsite(name="Same share", domain="z.example.com", share_id="crew-share"))

    listed = api.call(w.list_websites, bob.client)
    eq([x.id for x in listed.data], [site.id], "listWebsites of bob")
    eq(listed.data[0].user.username, "bob", "listWebsites user.username")

    got = api.call(w.get_website, carol.client, website_id=team_site.id)
    eq(got.create_user.username, "carol", "getWebsite of a team's website: createUser.username")
    eq(api.call(w.get_website, bob.client, website_id=site.id).name, "Bob's blog", "getWebsite name")
    api.fail(w.get_website, carol.client, 403, website_id=site.id)
    api.fail(w.get_website, bob.client, 404, website_id=NOBODY)

    changed = api.call(w.update_website, bob.client, website_id=site.id, body=m.UmamiUpdateWebsite(name="Bob's diary", domain="diary.example.com", share_id="bob-share"))
    eq((changed.name, changed.domain, changed.share_id), ("Bob's diary", "diary.example.com", "bob-share"), "updateWebsite")
    unshared = api.call(w.update_website, bob.client, website_id=site.id, body=m.UmamiUpdateWebsite(share_id=None))
    check(unshared.share_id is None, f"updateWebsite shareId null removes it: {unshared.share_id!r}")
    eq(unshared.name, "Bob's diary", "updateWebsite keeps the absent name")
    api.fail(w.update_website, carol.client, 403, website_id=site.id, body=m.UmamiUpdateWebsite(name="Carol's"))
    api.fail(w.update_website, bob.client, 404, website_id=NOBODY, body=m.UmamiUpdateWebsite(name="Ghost"))

    eq(api.call(w.reset_website, bob.client, website_id=site.id).ok, True, "resetWebsite ok")
    reset = api.call(w.get_website, bob.client, website_id=site.id)
    check(reset.reset_at is not None, "resetWebsite sets resetAt")
    api.fail(w.reset_website, carol.client, 403, website_id=site.id)
    api.fail(w.reset_website, bob.client, 404, website_id=NOBODY)

    # Bob moves his website to his team and takes it back (only a team owner takes a team's
    # website for themselves); an admin then hands it to carol.
    moved = api.call(w.transfer_website, bob.client, website_id=site.id, body=m.UmamiTransferWebsite(team_id=team_id))
    eq((moved.team_id, moved.user_id), (team_id, None), "transferWebsite to a team")
    team_sites = api.call(ops.umami_teams.get_team_websites, carol.client, team_id=team_id)
    eq({x.id for x in team_sites.data}, {site.id, team_site.id}, "getTeamWebsites after the transfer")
    api.fail(w.transfer_website, carol.client, 403, website_id=site.id, body=m.UmamiTransferWebsite(user_id=carol.id))
    back = api.call(w.transfer_website, bob.client, website_id=site.id, body=m.UmamiTransferWebsite(user_id=bob.id))
    eq((back.team_id, back.user_id), (None, bob.id), "transferWebsite back to its owner")
    api.fail(w.transfer_website, admin, 400, website_id=site.id, body=m.UmamiTransferWebsite(user_id=vera.id))
    to_carol = api.call(w.transfer_website, admin, website_id=site.id, body=m.UmamiTransferWebsite(user_id=carol.id))
    eq((to_carol.team_id, to_carol.user_id), (None, carol.id), "transferWebsite to another user (admin)")
    eq(to_carol.user.username, "carol", "transferWebsite user.username")
    api.fail(w.transfer_website, bob.client, 403, website_id=site.id, body=m.UmamiTransferWebsite(user_id=bob.id))
    api.fail(w.transfer_website, admin, 404, website_id=NOBODY, body=m.UmamiTransferWebsite(user_id=carol.id))

    eq({x.id for x in api.call(ops.umami_users.get_user_websites, admin, user_id=carol.id).data}, {site.id}, "getUserWebsites of carol")
    eq(api.call(ops.umami_users.get_user_teams, carol.client, user_id=carol.id).count, 1, "getUserTeams of carol")
    admin_users = {x.username: x for x in api.call(ops.umami_users.get_admin_users, admin)}
    # The paging parameters the document declares reach the server through the client.
    paged = api.call(ops.umami_users.get_admin_users, admin, page=1, page_size=1, query="CAR",
                     order_by=m.GetAdminUsersOrderBy.USERNAME, sort_descending=m.GetAdminUsersSortDescending.TRUE)
    eq((paged.count, paged.page_size, [x.username for x in paged.data]), (1, 1, ["carol"]), "getAdminUsers paged")
    teams_and_own = api.call(ops.umami_users.get_user_websites, carol.client, user_id=carol.id, include_teams=m.GetUserWebsitesIncludeTeams.TRUE,
                             order_by=m.GetUserWebsitesOrderBy.DOMAIN, search="example", max_results=50)
    check(teams_and_own.count >= 2, f"getUserWebsites includeTeams: {teams_and_own!r}")
    api.fail(ops.umami_websites.list_websites, carol.client, 400, page=0)
    eq(admin_users["carol"].field_count.websites, 1, "getAdminUsers carol's _count.websites")

    api.fail(w.get_admin_websites, bob.client, 403)
    every = api.call(w.get_admin_websites, admin)
    eq({x.id for x in every.data}, {site.id, team_site.id}, "getAdminWebsites ids")
    eq(every.count, 2, "getAdminWebsites count")

    api.fail(w.delete_website, dave.client, 403, website_id=site.id)
    eq(api.call(w.delete_website, carol.client, website_id=site.id).ok, True, "deleteWebsite ok")
    api.fail(w.get_website, carol.client, 404, website_id=site.id)
    api.fail(w.delete_website, carol.client, 404, website_id=site.id)
    eq(api.call(w.list_websites, carol.client).count, 0, "listWebsites after the deletion")


def umami_me(s: State) -> None:
    api, a = s.api, ops.umami_auth
    bob, carol, dave = (s.users[n] for n in ("bob", "carol", "dave"))

    teams = api.call(a.get_my_teams, carol.client)
    eq([x.id for x in teams.data], [s.team_id], "getMyTeams of carol")
    eq(api.call(a.get_my_teams, dave.client).count, 0, "getMyTeams of dave")
    websites = api.call(a.get_my_websites, carol.client)
    eq(websites.count, 0, "getMyWebsites of carol (her team's website is the team's)")
    api.fail(a.get_my_teams, api.anonymous(), 401)
    api.fail(a.get_my_websites, api.anonymous(), 401)

    me = api.call(a.get_me, carol.client)
    eq([x.id for x in me.user.teams], [s.team_id], "getMe user.teams")
    eq(me.user.role, m.UmamiRole.USER, "getMe user.role")
    eq(me.user.is_admin, False, "getMe user.isAdmin")


def api_keys(s: State) -> None:
    """API keys in both dialects: made from a session, used as a bearer token, never able
    to manage keys, and revoked."""
    api, a, h = s.api, ops.umami_auth, ops.mcp_hub_auth
    dave = s.users["dave"]

    made = api.call(a.create_my_api_key, dave.client, body=m.UmamiCreateApiKey(name="ci"))
    check(made.key.startswith("umami_") and made.key.startswith(made.key_prefix), f"createMyApiKey: {made!r}")
    eq(made.name, "ci", "createMyApiKey name")
    listed = api.call(a.get_my_api_keys, dave.client)
    eq([k.id for k in listed], [made.id], "getMyApiKeys ids")
    eq(listed[0].key_prefix, made.key_prefix, "getMyApiKeys keyPrefix")
    api.fail(a.create_my_api_key, dave.client, 400, body=m.UmamiCreateApiKey(name=" "))
    api.fail(a.create_my_api_key, api.anonymous(), 401, body=m.UmamiCreateApiKey(name="x"))

    key = api.bearer(made.key)
    me = api.call(a.get_me, key)
    eq((me.auth_type, me.api_key.id, me.user.username), ("api-key", made.id, "dave"), "getMe with a key")
    eq(api.call(h.mcphub_get_current_user, key).user.username, "dave", "mcphubGetCurrentUser with a key")
    api.fail(a.create_my_api_key, key, 403, body=m.UmamiCreateApiKey(name="more"))
    api.fail(a.get_my_api_keys, key, 403)
    api.fail(a.delete_my_api_key, key, 403, key_id=made.id)
    api.fail(a.logout, key, 400)

    bearer = api.call(h.mcphub_create_key, dave.client, body=m.McpCreateBearerKey(name="script"))
    eq((bearer.data.owner, bearer.data.name), ("dave", "script"), "mcphubCreateKey")
    keys = api.call(h.mcphub_list_keys, dave.client)
    eq(sorted(k.name for k in keys.data), ["ci", "script"], "mcphubListKeys names")
    check(all(k.token.endswith("...") for k in keys.data), f"mcphubListKeys shows no secret: {keys!r}")
    eq(api.call(a.verify, api.bearer(bearer.data.token)).username, "dave", "verify with an MCPHub key")
    api.fail(h.mcphub_create_key, api.bearer(bearer.data.token), 403, body=m.McpCreateBearerKey(name="more"))
    eq(api.call(h.mcphub_delete_key, dave.client, id=bearer.data.id).success, True, "mcphubDeleteKey")
    api.fail(h.mcphub_delete_key, dave.client, 404, id=bearer.data.id)
    api.fail(h.mcphub_list_keys, api.anonymous(), 401)
    api.fail(a.verify, api.bearer(bearer.data.token), 401)

    eq(api.call(a.delete_my_api_key, dave.client, key_id=made.id).ok, True, "deleteMyApiKey ok")
    api.fail(a.get_me, key, 401)
    api.fail(a.delete_my_api_key, dave.client, 404, key_id=made.id)


def sessions(s: State) -> None:
    """Logout and password changes, which end sessions: each on sessions of its own."""
    api, a = s.api, ops.umami_auth
    bob, carol, dave = (s.users[n] for n in ("bob", "carol", "dave"))

    # Logout revokes the token in both dialects; other sessions of the user go on.
    session = umami_login(s, dave)
    eq(api.call(a.logout, session).ok, True, "logout ok")
    api.fail(a.verify, session, 401)
    api.fail(ops.mcp_hub_auth.mcphub_get_current_user, session, 401)
    api.fail(a.logout, session, 401)
    eq(api.call(a.verify, dave.client).username, "dave", "another session survives a logout")

    # Umami: a wrong current password is a 400; a right one ends the other sessions only.
    other = umami_login(s, bob)
    api.fail(a.update_my_password, bob.client, 400, body=m.UmamiChangePassword(current_password="not-bobs-password", new_password="bob-new-password"))
    api.fail(a.update_my_password, bob.client, 400, body=m.UmamiChangePassword(current_password=bob.password, new_password="12345"))
    changed = api.call(a.update_my_password, bob.client, body=m.UmamiChangePassword(current_password=bob.password, new_password="bob-new-password"))
    eq((changed.id, changed.username), (bob.id, "bob"), "updateMyPassword answers the user")
    api.fail(a.verify, other, 401)
    eq(api.call(a.verify, bob.client).username, "bob", "updateMyPassword keeps its own session")
    api.fail(a.login, api.anonymous(), 401, "incorrect-username-password", body=m.UmamiLogin(username="bob", password=bob.password))
    bob.password = "bob-new-password"
    umami_login(s, bob)
    api.fail(a.update_my_password, api.anonymous(), 401, body=m.UmamiChangePassword(current_password="x-password", new_password="y-password"))

    # MCPHub: the same through its dialect.
    h = ops.mcp_hub_auth
    other = umami_login(s, carol)
    api.fail(h.mcphub_change_password, carol.client, 400, body=m.McpChangePassword(current_password="not-carols", new_password="carol-new-password"))
    result = api.call(h.mcphub_change_password, carol.client, body=m.McpChangePassword(current_password=carol.password, new_password="carol-new-password"))
    eq(result.message, "Password updated successfully", "mcphubChangePassword message")
    api.fail(h.mcphub_get_current_user, other, 401)
    eq(api.call(h.mcphub_get_current_user, carol.client).user.username, "carol", "mcphubChangePassword keeps its session")
    api.fail(h.mcphub_login, api.anonymous(), 401, body=m.McpLogin(username="carol", password=carol.password))
    carol.password = "carol-new-password"
    api.call(h.mcphub_login, api.anonymous(), body=m.McpLogin(username="carol", password=carol.password))
    api.fail(h.mcphub_change_password, api.anonymous(), 401, body=m.McpChangePassword(current_password="x-password", new_password="y-password"))


AREAS: list[Callable[[State], None]] = [
    umami_auth,
    mcphub_auth,
    mcphub_users,
    umami_users,
    umami_teams,
    umami_websites,
    umami_me,
    api_keys,
    sessions,  # last: it ends sessions
]


def main() -> int:
    global rc, m, ops
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--client-dir", required=True, help="the folder holding the generated roster_client")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--admin-password", required=True)
    args = parser.parse_args()

    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    sys.path.insert(0, args.client_dir)
    rc = importlib.import_module("roster_client")
    importlib.import_module("roster_client.errors")
    importlib.import_module("roster_client.types")
    m = importlib.import_module("roster_client.models")
    try:
        api = Api(spec, args.base_url)
        api.bind(rc)  # imports every roster_client.api.<tag>.<operation>
    except Failure as e:
        print(f"FAIL the document or the generated client: {e}")
        print("scenario: 0 passed, 1 failed")
        return 1
    tags = {op.module.__name__.split(".")[2] for op in api.operations.values()}
    ops = argparse.Namespace(**{tag: importlib.import_module(f"roster_client.api.{tag}") for tag in tags})
    print(f"{len(api.operations)} operations in {args.spec}")

    passed = failed = 0
    started = time.monotonic()
    try:
        admin = User("admin", args.admin_password)
        state = State(api, admin)
        admin.client = umami_login(state, admin)
        for area in AREAS:
            try:
                area(state)
            except Exception as e:
                failed += 1
                print(f"FAIL {area.__name__}")
                print("  " + (str(e) if isinstance(e, Failure) else traceback.format_exc()).replace("\n", "\n  "))
                break  # the areas build on each other
            passed += 1
            print(f"ok   {area.__name__}")
        if not failed:
            uncovered = api.uncovered()
            if uncovered:
                failed += 1
                print("FAIL coverage: operations of the document that no area calls:")
                for line in uncovered:
                    print(f"  {line}")
            else:
                passed += 1
                print(f"ok   coverage: all {len(api.operations)} operations called, {sum(api.calls.values())} calls")
    finally:
        api.close()
    print(f"({time.monotonic() - started:.1f} s)")
    print(f"scenario: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
