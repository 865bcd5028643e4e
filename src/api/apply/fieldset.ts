// Sets of field paths: who owns what.
//
// Two shapes of the same thing:
//  - `FieldSet`, upstream's fieldsV1 JSON, exactly as it appears in managedFields:
//      {"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}}}}}}}
//    A key maps to the set below it; `{}` alone, or a "." entry, says the path itself is a member.
//  - `PathTree`, the same tree with the membership flag spelled out, which the algorithms use.
//
// Trees are treated as immutable once built: operations return new trees and may share subtrees.

import { compareElements } from './pathelement.js'

/** managedFields[].fieldsV1: a serialized path element → the set below it; "." marks membership. */
export interface FieldSet {
  [pathElement: string]: FieldSet
}

export interface PathTree {
  /** The path leading here is itself in the set. */
  member: boolean
  children: Map<string, PathTree>
}

const SELF = '.'

export const emptyTree = (): PathTree => ({ member: false, children: new Map() })

export function isEmptyTree(t: PathTree): boolean {
  return !t.member && t.children.size === 0
}

/** Adds one path (parents are not added, as upstream's Set.Insert). The empty path is ignored. */
export function insertPath(root: PathTree, path: readonly string[]): void {
  if (path.length === 0) return
  let node = root
  for (const pe of path) {
    let next = node.children.get(pe)
    if (!next) {
      next = emptyTree()
      node.children.set(pe, next)
    }
    node = next
  }
  node.member = true
}

export function hasPath(root: PathTree, path: readonly string[]): boolean {
  if (path.length === 0) return false
  let node: PathTree | undefined = root
  for (const pe of path) {
    node = node.children.get(pe)
    if (!node) return false
  }
  return node.member
}

/** The subtree below `pe` (upstream's WithPrefix), or an empty tree. */
export function subtree(root: PathTree, pe: string): PathTree {
  return root.children.get(pe) ?? emptyTree()
}

function build(member: boolean, children: Map<string, PathTree>): PathTree | undefined {
  return member || children.size > 0 ? { member, children } : undefined
}

export function unionTrees(a: PathTree, b: PathTree): PathTree {
  const children = new Map(a.children)
  for (const [pe, bc] of b.children) {
    const ac = children.get(pe)
    children.set(pe, ac ? unionTrees(ac, bc) : bc)
  }
  return { member: a.member || b.member, children }
}

/** Paths in `a` but not in `b` (a parent stays when only its children are in `b`). */
export function differenceTrees(a: PathTree, b: PathTree): PathTree {
  return differenceNode(a, b) ?? emptyTree()
}

function differenceNode(a: PathTree, b: PathTree): PathTree | undefined {
  const children = new Map<string, PathTree>()
  for (const [pe, ac] of a.children) {
    const bc = b.children.get(pe)
    const d = bc ? differenceNode(ac, bc) : ac
    if (d) children.set(pe, d)
  }
  return build(a.member && !b.member, children)
}

export function intersectTrees(a: PathTree, b: PathTree): PathTree {
  return intersectNode(a, b) ?? emptyTree()
}

function intersectNode(a: PathTree, b: PathTree): PathTree | undefined {
  const children = new Map<string, PathTree>()
  for (const [pe, ac] of a.children) {
    const bc = b.children.get(pe)
    if (!bc) continue
    const i = intersectNode(ac, bc)
    if (i) children.set(pe, i)
  }
  return build(a.member && b.member, children)
}

/**
 * Like difference, but a member of `b` also takes away everything below it (upstream's
 * RecursiveDifference, used to ignore "reset fields" such as `.status` for main-resource writes).
 */
export function recursiveDifferenceTrees(a: PathTree, b: PathTree): PathTree {
  return recursiveDifferenceNode(a, b) ?? emptyTree()
}

function recursiveDifferenceNode(a: PathTree, b: PathTree): PathTree | undefined {
  const children = new Map<string, PathTree>()
  for (const [pe, ac] of a.children) {
    const bc = b.children.get(pe)
    if (bc?.member) continue
    const d = bc ? recursiveDifferenceNode(ac, bc) : ac
    if (d) children.set(pe, d)
  }
  return build(a.member && !b.member, children)
}

export function treesEqual(a: PathTree, b: PathTree): boolean {
  if (a.member !== b.member || a.children.size !== b.children.size) return false
  for (const [pe, ac] of a.children) {
    const bc = b.children.get(pe)
    if (!bc || !treesEqual(ac, bc)) return false
  }
  return true
}

/** Every member path, in upstream's Set.Iterate order: a node's members first, then its children. */
export function listPaths(root: PathTree): string[][] {
  const out: string[][] = []
  const walk = (node: PathTree, prefix: string[]): void => {
    const sorted = [...node.children.keys()].sort(compareElements)
    for (const pe of sorted) if (node.children.get(pe)!.member) out.push([...prefix, pe])
    for (const pe of sorted) {
      const child = node.children.get(pe)!
      if (child.children.size > 0) walk(child, [...prefix, pe])
    }
  }
  walk(root, [])
  return out
}

// ---- fieldsV1 <-> tree ---------------------------------------------------------------------

/** The fieldsV1 JSON form, keys in upstream's order ("." first, then elements sorted). */
export function treeToFieldSet(root: PathTree): FieldSet {
  const out: FieldSet = {}
  for (const pe of [...root.children.keys()].sort(compareElements)) {
    const child = root.children.get(pe)!
    if (isEmptyTree(child)) continue
    const inner = treeToFieldSet(child)
    out[pe] = child.member && Object.keys(inner).length > 0 ? { [SELF]: {}, ...inner } : inner
  }
  return out
}

/**
 * Reads fieldsV1 JSON. Throws `Error` on a value that is not a tree of objects; unknown element
 * kinds are dropped, as upstream does ("a future version maybe knows what they are").
 */
export function fieldSetToTree(set: unknown): PathTree {
  if (typeof set !== 'object' || set === null || Array.isArray(set)) throw new Error('expected a JSON object')
  const root = emptyTree()
  readInto(root, set as Record<string, unknown>)
  return root
}

function readInto(node: PathTree, obj: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`expected a JSON object at ${key}`)
    if (key === SELF) continue
    if (!/^[fkvi]:/.test(key)) continue
    const entries = Object.keys(value)
    const child = node.children.get(key) ?? emptyTree()
    // `{}` means "member, nothing below"; otherwise "." marks membership explicitly.
    if (entries.length === 0 || entries.includes(SELF)) child.member = true
    readInto(child, value as Record<string, unknown>)
    if (!isEmptyTree(child)) node.children.set(key, child)
  }
}

// ---- the exported helpers on the JSON form ------------------------------------------------

export function union(a: FieldSet, b: FieldSet): FieldSet {
  return treeToFieldSet(unionTrees(fieldSetToTree(a), fieldSetToTree(b)))
}

export function difference(a: FieldSet, b: FieldSet): FieldSet {
  return treeToFieldSet(differenceTrees(fieldSetToTree(a), fieldSetToTree(b)))
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  return treeToFieldSet(intersectTrees(fieldSetToTree(a), fieldSetToTree(b)))
}

export function isEmptyFieldSet(a: FieldSet): boolean {
  return isEmptyTree(fieldSetToTree(a))
}

/** The member paths of a set, each as upstream prints it (`.spec.replicas`). */
export { pathToString } from './pathelement.js'
