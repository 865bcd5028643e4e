import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { containerArgv, imagePullErrorMessage, planLaunch, resolveImage } from './registry.js'

test('built-in references resolve with or without docker.io/ and library/', () => {
  for (const ref of ['nginx', 'nginx:1.14.2', 'docker.io/nginx:1.16.1', 'docker.io/library/nginx:latest', 'library/nginx:stable-alpine']) {
    assert.ok(resolveImage(ref), ref)
  }
  const v1 = resolveImage('gcr.io/google-samples/kubernetes-bootcamp:v1')!
  assert.equal(v1.reference, 'gcr.io/google-samples/kubernetes-bootcamp:v1')
  assert.equal(v1.imageID, 'gcr.io/google-samples/kubernetes-bootcamp@sha256:0d6b8ee63bb57c5f5b6156f446b3bc3b3c143d233037f3a2f00e279c8fcc64af')
  assert.ok(existsSync(v1.program!), v1.program)
  assert.deepEqual(v1.programArgs, ['1'])
  assert.deepEqual(resolveImage('jocatalin/kubernetes-bootcamp:v2')!.programArgs, ['2'])
  assert.equal(resolveImage('docker.io/jocatalin/kubernetes-bootcamp:v2')!.reference, 'docker.io/jocatalin/kubernetes-bootcamp:v2')
  assert.deepEqual(resolveImage('arisu1000/simple-container-app:v0.2')!.programArgs, ['v0.2'])
  assert.ok(resolveImage('busybox'))
  assert.ok(resolveImage('busybox:1.36.1-musl'))
  assert.ok(resolveImage('registry.k8s.io/busybox'))
  assert.ok(resolveImage('kubelite/static'))
  assert.equal(resolveImage('nginx:1.14.2')!.programArgs[0], '1.14.2')
})

test('digest references: the image own digest only', () => {
  const v1 = resolveImage('gcr.io/google-samples/kubernetes-bootcamp:v1')!
  const digest = v1.imageID.split('@')[1]
  assert.ok(resolveImage(`gcr.io/google-samples/kubernetes-bootcamp@${digest}`))
  assert.ok(resolveImage(`gcr.io/google-samples/kubernetes-bootcamp:v1@${digest}`))
  assert.equal(resolveImage(`gcr.io/google-samples/kubernetes-bootcamp@sha256:${'0'.repeat(64)}`), undefined)
  const nginx = resolveImage('nginx')!
  assert.ok(resolveImage(`nginx@${nginx.imageID.split('@')[1]}`))
})

test('unknown references are not found, with containerd wording', () => {
  for (const ref of ['gcr.io/google-samples/kubernetes-bootcamp:v10', 'nginx:1.161', 'foo:v10', 'busybox:v10', 'Nginx', 'arisu1000/simple-container-app:v0.3']) {
    assert.equal(resolveImage(ref), undefined, ref)
  }
  assert.equal(
    imagePullErrorMessage('nginx:1.161'),
    'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.161": failed to resolve reference "docker.io/library/nginx:1.161": docker.io/library/nginx:1.161: not found',
  )
  assert.equal(
    imagePullErrorMessage('gcr.io/google-samples/kubernetes-bootcamp:v10'),
    'rpc error: code = NotFound desc = failed to pull and unpack image "gcr.io/google-samples/kubernetes-bootcamp:v10": failed to resolve reference "gcr.io/google-samples/kubernetes-bootcamp:v10": gcr.io/google-samples/kubernetes-bootcamp:v10: not found',
  )
  assert.equal(
    imagePullErrorMessage('foo:v10'),
    'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/foo:v10": failed to resolve reference "docker.io/library/foo:v10": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
  )
  assert.equal(imagePullErrorMessage('Nginx'), `couldn't parse image reference "Nginx": invalid reference format: repository name must be lowercase`)
})

test('command and args follow Docker: command replaces ENTRYPOINT, args replace CMD', () => {
  const image = { entrypoint: ['/docker-entrypoint.sh'], cmd: ['nginx', '-g', 'daemon off;'] }
  assert.deepEqual(containerArgv(image), ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'])
  assert.deepEqual(containerArgv(image, ['sh']), ['sh'])
  assert.deepEqual(containerArgv(image, undefined, ['echo', 'hi']), ['/docker-entrypoint.sh', 'echo', 'hi'])
  assert.deepEqual(containerArgv(image, ['sh', '-c'], ['echo hi']), ['sh', '-c', 'echo hi'])
  assert.deepEqual(containerArgv({ entrypoint: [], cmd: ['sh'] }, [], []), ['sh'])
})

test('planLaunch: the image program unless argv names a host command', () => {
  const nginx = resolveImage('nginx:1.25')!
  assert.deepEqual(planLaunch(nginx), { kind: 'program', program: nginx.program, args: ['1.25.0'] })
  assert.deepEqual(planLaunch(nginx, ['nginx', '-g', 'daemon off;']), { kind: 'program', program: nginx.program, args: ['1.25.0', '-g', 'daemon off;'] })
  assert.deepEqual(planLaunch(nginx, undefined, ['sh', '-c', 'echo hi']), { kind: 'host', argv: ['sh', '-c', 'echo hi'] })
  assert.deepEqual(planLaunch(nginx, ['sleep', '5']), { kind: 'host', argv: ['sleep', '5'] })
  const busybox = resolveImage('busybox')!
  assert.deepEqual(planLaunch(busybox), { kind: 'host', argv: ['sh'] })
  assert.deepEqual(planLaunch(busybox, undefined, ['sleep', '3600']), { kind: 'host', argv: ['sleep', '3600'] })
  const stat = resolveImage('kubelite/static')!
  assert.deepEqual(planLaunch(stat, undefined, ['/srv', '--port', '9000']), { kind: 'program', program: stat.program, args: ['/srv', '--port', '9000'] })
})

test('perl: the host perl, with the docs Job one-liner computed (pi to N significant digits)', async () => {
  const perl = resolveImage('perl:5.34.0')!
  assert.ok(perl && resolveImage('perl') && resolveImage('perl:5.40-slim'))
  assert.equal(resolveImage('perl:4.0'), undefined)
  assert.deepEqual(planLaunch(perl, ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)']), { kind: 'program', program: perl.program, args: ['-Mbignum=bpi', '-wle', 'print bpi(2000)'] })
  const { piDigits } = (await import(perl.program!)) as { piDigits: (n: number) => string }
  assert.deepEqual([1, 2, 5, 10, 20].map(piDigits), ['3', '3.1', '3.1416', '3.141592654', '3.1415926535897932385'])
  const pi2000 = piDigits(2000)
  assert.equal(pi2000.length, 2001)
  assert.ok(pi2000.endsWith('3904780275901'), pi2000.slice(-20)) // 1999 decimals, the last rounded up
})

test("nginx-slim: the StatefulSet tutorial's tags resolve to the nginx program, others are not found", () => {
  for (const tag of ['0.8', '0.21', '0.24', '0.27']) {
    const img = resolveImage(`registry.k8s.io/nginx-slim:${tag}`)!
    assert.ok(img, tag)
    assert.equal(img.reference, `registry.k8s.io/nginx-slim:${tag}`)
    assert.deepEqual(planLaunch(img), { kind: 'program', program: img.program, args: [...img.programArgs] })
    assert.equal(img.programArgs[1], '--slim')
  }
  assert.ok(resolveImage('k8s.gcr.io/nginx-slim:0.8'))
  for (const ref of ['registry.k8s.io/nginx-slim:0.30', 'registry.k8s.io/nginx-slim:latest', 'registry.k8s.io/nginx-slim:0.12']) assert.equal(resolveImage(ref), undefined, ref)
})
