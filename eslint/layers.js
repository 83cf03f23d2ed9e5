// Imports go down the layers (see ARCHITECTURE.md). This rule resolves every relative import of a
// file under src/ and refuses one that points at a higher layer, or sideways at another part of
// the same floor; code outside src/ (topologies, demo) reaches Sluice through its entry points only.
import { dirname, relative, resolve, sep } from 'node:path'

/** Floors from the bottom; parts on one floor do not import each other. */
export const LAYERS = [
  { floor: 0, name: 'base', paths: ['errors.ts', 'base/'] },
  { floor: 1, name: 'serde', paths: ['serde/'] },
  { floor: 2, name: 'state', paths: ['state/'] },
  { floor: 3, name: 'processor', paths: ['processor/'] },
  { floor: 4, name: 'topology', paths: ['topology/'] },
  { floor: 5, name: 'dsl', paths: ['dsl/'] },
  { floor: 6, name: 'runtime', paths: ['runtime/'] },
  { floor: 7, name: 'testing', paths: ['testing/'] },
  { floor: 7, name: 'sinks', paths: ['sinks/'] },
  { floor: 7, name: 'connect', paths: ['connect/'] },
  { floor: 7, name: 'console', paths: ['console/'] },
  { floor: 8, name: 'cli', paths: ['cli/'] },
  // The package's entry points (src/index.ts, src/testing.ts, ...) gather the public API from every floor.
  { floor: 9, name: 'entry points', paths: ['index.ts', 'testing.ts', 'postgres.ts', 'avro.ts', 'debezium.ts'] },
]

/** Folders outside src/ that use Sluice as its users do (in conformance/, the config turns the rule on for the cases' topologies only). */
const USER_FOLDERS = ['topologies', 'demo', 'conformance']

function layerOf(pathInSrc) {
  const posix = pathInSrc.split(sep).join('/')
  return LAYERS.find((layer) => layer.paths.some((path) => (path.endsWith('/') ? posix.startsWith(path) : posix === path)))
}

function importedPath(file, specifier) {
  const target = resolve(dirname(file), specifier)
  return target.replace(/\.js$/, '.ts')
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports go down the layers of src/; topologies/ and demo/ use the public entry points' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      upward: '{{from}} ({{fromLayer}}) may not import {{to}} ({{toLayer}}): imports go down the layers (ARCHITECTURE.md)',
      sideways: '{{from}} ({{fromLayer}}) may not import {{to}} ({{toLayer}}), a part on the same floor (ARCHITECTURE.md)',
      unlayered: '{{file}} is in no layer of src/: add its folder to eslint/layers.js and ARCHITECTURE.md',
      internal: "{{from}} may not import Sluice's internals ({{to}}): import 'sluice' or one of its subpaths",
    },
  },
  create(context) {
    const root = resolve(context.cwd, context.options[0]?.root ?? '.')
    const src = resolve(root, 'src')
    const file = context.filename
    const fromSrc = relative(src, file)
    const inSrc = !fromSrc.startsWith('..')
    const fromRoot = relative(root, file).split(sep)[0]
    const userCode = USER_FOLDERS.includes(fromRoot)
    if (!inSrc && !userCode) return {}
    const fromLayer = inSrc ? layerOf(fromSrc) : undefined

    function check(node, specifier) {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return
      const target = importedPath(file, specifier)
      const toSrc = relative(src, target)
      if (toSrc.startsWith('..')) return
      const toLayer = layerOf(toSrc)
      if (!inSrc) {
        // Type-only imports leave nothing at run time; a shipped file's contract with the CLI may use one.
        if (node.importKind === 'type') return
        context.report({ node, messageId: 'internal', data: { from: relative(root, file), to: relative(root, target) } })
        return
      }
      if (!fromLayer || !toLayer || fromLayer === toLayer) return
      const data = { from: relative(root, file), fromLayer: fromLayer.name, to: relative(root, target), toLayer: toLayer.name }
      if (toLayer.floor > fromLayer.floor) context.report({ node, messageId: 'upward', data })
      else if (toLayer.floor === fromLayer.floor) context.report({ node, messageId: 'sideways', data })
    }

    return {
      Program(node) {
        if (inSrc && !fromLayer) context.report({ node, messageId: 'unlayered', data: { file: relative(root, file) } })
      },
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    }
  },
}

export default { rules: { layers: layersRule } }
