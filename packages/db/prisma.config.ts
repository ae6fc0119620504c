// Migrations run on Prisma's WebAssembly schema engine through a driver adapter, because the Rust
// engine binaries cannot be downloaded on our machines. @prisma/adapter-pg 6.19 fails every migrate
// command ("Column type 'name' could not be deserialized", prisma/orm#27403); the 7.x adapter, under
// an npm alias, is used here only.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "prisma-adapter-pg-7";

const connectionString = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/threads_agent";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(import.meta.dirname, "prisma", "schema.prisma"),
  migrations: { path: path.join(import.meta.dirname, "prisma", "migrations") },
  // A short idle timeout lets the CLI exit as soon as it is done (pg keeps idle clients 10 s).
  adapter: async () => new PrismaPg({ connectionString, idleTimeoutMillis: 100, allowExitOnIdle: true }),
});
