import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { planAggregatedRules } from './plan.js'

const role = (name: string, labels: Record<string, string>, rules: unknown[] | null, selectors?: unknown[]): StoredObject =>
  Object.freeze({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules, ...(selectors ? { aggregationRule: { clusterRoleSelectors: selectors } } : {}) }) as StoredObject

const pods = { verbs: ['get'], apiGroups: [''], resources: ['pods'] }
const secrets = { verbs: ['get'], apiGroups: [''], resources: ['secrets'] }
const view = (rules: unknown[] | null = null) => role('view', { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }, rules, [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }])
const toView = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }

test('the union of the matching roles rules, roles by name, each rule once', () => {
  const all = [view(), role('z-extra', toView, [secrets, pods]), role('a-base', toView, [pods]), role('other', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }])]
  assert.deepEqual(planAggregatedRules(all[0], all), [pods, secrets])
})

test('nothing to do when the rules are already the union, or the role aggregates nothing', () => {
  const all = [view([pods]), role('a-base', toView, [pods])]
  assert.equal(planAggregatedRules(all[0], all), undefined)
  assert.equal(planAggregatedRules(all[1], all), undefined)
})

test('a role no longer matching takes its rules away; the aggregating role never matches itself', () => {
  const self = role('self', toView, [pods], [{ matchLabels: toView }])
  assert.deepEqual(planAggregatedRules(self, [self]), [])
  assert.deepEqual(planAggregatedRules(view([pods, secrets]), [view([pods, secrets]), role('a-base', toView, [pods])]), [pods])
})
