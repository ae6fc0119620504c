// Checks that Redis and PostgreSQL answer on the configured URLs and accept what the URLs ask for
// (Redis: the password and the database index; PostgreSQL: the role and the database), without any
// dependency (raw TCP and each protocol's first messages), so it can run before `pnpm install`.
import net from "node:net";

const redisUrl = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const pgUrl = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");

/** Sends `hello` once connected and hands every answer to `read` until it returns a verdict. */
function converse(host, port, hello, read) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    let buffer = Buffer.alloc(0);
    const done = (verdict) => {
      socket.destroy();
      resolve(verdict);
    };
    socket.setTimeout(2000, () => done({ ok: false, why: "timed out" }));
    socket.on("error", (err) => done({ ok: false, why: err.code ?? err.message }));
    socket.on("connect", () => socket.write(hello));
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const verdict = read(buffer);
      if (verdict) done(verdict);
    });
    socket.on("close", () => done({ ok: false, why: "closed the connection" }));
  });
}

// ---- Redis: [AUTH], SELECT <db>, PING as inline commands; one reply line each.
const redisDb = redisUrl.pathname.replace(/^\//, "") || "0";
function redisCheck() {
  if (!/^\d+$/.test(redisDb))
    return Promise.resolve({ ok: false, why: `the database in REDIS_URL must be a number, not ${JSON.stringify(redisDb)}` });
  const quote = (s) => `"${decodeURIComponent(s).replace(/["\\]/g, "\\$&")}"`;
  const commands = [];
  if (redisUrl.password) commands.push(`AUTH ${redisUrl.username ? `${quote(redisUrl.username)} ` : ""}${quote(redisUrl.password)}`);
  commands.push(`SELECT ${redisDb}`, "PING");
  return converse(redisUrl.hostname, redisUrl.port || 6379, `${commands.join("\r\n")}\r\n`, (buffer) => {
    const lines = buffer.toString().split("\r\n");
    const complete = lines.slice(0, -1);
    for (const [i, line] of complete.entries()) {
      if (line.startsWith("-")) {
        const what = commands[i]?.split(" ")[0];
        if (/DB index is out of range/i.test(line))
          return {
            ok: false,
            why: `database ${redisDb} does not exist on this server (${line.slice(1)}; its 'databases' setting is the limit, default 16: use 0-15)`,
          };
        if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(line))
          return {
            ok: false,
            why: `it refused the ${what === "AUTH" ? "password in REDIS_URL" : "connection without a password (put it in REDIS_URL)"}: ${line.slice(1)}`,
          };
        return { ok: false, why: `${what} failed: ${line.slice(1)}` };
      }
    }
    if (complete.length >= commands.length)
      return complete.at(-1) === "+PONG" ? { ok: true } : { ok: false, why: `unexpected answer ${JSON.stringify(complete.at(-1))}` };
    return null;
  });
}

// ---- PostgreSQL: a StartupMessage for the URL's role and database (protocol 3.0). Trust auth
// answers AuthenticationOk; a password method asks for one (fine: the services send it); an
// ErrorResponse names what is wrong (no such role, no such database).
const pgDatabase = decodeURIComponent(pgUrl.pathname.slice(1)) || "postgres";
const pgUser = decodeURIComponent(pgUrl.username) || process.env.USER || "postgres";
function startupMessage(user, database) {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, params]);
}
function pgCheck() {
  return converse(pgUrl.hostname, pgUrl.port || 5432, startupMessage(pgUser, pgDatabase), (buffer) => {
    // Messages in order: AuthenticationOk, then (the role and database are checked only now) an
    // ErrorResponse or parameters and ReadyForQuery.
    for (let at = 0; at + 5 <= buffer.length; ) {
      const type = String.fromCharCode(buffer[at]);
      const length = buffer.readInt32BE(at + 1);
      if (at + 1 + length > buffer.length) return null;
      const body = buffer.subarray(at + 5, at + 1 + length);
      if (type === "R" && body.readInt32BE(0) !== 0) return { ok: true, note: "it asks for a password; the services send DATABASE_URL's" };
      if (type === "Z") return { ok: true };
      if (type === "E") {
        const fields = Object.fromEntries(
          body
            .toString()
            .split("\0")
            .filter(Boolean)
            .map((f) => [f[0], f.slice(1)]),
        );
        // A missing database is created by scripts/up (and per test run by the tests): not a problem here.
        if (fields.C === "3D000")
          return /^[A-Za-z0-9_]+$/.test(pgDatabase)
            ? { ok: true, note: `database ${pgDatabase} does not exist yet; scripts/up creates it` }
            : {
                ok: false,
                why: `database ${JSON.stringify(pgDatabase)} does not exist, and scripts/up creates only names of letters, digits and '_'`,
              };
        if (fields.C === "28000") return { ok: false, why: `${fields.M} (set the user in DATABASE_URL)` };
        return { ok: false, why: `${fields.M ?? "refused the connection"} (SQLSTATE ${fields.C ?? "?"})` };
      }
      at += 1 + length;
    }
    return null;
  });
}

const [redis, pg] = await Promise.all([redisCheck(), pgCheck()]);

const problems = [];
if (!redis.ok) {
  const down = /ECONNREFUSED|timed out|ENOTFOUND|EHOSTUNREACH|closed/.test(redis.why);
  problems.push(
    down
      ? `Redis is not answering at ${redisUrl.host} (${redis.why}).
    Start it:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    (laptop: 'apt install redis-server', 'brew install redis', or 'docker run -p 6379:6379 redis:7')`
      : `Redis at ${redisUrl.host} answers, but REDIS_URL does not work: ${redis.why}.`,
  );
}
if (!pg.ok) {
  const down = /ECONNREFUSED|timed out|ENOTFOUND|EHOSTUNREACH|closed/.test(pg.why);
  problems.push(
    down
      ? `PostgreSQL is not answering at ${pgUrl.host} (${pg.why}).
    Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
    (laptop: 'apt install postgresql', 'brew install postgresql@16', or
     'docker run -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16')`
      : `PostgreSQL at ${pgUrl.host} answers, but DATABASE_URL does not work: ${pg.why}.`,
  );
}
if (problems.length) {
  console.error(
    `\x1b[1;31mthreads-agent needs Redis and PostgreSQL:\x1b[0m\n  - ${problems.join("\n  - ")}\nSet REDIS_URL / DATABASE_URL to use other servers.`,
  );
  process.exit(1);
}
