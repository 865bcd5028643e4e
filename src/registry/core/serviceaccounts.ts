// core/v1 ServiceAccount (upstream ValidateServiceAccount: metadata only; printServiceAccount).
import type { ServiceAccount } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { isDNS1123Subdomain } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { docs } from './docs.js'
import { list } from './util.js'

export type ServiceAccountObj = StoredObject & ServiceAccount

export const serviceAccountsResource: ResourceDef<ServiceAccountObj> = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  nameValidator: isDNS1123Subdomain,

  table: {
    columns: [nameColumn, column('Secrets', 'string', docs.serviceAccountSecrets), ageColumn],
    cells: (sa, now) => [sa.metadata.name, list(sa.secrets).length, age(sa.metadata.creationTimestamp, now)],
  },
}
