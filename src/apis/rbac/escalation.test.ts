// After upstream's pkg/registry/rbac/validation rule_test.go (Covers) and the wording of
// ConfirmNoEscalation.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compactString, escalationMessage, uncovered } from './escalation.js'
import type { PolicyRule } from './rules.js'

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) })

test('covers: wildcards, subresources through */sub, resource names, non-resource prefixes', () => {
  const table: [PolicyRule[], PolicyRule[], boolean][] = [
    [[r(['*'], ['*'], ['*'])], [r(['get', 'delete'], ['apps', ''], ['deployments', 'pods/log'])], true],
    [[r(['get'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods'])], false],
    [[r(['get'], [''], ['*/status'])], [r(['get'], [''], ['pods/status'])], true],
    [[r(['get'], [''], ['*/status'])], [r(['get'], [''], ['pods'])], false],
    [[r(['get'], [''], ['configmaps'])], [r(['get'], [''], ['configmaps'], ['a'])], true],
    [[r(['get'], [''], ['configmaps'], ['a'])], [r(['get'], [''], ['configmaps'], ['a', 'b'])], false],
    [[r(['get'], [''], ['configmaps'], ['a'])], [r(['get'], [''], ['configmaps'])], false],
    [[{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }], true],
    [[{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/api'] }], false],
  ]
  for (const [owner, servant, want] of table) assert.equal(uncovered(owner, servant).length === 0, want, `${JSON.stringify(owner)} ⊇ ${JSON.stringify(servant)}`)
})

test('compactString as rbacv1helpers prints rules', () => {
  assert.equal(compactString(r(['get', 'list'], [''], ['pods'])), '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}')
  assert.equal(compactString({ verbs: ['*'], nonResourceURLs: ['*'] }), '{NonResourceURLs:["*"], Verbs:["*"]}')
  assert.equal(compactString(r(['get'], [''], ['configmaps'], ['a'])), '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}')
})

test('the escalation message: missing rights compacted per group and resource, sorted, one a line', () => {
  const user = { username: 'jane', groups: ['dev', 'system:authenticated'] }
  assert.equal(escalationMessage(user, [r(['get'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods'])]), 'user "jane" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["list"]}')
  assert.equal(
    escalationMessage(user, [], [r(['get', 'list'], ['apps'], ['deployments']), r(['delete'], [''], ['secrets'])]),
    'user "jane" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}',
  )
  assert.equal(escalationMessage(user, [r(['*'], ['*'], ['*'])], [r(['get'], [''], ['pods'])]), undefined)
})
