// The pod sandbox: the plan sandbox.sh follows (pure), and, where this host allows namespaces,
// real pods: their hostname, /etc/hosts, uid, volumes, what they cannot see, exec inside them,
// adoption by a new runtime, and nothing left once the sandbox is removed.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { builtinImages } from '../../images/index.js'
import { collector } from '../agent/probe.js'
import { ProcessRuntime } from './process.js'
import { containerCapabilities, detectIsolation, sandboxPlan } from './sandbox.js'
import type { ContainerSpec, SandboxSpec } from './types.js'
import { isAlive } from './procfs.js'

test('sandboxPlan: the pod files, volumes parents first, then what to hide', () => {
  const plan = sandboxPlan(
    { hosts: '/d/hosts', resolvConf: '/d/resolv.conf', hostname: '/d/hostname' },
    [
      { hostPath: '/v/b', containerPath: '/data/sub/', readOnly: true },
      { hostPath: '/v/a', containerPath: '/data' },
    ],
    ['/root/.kubelite', '/root/.kube/config'],
  )
  assert.equal(
    plan,
    [
      'file\t/d/hosts\t/etc/hosts',
      'file\t/d/resolv.conf\t/etc/resolv.conf',
      'file\t/d/hostname\t/etc/hostname',
      'bind\t/v/a\t/data\trw',
      'bind\t/v/b\t/data/sub/\tro',
      'hide\t/root/.kubelite',
      'hide\t/root/.kube/config',
      '',
    ].join('\n'),
  )
  assert.throws(() => sandboxPlan({}, [{ hostPath: '/v/a', containerPath: '/x\ty' }], []), /tab or newline/)
})

test('capabilities a container may keep: Docker defaults, never sys_admin', () => {
  assert.ok(!containerCapabilities.includes('sys_admin'))
  assert.ok(containerCapabilities.includes('net_bind_service'))
})

const isolation = detectIsolation()
const live = isolation.mode === 'namespaces'
const root = mkdtempSync(join(tmpdir(), 'kubelite-sandbox-'))
const runtimes: ProcessRuntime[] = []
after(async () => {
  await Promise.all(runtimes.map((r) => r.close(0)))
  rmSync(root, { recursive: true, force: true })
})

async function run(rt: ProcessRuntime, sb: SandboxSpec, c: ContainerSpec, command: string[]): Promise<{ code: number; out: string }> {
  const out = collector()
  const code = await rt.exec(sb, c, command, { stdout: out.stream, stderr: out.stream })
  return { code, out: out.text() }
}

test('a pod in its sandbox: hostname, /etc/hosts, resolv.conf, its uid, its volume; not kubelite data, not host processes', { skip: !live && `no namespaces here (${isolation.mode === 'none' ? isolation.reason : ''})` }, async () => {
  const secretDir = join(root, 'data')
  mkdirSync(secretDir, { recursive: true, mode: 0o700 })
  writeFileSync(join(secretDir, 'admin.token'), 'do-not-read\n', { mode: 0o600 })
  const vol = join(root, 'vol')
  mkdirSync(vol, { recursive: true })
  writeFileSync(join(vol, 'greeting'), 'hello from a volume\n')
  const rt = new ProcessRuntime({ stateDir: join(root, 'state'), images: builtinImages, hiddenPaths: [secretDir] })
  runtimes.push(rt)
  assert.ok(rt.sandboxed)
  assert.match(rt.isolation, /^pod isolation: namespaces/)
  const sb: SandboxSpec = {
    podUid: 'uid-sandboxed',
    podName: 'sandboxed',
    namespace: 'default',
    podIP: '127.244.251.1',
    logDir: join(root, 'logs'),
    hostname: 'web-0',
    hostsFile: '# Kubernetes-managed hosts file.\n127.244.251.1\tweb-0\n',
    resolvConf: 'nameserver 127.96.0.10\n',
    mounts: [{ hostPath: vol, containerPath: '/etc/config', readOnly: true }],
  }
  const c: ContainerSpec = { name: 'main', image: 'busybox', command: ['sleep', '3600'], env: {}, restartCount: 0 }
  const h = await rt.startContainer(sb, c)
  assert.equal((await run(rt, sb, c, ['hostname'])).out, 'web-0\n')
  assert.equal((await run(rt, sb, c, ['cat', '/etc/hosts'])).out, sb.hostsFile)
  assert.equal((await run(rt, sb, c, ['cat', '/etc/resolv.conf'])).out, sb.resolvConf)
  assert.equal((await run(rt, sb, c, ['cat', '/etc/config/greeting'])).out, 'hello from a volume\n')
  const id = (await run(rt, sb, c, ['id', '-u'])).out.trim()
  assert.notEqual(id, '0')
  const secret = await run(rt, sb, c, ['cat', join(secretDir, 'admin.token')])
  assert.notEqual(secret.code, 0)
  assert.doesNotMatch(secret.out, /do-not-read/)
  // Its own PID namespace: PID 1 is the sandbox, and kubelite (this process) is not there.
  const ps = await run(rt, sb, c, ['sh', '-c', 'ls /proc | grep -E "^[0-9]+$" | sort -n | head -1; test -e /proc/' + process.pid + ' && echo visible || echo hidden'])
  assert.equal(ps.out, '1\n' + (process.pid === 1 ? 'visible' : 'hidden') + '\n')
  // Writes to the read-only volume fail; a new /etc/config did not appear on the host.
  assert.notEqual((await run(rt, sb, c, ['touch', '/etc/config/x'])).code, 0)
  assert.ok(!existsSync('/etc/config/greeting'))

  // A second runtime on the same state dir (the agent restarted) adopts the container and can exec in its sandbox.
  rt.detach()
  const rt2 = new ProcessRuntime({ stateDir: join(root, 'state'), images: builtinImages, hiddenPaths: [secretDir] })
  runtimes.push(rt2)
  const adopted = await rt2.listRunning()
  assert.equal(adopted.length, 1)
  assert.equal((await run(rt2, sb, c, ['hostname'])).out, 'web-0\n')
  assert.deepEqual(rt2.listPodSandboxes(), ['uid-sandboxed'])
  const st = await adopted[0].handle.stop(1)
  assert.equal(st.signal, 'SIGTERM')
  await rt2.removePodSandbox('uid-sandboxed')
  assert.deepEqual(rt2.listPodSandboxes(), [])
  assert.ok(!isAlive(h.pid!))
})
