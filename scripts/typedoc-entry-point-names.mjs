// TypeDoc plugin for `npm run docs`: names each module of the API reference after the entry
// point users import ('sluice', 'sluice/testing', ...) instead of its file (index, testing, ...).
import { Converter, ReflectionKind } from 'typedoc'

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      module.name = module.name === 'index' ? 'sluice' : `sluice/${module.name}`
    }
  })
}
