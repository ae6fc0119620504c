import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "./free-port.ts";
import { busyPorts, portHolder, portInUse } from "./ports.ts";
import { assertPortsFree } from "./stack.ts";

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function hold(): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as net.AddressInfo).port;
}

describe("ports", () => {
  it("tell a taken port from a free one, and who holds it", async () => {
    const taken = await hold();
    const free = await freePort();
    expect(await portInUse(taken)).toBe(true);
    expect(await portInUse(free)).toBe(false);
    if (process.platform === "linux") expect(portHolder(taken)).toMatch(new RegExp(`^pid ${process.pid} \\(`));
    expect(
      await busyPorts([
        ["orchestrator", taken],
        ["worker", free],
      ]),
    ).toEqual([{ name: "orchestrator", port: taken, holder: portHolder(taken) }]);
  });

  it("refuse to start, naming each taken port and its holder", async () => {
    const taken = await hold();
    const error = await assertPortsFree([["orchestrator", taken]]).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`port ${taken} \\(orchestrator\\) is in use`));
    if (process.platform === "linux") expect((error as Error).message).toContain(`pid ${process.pid}`);
    await expect(assertPortsFree([["orchestrator", await freePort()]])).resolves.toBeUndefined();
  });
});
