// Test-only endpoints, served only with FAULT_INJECTION on: faults, accounts and tokens with a
// chosen expiry, and the clock. They speak problem+json (they are ours, not Graph's).
import { SEEDED_HOOK_STYLES, storableText } from "@threads-agent/contracts";
import { NotFound, Unprocessable, validate } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Account } from "./accounts.ts";
import { FaultRuleInput } from "./faults.ts";
import type { ThreadsState } from "./state.ts";

const seconds = z.number({ message: "expected a number of seconds" }).int("expected whole seconds");
const Username = z.string().regex(/^[a-z0-9._-]{1,30}$/, "a Threads username: a-z 0-9 . _ -, at most 30");
const BestStyle = z.enum(SEEDED_HOOK_STYLES, { message: `one of ${SEEDED_HOOK_STYLES.join(", ")}` });

const NewAccount = z.strictObject({
  username: Username,
  name: storableText(z.string()).min(1).max(100).optional(),
  best_style: BestStyle.optional(),
  base_followers: z.number().int().min(0).max(100_000_000).optional(),
  /** Lifetime of the account's first token (default TOKEN_LIFETIME_S). */
  token_expires_in: seconds
    .min(1)
    .max(10 * 365 * 86_400)
    .optional(),
});
const AccountPatch = z.strictObject({
  best_style: BestStyle.optional(),
  base_followers: z.number().int().min(0).max(100_000_000).optional(),
});
const NewToken = z.strictObject({
  user_id: storableText(z.string()).min(1).max(200),
  expires_in: seconds
    .min(1)
    .max(10 * 365 * 86_400)
    .optional(),
  /** Backdate the token (refresh needs it to be 24 h old). */
  issued_ago: seconds
    .min(0)
    .max(10 * 365 * 86_400)
    .default(0),
});
const TokenRef = z.strictObject({ access_token: storableText(z.string()).min(1).max(4096) });
const ClockMove = z
  .strictObject({
    advance_ms: z
      .number()
      .int()
      .min(0, "the clock only moves forward")
      .max(10 * 365 * 86_400_000)
      .optional(),
    /** How many times as fast as real time the clock runs from now on (1: normal; 3600: an hour a second). */
    speed: z.number().min(1, "the clock never slows below real time").max(1_000_000).optional(),
  })
  .refine((v) => v.advance_ms !== undefined || v.speed !== undefined, { message: "give advance_ms, speed or both" });

export function registerTestRoutes(app: FastifyInstance, state: ThreadsState): void {
  const { accounts, faults, logger } = state;

  const accountView = (account: Account) => ({
    id: account.id,
    username: account.username,
    name: account.name,
    best_style: account.bestStyle,
    base_followers: account.baseFollowers,
    followers: state.followersOf(account),
  });
  const iso = (ms: number) => new Date(ms).toISOString();

  app.get("/_faults", async () => ({ rules: faults.rules }));
  app.post("/_faults", async (request, reply) => {
    const rule = faults.add(validate(FaultRuleInput, request.body, "body"));
    logger.warn({ rule }, "fault injection armed");
    return reply.code(201).send(rule);
  });
  app.delete("/_faults", async (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });

  app.get("/_accounts", async () => ({ items: accounts.list().map(accountView) }));
  app.post("/_accounts", async (request, reply) => {
    const input = validate(NewAccount, request.body, "body");
    if (accounts.byUsername(input.username)) throw new Unprocessable(`account "${input.username}" exists`, "account-exists");
    const account = accounts.create({
      username: input.username,
      ...(input.name ? { name: input.name } : {}),
      ...(input.best_style ? { bestStyle: input.best_style } : {}),
      ...(input.base_followers !== undefined ? { baseFollowers: input.base_followers } : {}),
    });
    const token = accounts.issue(account.id, input.token_expires_in ? { expiresInMs: input.token_expires_in * 1000 } : {});
    logger.info({ account_id: account.id, username: account.username }, "account created");
    return reply.code(201).send({ ...accountView(account), access_token: token.value, expires_at: iso(token.expiresAt) });
  });
  app.patch<{ Params: { id: string } }>("/_accounts/:id", async (request) => {
    const account = accounts.get(request.params.id) ?? accounts.byUsername(request.params.id);
    if (!account) throw new NotFound("account", request.params.id);
    const patch = validate(AccountPatch, request.body, "body");
    if (patch.best_style) account.bestStyle = patch.best_style;
    if (patch.base_followers !== undefined) account.baseFollowers = patch.base_followers;
    return accountView(account);
  });

  app.post("/_tokens", async (request, reply) => {
    const input = validate(NewToken, request.body, "body");
    const account = accounts.get(input.user_id) ?? accounts.byUsername(input.user_id);
    if (!account) throw new NotFound("account", input.user_id);
    const token = accounts.issue(account.id, {
      issuedAt: state.now() - input.issued_ago * 1000,
      ...(input.expires_in ? { expiresInMs: input.expires_in * 1000 + input.issued_ago * 1000 } : {}),
    });
    return reply
      .code(201)
      .send({ access_token: token.value, user_id: account.id, issued_at: iso(token.issuedAt), expires_at: iso(token.expiresAt) });
  });
  for (const action of ["expire", "revoke"] as const) {
    app.post(`/_tokens/${action}`, async (request, reply) => {
      const { access_token } = validate(TokenRef, request.body, "body");
      const done = action === "expire" ? accounts.expire(access_token) : accounts.revoke(access_token);
      // The token itself is never echoed back.
      if (!done) throw new NotFound("token", "(the one given)");
      return reply.code(204).send();
    });
  }

  // Every media container with its status and how often threads_publish named it: what a test
  // needs to prove that no post was published twice (Threads itself shows none of this).
  app.get("/_containers", async () => ({
    items: [...state.containers.all()].map((c) => ({
      id: c.id,
      user_id: c.userId,
      text: c.text,
      status: state.containers.status(c).status,
      publish_calls: c.publishCalls,
      media_id: c.mediaId,
      created_at: iso(c.createdAt),
    })),
  }));

  app.get("/_clock", async () => ({ now: iso(state.now()), offset_ms: state.clockOffsetMs, speed: state.clockSpeed }));
  app.post("/_clock", async (request) => {
    const { advance_ms, speed } = validate(ClockMove, request.body, "body");
    if (advance_ms) state.advanceClock(advance_ms);
    if (speed !== undefined) state.setClockSpeed(speed);
    return { now: iso(state.now()), offset_ms: state.clockOffsetMs, speed: state.clockSpeed };
  });
}
