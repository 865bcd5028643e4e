// core/v1 Secret (upstream ValidateSecret / ValidateSecretUpdate, SetDefaults_Secret, and the v1
// conversion that folds stringData into data).
import type { Secret } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { invalid, isDNS1123Subdomain, required, tooLong, type FieldError } from '../../apis/validation.js'
import { isConfigMapKey } from '../../apis/core/names.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { maxDataSize, validateImmutableData } from './configmaps.js'
import { docs } from './docs.js'
import { isObj, objOf, str, type Obj } from './util.js'

export type SecretObj = StoredObject & Secret

/**
 * Where Go's strict standard base64 decoder stops (`illegal base64 data at input byte N`), or -1
 * when the text decodes. Like encoding/base64, CR and LF are skipped.
 */
export function base64ErrorOffset(src: string): number {
  const alphabet = /[A-Za-z0-9+/]/
  let si = 0
  const next = (): string | undefined => {
    while (si < src.length && (src[si] === '\r' || src[si] === '\n')) si++
    return si < src.length ? src[si++] : undefined
  }
  for (;;) {
    for (let j = 0; j < 4; j++) {
      const c = next()
      if (c === undefined) return j === 0 ? -1 : si - j
      if (c === '=') {
        if (j < 2) return si - 1
        if (j === 2) {
          const c2 = next()
          if (c2 === undefined) return si
          if (c2 !== '=') return si - 1
        }
        while (si < src.length && (src[si] === '\r' || src[si] === '\n')) si++
        return si < src.length ? si : -1
      }
      if (!alphabet.test(c)) return si - 1
    }
  }
}

function validateSecret(secret: SecretObj): FieldError[] {
  const errs: FieldError[] = []
  const data = objOf(secret.data)
  let total = 0
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(`data[${key}]`, key, m))
    const text = str(value)
    const bad = base64ErrorOffset(text)
    if (bad >= 0) errs.push(invalid(`data[${key}]`, '<secret contents redacted>', `illegal base64 data at input byte ${bad}`))
    else total += Buffer.from(text, 'base64').length
  }
  if (total > maxDataSize) errs.push(tooLong('data', maxDataSize))
  const decoded = (k: string) => (k in data ? Buffer.from(str(data[k]), 'base64') : undefined)
  const jsonCheck = (key: string) => {
    const b = decoded(key)
    if (!b) return errs.push(required(`data[${key}]`))
    try {
      const v = JSON.parse(b.toString('utf8'))
      if (!isObj(v)) throw new Error(`json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type map[string]interface {}`)
    } catch (e) {
      errs.push(invalid(`data[${key}]`, '<secret contents redacted>', (e as Error).message))
    }
  }
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata.annotations?.['kubernetes.io/service-account.name']) errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'))
      break
    case 'kubernetes.io/dockercfg':
      jsonCheck('.dockercfg')
      break
    case 'kubernetes.io/dockerconfigjson':
      jsonCheck('.dockerconfigjson')
      break
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) errs.push(required('data[username]'), required('data[password]'))
      break
    case 'kubernetes.io/ssh-auth':
      if (!decoded('ssh-privatekey')?.length) errs.push(required('data[ssh-privatekey]'))
      break
    case 'kubernetes.io/tls':
      if (!('tls.crt' in data)) errs.push(required('data[tls.crt]'))
      if (!('tls.key' in data)) errs.push(required('data[tls.key]'))
      break
  }
  return errs
}

export const secretsResource: ResourceDef<SecretObj> = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  resource: 'secrets',
  singular: 'secret',
  namespaced: true,
  nameValidator: isDNS1123Subdomain,

  /** stringData overwrites data (base64) and is dropped, as the v1 conversion does; type defaults to Opaque. */
  defaults(secret) {
    const s = secret as Obj
    if (isObj(s.stringData)) {
      const data: Obj = isObj(s.data) ? s.data : {}
      for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(str(v), 'utf8').toString('base64')
      if (Object.keys(data).length > 0) s.data = data
    }
    delete s.stringData
    if (!s.type) s.type = 'Opaque'
  },
  validate: validateSecret,
  validateUpdate(secret, old) {
    const errs: FieldError[] = []
    if (secret.type !== old.type) errs.push(invalid('type', secret.type ?? '', 'field is immutable'))
    errs.push(...validateImmutableData(secret, old, ['data']), ...validateSecret(secret))
    return errs
  },

  table: {
    columns: [nameColumn, column('Type', 'string', docs.secretType), column('Data', 'string', docs.secretData), ageColumn],
    cells: (s, now) => [s.metadata.name, str(s.type), Object.keys(objOf(s.data)).length, age(s.metadata.creationTimestamp, now)],
  },
  fieldSelectors: {
    type: (s) => str(s.type),
  },
}
