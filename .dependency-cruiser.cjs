// Import directions between the components of src/ (STYLE.md, "Layout"), checked on resolved
// modules: `npm run lint` and scripts/test.mjs run `depcruise src --config .dependency-cruiser.cjs`.
// test/ and bench/ may import anything, so they are not cruised.
//
// Each component may import itself and the components listed for it, nothing else of ours:
const uses = {
  lib: [],
  apis: ['lib'],
  store: ['lib'],
  registry: ['apis', 'store', 'lib'],
  api: ['registry', 'apis', 'store', 'lib', 'client'], // client: `import type` only (rule api-client-types-only)
  client: ['apis', 'lib'],
  controllers: ['client', 'apis', 'lib'],
  node: ['client', 'apis', 'lib'],
  proxy: ['client', 'apis', 'lib'],
  dns: ['client', 'apis', 'lib'],
  images: ['apis', 'lib'],
  ui: ['client', 'apis', 'lib'], // the dashboard: server side and the page's code (bundled by scripts/build-ui.mjs)
  cli: ['lib', 'apis', 'store', 'registry', 'api', 'client', 'controllers', 'node', 'proxy', 'dns', 'images', 'ui'],
}

// Tests beside code (*.test.ts) get one relaxation: to stand up the real thing around the component
// they test, the way cli/ wires it, tests of the components that sit on the server side or talk to
// it (registry, api, client, controllers, node, proxy, dns) may also import cli/wiring.ts (an API server
// built the production way), store/ (MemoryStore), registry/, api/ (pod binding), images/ (the
// images cli/ hands to a node runtime) and client/ (values too). Never another agent-side component
// (controllers/, node/, proxy/, dns/) nor the rest of cli/; tests of lib/, apis/, store/ and images/ keep
// the plain rule.
const testFixtures = ['store', 'registry', 'api', 'images', 'client']
const relaxedForTests = ['registry', 'api', 'client', 'controllers', 'node', 'proxy', 'dns']

// Components depend on each other one way: refuse a table with a cycle in it.
function assertAcyclic(graph) {
  const state = {}
  const visit = (name, path) => {
    if (state[name] === 'done') return
    if (state[name] === 'open') throw new Error(`.dependency-cruiser.cjs: components in a cycle: ${[...path, name].join(' → ')}`)
    state[name] = 'open'
    for (const next of graph[name] ?? []) visit(next, [...path, name])
    state[name] = 'done'
  }
  for (const name of Object.keys(graph)) visit(name, [])
}
assertAcyclic(uses)

const test = '[.]test[.]ts$'
const any = (names) => `^src/(${names.join('|')})/`

const componentRules = Object.entries(uses).flatMap(([name, allowed]) => {
  const own = [name, ...allowed]
  const message = allowed.length ? `${name}/ uses only ${allowed.join(', ')}` : `${name}/ uses nothing of ours`
  const rules = [
    {
      name: `${name}-imports`,
      severity: 'error',
      comment: `${message} (STYLE.md, "Layout").`,
      from: relaxedForTests.includes(name) ? { path: `^src/${name}/`, pathNot: test } : { path: `^src/${name}/` },
      to: { path: '^src/', pathNot: any(own) },
    },
  ]
  if (relaxedForTests.includes(name))
    rules.push({
      name: `${name}-test-imports`,
      severity: 'error',
      comment: `${message}; its tests may also use cli/wiring.ts and ${testFixtures.join(', ')} (see the top of .dependency-cruiser.cjs).`,
      from: { path: `^src/${name}/.*${test}` },
      to: { path: '^src/', pathNot: [any([...own, ...testFixtures]), '^src/cli/wiring[.]ts$'] },
    })
  return rules
})

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...componentRules,
    {
      name: 'unknown-component',
      severity: 'error',
      comment: 'Every folder under src/ is a component with a line in the table at the top of .dependency-cruiser.cjs.',
      from: { path: '^src/', pathNot: any(Object.keys(uses)) },
      to: {},
    },
    {
      name: 'api-client-types-only',
      severity: 'error',
      comment: 'api/ may name client/ types (NodeConnection: what it asks of a node) but loads no client/ code.',
      from: { path: '^src/api/', pathNot: test },
      to: { path: '^src/client/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular-components',
      severity: 'error',
      comment: 'No import cycle passes through two components (the table above is acyclic too: checked on load).',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, viaSomeNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsConfig: { fileName: 'tsconfig.json' },
    // Sees `import type` too (as type-only dependencies), so a type can't sneak a direction in.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs', '.d.ts'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
