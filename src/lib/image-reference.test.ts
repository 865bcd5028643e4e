import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseImageReference } from './image-reference.js'

test('normalizes references as the kubelet and containerd name them', () => {
  const cases: [string, string, string, string | undefined][] = [
    ['nginx', 'docker.io/library/nginx:latest', 'docker.io/library/nginx', undefined],
    ['nginx:1.14.2', 'docker.io/library/nginx:1.14.2', 'docker.io/library/nginx', '1.14.2'],
    ['library/nginx:1.14.2', 'docker.io/library/nginx:1.14.2', 'docker.io/library/nginx', '1.14.2'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest', 'docker.io/library/nginx', undefined],
    ['index.docker.io/library/busybox:1.36', 'docker.io/library/busybox:1.36', 'docker.io/library/busybox', '1.36'],
    ['jocatalin/kubernetes-bootcamp:v2', 'docker.io/jocatalin/kubernetes-bootcamp:v2', 'docker.io/jocatalin/kubernetes-bootcamp', 'v2'],
    ['gcr.io/google-samples/kubernetes-bootcamp:v1', 'gcr.io/google-samples/kubernetes-bootcamp:v1', 'gcr.io/google-samples/kubernetes-bootcamp', 'v1'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev', 'localhost:5000/app', 'dev'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app', undefined],
  ]
  for (const [input, normalized, repository, tag] of cases) {
    const r = parseImageReference(input)
    assert.ok(r.ok, input)
    assert.equal(r.ref.normalized, normalized, input)
    assert.equal(r.ref.repository, repository, input)
    assert.equal(r.ref.tag, tag, input)
  }
})

test('digests, alone or with a tag', () => {
  const d = 'sha256:' + 'a'.repeat(64)
  const a = parseImageReference(`nginx@${d}`)
  assert.ok(a.ok)
  assert.equal(a.ref.normalized, `docker.io/library/nginx@${d}`)
  assert.equal(a.ref.digest, d)
  const b = parseImageReference(`nginx:1.25@${d}`)
  assert.ok(b.ok)
  assert.equal(b.ref.normalized, `docker.io/library/nginx:1.25@${d}`)
})

test('rejects what distribution/reference rejects, with its wording', () => {
  assert.deepEqual(parseImageReference('Nginx'), { ok: false, error: 'invalid reference format: repository name must be lowercase' })
  assert.deepEqual(parseImageReference(''), { ok: false, error: 'invalid reference format' })
  assert.deepEqual(parseImageReference('nginx:'), { ok: false, error: 'invalid reference format' })
  assert.deepEqual(parseImageReference('nginx::1'), { ok: false, error: 'invalid reference format' })
  assert.deepEqual(parseImageReference('-nginx'), { ok: false, error: 'invalid reference format' })
  assert.deepEqual(parseImageReference('a'.repeat(64)), {
    ok: false,
    error: `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`,
  })
  assert.equal(parseImageReference(`x/${'a'.repeat(260)}`).ok, false)
})
