// The layers, checked by a machine (`pnpm run lint`): services are separate programs that talk
// over HTTP, queues and the database, so none imports another; packages are shared code that
// any service may use, so none imports a service; contracts are the pure shapes everyone agrees
// on, so they import no database, event or model code. Cross-service tests live in tests/ and
// benchmarks in bench/, which may import anything.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-service-to-service",
      comment:
        "A service imports another service: share the code through a package in packages/, or move a test that runs several services to tests/.",
      severity: "error",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/", pathNot: "^services/$1/" },
    },
    {
      name: "no-package-to-service",
      comment: "A package imports a service: packages are shared by services, never the other way round.",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^services/" },
    },
    {
      name: "contracts-are-pure",
      comment: "contracts import db, events or llm: contracts are the shapes every layer agrees on, with no behaviour of those layers.",
      severity: "error",
      from: { path: "^packages/contracts/" },
      to: { path: "^packages/(db|events|llm)/" },
    },
    {
      name: "resolvable",
      comment: "An import that resolves to nothing: a missing dependency in package.json, or a typo.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|\\.tools)/" },
    tsPreCompilationDeps: true,
    // Workspace packages are symlinks into packages/ and services/: resolve them to where they live.
    preserveSymlinks: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "node", "default"],
      extensions: [".ts", ".js", ".json"],
    },
  },
};
