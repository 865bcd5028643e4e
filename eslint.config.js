// Lint keeps the component boundaries of STYLE.md true: imports point one way.
//   apis, store, lib → lib only;  registry → apis, store, lib (+ api/status: the shared Status errors);
//   controllers, node, proxy → client, apis, lib;  images → nothing of ours;  only cli wires everything.
import tseslint from 'typescript-eslint'

const restrict = (...groups) => ({
  'no-restricted-imports': ['error', { patterns: groups.map((g) => ({ group: g.patterns, message: g.message })) }],
})
const component = (name) => [`../${name}/*`, `../../${name}/*`, `../../../${name}/*`, `../${name}/**`, `../../${name}/**`, `../../../${name}/**`]
const not = (names, message) => ({ patterns: names.flatMap(component), message })

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-unreachable': 'error',
    },
  },
  {
    files: ['src/apis/**/*.ts', 'src/store/**/*.ts', 'src/lib/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict(not(['api', 'registry', 'client', 'controllers', 'node', 'proxy', 'cli', 'images'], 'apis/, store/ and lib/ are the bottom layer: they import only lib/.')),
  },
  {
    files: ['src/registry/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict(
      not(['client', 'controllers', 'node', 'proxy', 'cli', 'images'], 'registry/ uses apis/, store/ and lib/ only.'),
      { patterns: ['../api/*', '../../api/*', '!../api/status.js', '!../../api/status.js', '../api/*/**', '../../api/*/**'], message: 'registry/ may only use api/status.js from api/.' },
    ),
  },
  {
    files: ['src/controllers/**/*.ts', 'src/node/**/*.ts', 'src/proxy/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict(not(['api', 'registry', 'store', 'cli'], 'controllers/, node/ and proxy/ reach the API only through client/ (as an outside program would).')),
  },
)
