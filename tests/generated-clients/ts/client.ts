// Type-checked only (`tsc --noEmit --strict`), never run: calls a handful of Roster's
// operations through openapi-fetch with the types openapi-typescript generates from
// docs/openapi.json into generated/roster.d.ts. A change to the document that breaks a typed
// client's code (a renamed field, a lost response schema, a path parameter's type) fails here.
// The `@ts-expect-error` lines check that the types are precise, not `any`.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./generated/roster";

type Schemas = components["schemas"];

export type Session = {
  api: ReturnType<typeof createClient<paths>>;
  user: Schemas["UmamiLoginUser"];
};

// MCPHub's login: `{success, message, token, user}`, or a McpMessage on failure.
export async function mcphubLogin(baseUrl: string, username: string, password: string): Promise<string> {
  const api = createClient<paths>({ baseUrl });
  const { data, error, response } = await api.POST("/api/auth/login", { body: { username, password } });
  if (error !== undefined) {
    const success: boolean = error.success;
    throw new Error(`${response.status} ${error.message} (success: ${String(success)})`);
  }
  const permissions: string[] = data.user.permissions;
  const role: Schemas["McpRole"] = data.user.role;
  if (data.success && permissions.includes("*") !== (role === "admin")) {
    throw new Error("an admin's permissions are ['*', 'x']");
  }
  return data.token;
}

// Umami's login: `{token, user}`, or `{error: {code, message, status}}`.
export async function umamiLogin(baseUrl: string, username: string, password: string): Promise<Session> {
  const anonymous = createClient<paths>({ baseUrl });
  const { data, error } = await anonymous.POST("/umami/api/auth/login", { body: { username, password } });
  if (error !== undefined) {
    const code: string = error.error.code;
    const status: number = error.error.status;
    throw new Error(`${status} ${code}: ${error.error.message}`);
  }
  // The same token serves both dialects.
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${data.token}` } });
  return { api, user: data.user };
}

export async function tour(baseUrl: string, adminPassword: string): Promise<void> {
  await mcphubLogin(baseUrl, "admin", adminPassword);
  const { api, user } = await umamiLogin(baseUrl, "admin", adminPassword);
  const isAdmin: boolean = user.isAdmin;
  const teams: Schemas["UmamiLoginTeam"][] = user.teams;

  // MCPHub: the caller, then a new user, in `{success, data}` envelopes.
  const current = await api.GET("/api/auth/user");
  const permissions: string[] | undefined = current.data?.user.permissions;
  const created = await api.POST("/api/users", {
    body: { username: "ts-user", password: "ts-password", role: "user", servers: ["s1"], groups: [] },
  });
  if (created.data !== undefined) {
    const mcpUser: Schemas["McpUser"] = created.data.data;
    const email: string | undefined = mcpUser.email;
    void email;
  }
  const updated = await api.PUT("/api/users/{username}", {
    params: { path: { username: "ts-user" } },
    body: { isAdmin: false, email: "" },
  });
  const servers: string[] | undefined = updated.data?.data.servers;

  // Umami: a user by id, a team, a website moved to the team and back to its owner.
  const me = await api.GET("/umami/api/users/{userId}", { params: { path: { userId: user.id } } });
  const role: Schemas["UmamiRole"] | undefined = me.data?.role;
  const newUser = await api.POST("/umami/api/users", {
    body: { username: "ts-umami", password: "ts-password", role: "view-only" },
  });
  const newUserId: string | undefined = newUser.data?.id;

  const team = await api.POST("/umami/api/teams", { body: { name: "TS team" } });
  if (team.error !== undefined) throw new Error(team.error.error.message);
  const [created0] = team.data;
  const teamId = created0 !== undefined && "accessCode" in created0 ? created0.id : undefined;

  const site = await api.POST("/umami/api/websites", {
    body: { name: "TS site", domain: "ts.example.com", shareId: null },
  });
  if (site.data === undefined) throw new Error(site.error.error.code);
  const website: Schemas["UmamiWebsite"] = site.data;
  const owner: string | null | undefined = website.userId;
  if (teamId !== undefined) {
    const moved = await api.POST("/umami/api/websites/{websiteId}/transfer", {
      params: { path: { websiteId: website.id } },
      body: { teamId },
    });
    const movedTeam: string | null | undefined = moved.data?.teamId;
    void movedTeam;
  }
  await api.POST("/umami/api/websites/{websiteId}/transfer", {
    params: { path: { websiteId: website.id } },
    body: { userId: user.id },
  });
  const page = await api.GET("/umami/api/websites");
  const total: number | undefined = page.data?.count;
  const names: string[] = page.data?.data.map((w) => w.name) ?? [];
  const removed = await api.DELETE("/umami/api/websites/{websiteId}", {
    params: { path: { websiteId: website.id } },
  });
  const ok: boolean | undefined = removed.data?.ok;

  // A response type taken from the operation, as a hand-written wrapper would.
  type Verified = operations["verify"]["responses"][200]["content"]["application/json; charset=utf-8"];
  const verified = await api.POST("/umami/api/auth/verify");
  const again: Verified | undefined = verified.data;

  // @ts-expect-error a role outside UmamiRole
  await api.POST("/umami/api/users", { body: { username: "x", password: "x-password", role: "root" } });
  // @ts-expect-error the path parameter is required
  await api.GET("/umami/api/teams/{teamId}", {});
  // @ts-expect-error a team member's role is a UmamiTeamRole
  await api.POST("/umami/api/teams/{teamId}/users", { params: { path: { teamId: "t" } }, body: { userId: "u", role: "owner" } });
  // @ts-expect-error no such path
  await api.GET("/umami/api/nowhere");

  void [isAdmin, teams, permissions, servers, role, newUserId, owner, total, names, ok, again];
}
