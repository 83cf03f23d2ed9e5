import type avro from 'avsc'

/** Why a reader schema cannot read what a writer schema wrote, at one place in the schema. */
export type ResolutionProblem =
  | { readonly kind: 'field-without-default'; readonly path: string; readonly field: string }
  | { readonly kind: 'type-changed'; readonly path: string; readonly readerType: string; readonly writerType: string; readonly writerBranch?: string }
  | { readonly kind: 'enum-symbol'; readonly path: string; readonly symbol: string }
  | { readonly kind: 'name-changed'; readonly path: string; readonly readerName: string; readonly writerName: string }
  | { readonly kind: 'fixed-size'; readonly path: string; readonly readerSize: number; readonly writerSize: number }

// avsc's typings leave out the members of its concrete types; these are the ones read here.
interface AnyType {
  readonly typeName: string
  readonly name?: string
  readonly aliases?: string[]
  readonly branchName?: string
  readonly fields?: { readonly name: string; readonly aliases: string[]; readonly type: AnyType; defaultValue(): unknown }[]
  readonly symbols?: string[]
  readonly default?: unknown
  readonly types?: AnyType[]
  readonly itemsType?: AnyType
  readonly valuesType?: AnyType
  readonly size?: number
  readonly underlyingType?: AnyType
}

/** Avro's promotions: what a reader type accepts besides its own type. */
const PROMOTIONS: { readonly [writer: string]: readonly string[] } = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
}

function plain(type: AnyType): AnyType {
  return type.typeName.startsWith('logical:') && type.underlyingType ? plain(type.underlyingType) : type
}

function describeType(type: AnyType): string {
  const t = plain(type)
  if (t.typeName.startsWith('union')) return `union [${(t.types ?? []).map(describeType).join(', ')}]`
  if (t.typeName === 'array') return `array of ${describeType(t.itemsType as AnyType)}`
  if (t.typeName === 'map') return `map of ${describeType(t.valuesType as AnyType)}`
  return t.name ?? t.typeName
}

function namesMatch(reader: AnyType, writer: AnyType): boolean {
  if (reader.name === undefined || writer.name === undefined) return true
  const short = (name: string): string => name.slice(name.lastIndexOf('.') + 1)
  const readerNames = [reader.name, ...(reader.aliases ?? [])]
  return readerNames.includes(writer.name) || readerNames.map(short).includes(short(writer.name))
}

function isUnion(type: AnyType): boolean {
  return type.typeName.startsWith('union')
}

/** Could the reader type read some values of the writer type without looking inside (for union branch matching)? */
function sameKind(reader: AnyType, writer: AnyType): boolean {
  const r = plain(reader)
  const w = plain(writer)
  if (r.typeName === w.typeName) return r.name === undefined || namesMatch(r, w)
  return (PROMOTIONS[w.typeName] ?? []).includes(r.typeName)
}

/**
 * Everything that keeps `reader` from reading data written with `writer`, following Avro's
 * schema resolution rules: fields matched by name (or reader alias), missing writer fields
 * need a reader default, writer enum symbols need a reader symbol or enum default, every
 * writer union branch needs a reader branch, primitive promotions allowed.
 */
export function resolutionProblems(reader: avro.Type, writer: avro.Type): ResolutionProblem[] {
  const problems: ResolutionProblem[] = []
  const visiting = new Set<string>()
  walk(reader as unknown as AnyType, writer as unknown as AnyType, '', problems, visiting)
  return problems
}

function walk(readerType: AnyType, writerType: AnyType, path: string, problems: ResolutionProblem[], visiting: Set<string>): void {
  const reader = plain(readerType)
  const writer = plain(writerType)
  if (isUnion(writer)) {
    // Each branch the writer may have used must be readable; a branch that is not is named as such.
    for (const branch of writer.types ?? []) {
      const found: ResolutionProblem[] = []
      walk(reader, branch, path, found, visiting)
      for (const problem of found) {
        problems.push(problem.kind === 'type-changed' && problem.path === path ? { ...problem, writerType: describeType(writer), writerBranch: describeType(branch) } : problem)
      }
    }
    return
  }
  if (isUnion(reader)) {
    const match = (reader.types ?? []).find((branch) => sameKind(branch, writer))
    if (!match) problems.push({ kind: 'type-changed', path, readerType: describeType(reader), writerType: describeType(writer) })
    else walk(match, writer, path, problems, visiting)
    return
  }
  if (reader.typeName !== writer.typeName) {
    if (!(PROMOTIONS[writer.typeName] ?? []).includes(reader.typeName)) problems.push({ kind: 'type-changed', path, readerType: describeType(reader), writerType: describeType(writer) })
    return
  }
  if (reader.name !== undefined && !namesMatch(reader, writer)) {
    problems.push({ kind: 'name-changed', path, readerName: reader.name, writerName: writer.name ?? '' })
    return
  }
  switch (reader.typeName) {
    case 'record': {
      const key = `${reader.name ?? ''}<-${writer.name ?? ''}`
      if (visiting.has(key)) return
      visiting.add(key)
      const writerFields = new Map((writer.fields ?? []).map((field) => [field.name, field]))
      for (const field of reader.fields ?? []) {
        const fieldPath = path === '' ? field.name : `${path}.${field.name}`
        const source = [field.name, ...field.aliases].map((name) => writerFields.get(name)).find((found) => found !== undefined)
        if (source) walk(field.type, source.type, fieldPath, problems, visiting)
        else if (field.defaultValue() === undefined) problems.push({ kind: 'field-without-default', path: fieldPath, field: field.name })
      }
      visiting.delete(key)
      return
    }
    case 'enum':
      if (reader.default !== undefined) return
      for (const symbol of writer.symbols ?? []) if (!(reader.symbols ?? []).includes(symbol)) problems.push({ kind: 'enum-symbol', path, symbol })
      return
    case 'fixed':
      if (reader.size !== writer.size) problems.push({ kind: 'fixed-size', path, readerSize: reader.size ?? 0, writerSize: writer.size ?? 0 })
      return
    case 'array':
      walk(reader.itemsType as AnyType, writer.itemsType as AnyType, `${path}[]`, problems, visiting)
      return
    case 'map':
      walk(reader.valuesType as AnyType, writer.valuesType as AnyType, `${path}{}`, problems, visiting)
      return
    default:
      return
  }
}
