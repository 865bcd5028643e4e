// Interactive work through the real kubectl in a pseudo-terminal (test/e2e/terminal.ts): run -it
// with --rm, run -i without a terminal, attach (stdin, tty, resize; after a kubelite restart too),
// exec -it with job control and resize, and kubectl debug's ephemeral containers.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster, until, type Cluster } from './harness.js'
import { openTerminal, type Terminal } from './terminal.js'

describe('interactive work', { timeout: 300_000 }, () => {
  let c: Cluster
  const terminals = new Set<Terminal>()
  const terminal = (args: string[], size?: { cols: number; rows: number }) => {
    const t = openTerminal(c, args, size)
    terminals.add(t)
    return t
  }
  const ready = (name: string) =>
    until(
      `${name} to be Ready`,
      async () => {
        const p = JSON.parse(await c.k('get', 'pod', name, '-o', 'json'))
        return p.status.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True') ? p : undefined
      },
      30_000,
    )
  const sizeShows = async (t: Terminal, size: string) => {
    const mark = t.output().length
    await until(`${size} in the container's terminal`, async () => {
      t.type('stty size\r')
      await t.waitFor(`\n${size}\r\n`, 500, mark).catch(() => undefined)
      return t.output().slice(mark).includes(`\n${size}\r\n`)
    })
  }
  const pod = async (name: string) => JSON.parse(await c.k('get', 'pod', name, '-o', 'json'))

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    for (const t of terminals) t.close()
    await c?.destroy()
  })

  test('kubectl run -it --rm: an interactive shell, then the pod is deleted', { timeout: 60_000 }, async () => {
    const t = terminal(['run', '-it', '--rm', 'tmp', '--image=busybox', '--restart=Never', '--', 'sh'])
    await t.waitFor("If you don't see a command prompt, try pressing enter.")
    t.type('echo hello-$((6*7))\r')
    await t.waitFor('hello-42')
    t.type('exit\r')
    assert.equal(await t.exited, 0, t.output())
    assert.match(t.output(), /pod "tmp" deleted/)
    const gone = await c.kubectl(['get', 'pod', 'tmp'])
    assert.match(gone.stderr, /pods "tmp" not found/)
  })

  test('kubectl run -i --rm without a terminal prints the command\'s output', { timeout: 60_000 }, async () => {
    const r = await c.kubectl(['run', '-i', '--rm', 'echo', '--image=busybox', '--restart=Never', '--', 'echo', 'hi'], { timeoutMs: 45_000 })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^hi$/m)
    assert.match(r.stdout, /pod "echo" deleted/)
    // Input reaches the container's stdin, and its end closes it (stdinOnce).
    const cat = await c.kubectl(['run', '-i', '--rm', 'cat', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'while read l; do echo "got $l"; done; echo eof'], { stdin: 'one\ntwo\n', timeoutMs: 45_000 })
    assert.equal(cat.code, 0, cat.stderr)
    assert.match(cat.stdout, /got one\ngot two\neof\n/)
  })

  test('kubectl attach: stdin, tty and resize to a running shell; upstream errors; attach again after a kubelite restart', { timeout: 120_000 }, async () => {
    c.file(
      'att.yaml',
      `apiVersion: v1
kind: Pod
metadata: {name: att}
spec:
  containers:
  - {name: main, image: busybox, command: [sh], stdin: true, tty: true}
  - {name: plain, image: busybox, command: [sh, -c, 'while true; do echo tick; sleep 0.2; done']}
`,
    )
    await c.k('apply', '-f', `${c.dir}/att.yaml`)
    await ready('att')
    const t = terminal(['attach', '-it', 'att', '-c', 'main'], { cols: 90, rows: 20 })
    await t.waitFor("If you don't see a command prompt, try pressing enter.")
    t.type('echo attached-$((2*3))\r')
    await t.waitFor('attached-6')
    // kubectl sends its size (after a size one larger, to make the program redraw); a resize
    // travels kubectl → API → node → the container's terminal while the shell reads on: ask until it shows.
    await sizeShows(t, '20 90')
    t.resize(111, 33)
    await sizeShows(t, '33 111')
    t.close()
    await t.exited

    // kubectl's own checks and messages.
    const nope = await c.kubectl(['attach', 'att', '-c', 'nope'])
    assert.equal(nope.code, 1)
    assert.match(nope.stderr, /error: cannot attach to the container: container nope not found in pod att/)
    const noTty = terminal(['attach', '-it', 'att', '-c', 'plain'])
    await noTty.waitFor('Unable to use a TTY - container plain did not allocate one')
    await noTty.waitFor(/tick\r?\n/)
    noTty.close()

    // The shim outlives kubelite: after a kill -9 and a new start, the same shell is attached.
    const before = await pod('att')
    await c.kill9()
    await c.restart()
    const again = terminal(['attach', '-it', 'att', '-c', 'main'])
    await again.waitFor("If you don't see a command prompt, try pressing enter.")
    const mark = again.output().length
    again.type('echo still-$((40+2))\r')
    await again.waitFor('still-42', 20_000, mark)
    again.type('exit\r')
    assert.equal(await again.exited, 0, again.output())
    assert.match(again.output(), /Session ended, resume using 'kubectl attach att -c main -i -t' command when the pod is running/)
    const after = await until('the shell restarted', async () => {
      const p = await pod('att')
      const s = p.status.containerStatuses.find((x: { name: string }) => x.name === 'main')
      return s.restartCount === 1 ? s : undefined
    })
    const was = before.status.containerStatuses.find((x: { name: string }) => x.name === 'main')
    assert.equal(after.lastState.terminated.containerID, was.containerID)
    await c.k('delete', 'pod', 'att', '--wait=false')
  })

  test('kubectl exec -it: job control (background jobs, jobs, fg, Ctrl-C to the foreground job) and resize', { timeout: 90_000 }, async () => {
    await c.k('run', 'shell', '--image=busybox', '--', 'sleep', '3600')
    await ready('shell')
    const t = terminal(['exec', '-it', 'shell', '--', 'sh'], { cols: 100, rows: 30 })
    t.type('echo in-$((1+1))\r')
    await t.waitFor('in-2')
    await sizeShows(t, '30 100')
    let mark = t.output().length
    t.type('sleep 101 &\r')
    t.type('jobs\r')
    await t.waitFor(/\[1\] \+ Running +sleep 101/, 10_000, mark)
    t.type('fg\r')
    await t.waitFor(/fg\r\nsleep 101\r\n/, 10_000, mark)
    // Ctrl-C interrupts the foreground job, not the shell.
    const ctrlC = Date.now()
    t.type('\x03')
    t.type('echo back-$((3*3)); jobs; echo jobs-listed\r')
    await t.waitFor(/back-9\r\njobs-listed/, 10_000, mark)
    assert.ok(Date.now() - ctrlC < 10_000)
    mark = t.output().length
    t.type('sleep 102\r')
    await new Promise((r) => setTimeout(r, 300))
    t.type('\x03')
    t.type('echo interrupted-$?\r')
    await t.waitFor('interrupted-130', 10_000, mark)
    t.resize(120, 40)
    await sizeShows(t, '40 120')
    t.type('exit\r')
    assert.equal(await t.exited, 0, t.output())
    // Nothing of the session is left in the pod: only the container's own sleep runs.
    const ps = await c.k('exec', 'shell', '--', 'ps', '-eo', 'args')
    assert.doesNotMatch(ps, /sleep 10[12]/)
  })

  test('kubectl debug -it --target: a shell in the running pod that sees the target\'s processes', { timeout: 90_000 }, async () => {
    await c.k('run', 'target', '--image=busybox', '--', 'sleep', '3601')
    await ready('target')
    const t = terminal(['debug', 'target', '-it', '--image=busybox', '--target=target', '--profile=general'])
    await t.waitFor(/Defaulting debug container name to (debugger-\w+)\./)
    const name = /Defaulting debug container name to (debugger-\w+)\./.exec(t.output())![1]
    await t.waitFor("If you don't see a command prompt, try pressing enter.")
    t.type('ps -eo pid,args; echo ps-done\r')
    await t.waitFor(/\r\nps-done\r\n/)
    assert.match(t.output(), /\d+ (\S*\/)?sleep 3601\r\n/, 'the target\'s process is in view')
    t.type('exit\r')
    assert.equal(await t.exited, 0, t.output())
    assert.match(t.output(), new RegExp(`Session ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach target -c ${name} -i -t' if it is still running`))
    const s = await until('the debugger terminated', async () => {
      const st = (await pod('target')).status.ephemeralContainerStatuses?.find((x: { name: string }) => x.name === name)
      return st?.state?.terminated ? st : undefined
    })
    assert.equal(s.ready, false)
    assert.equal(s.restartCount, 0)
    assert.equal(s.image, 'busybox')
    assert.match(s.imageID, /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/)
    assert.match(s.containerID, /^process:\/\/[0-9a-f]{64}$/)
    const p = await pod('target')
    assert.equal(p.status.phase, 'Running')
    assert.equal(p.status.containerStatuses[0].restartCount, 0, 'the target went on')
  })

  test('kubectl debug without -it: the ephemeral container runs to its end, describe pod shows it, events as the kubelet records them', { timeout: 90_000 }, async () => {
    const out = await c.k('debug', 'target', '--image=busybox', '--profile=general', '--', 'sleep', '1')
    const name = /Defaulting debug container name to (debugger-\w+)\./.exec(out)?.[1] ?? assert.fail(out)
    await until('the debugger terminated', async () => {
      const st = (await pod('target')).status.ephemeralContainerStatuses?.find((x: { name: string }) => x.name === name)
      return st?.state?.terminated ? st : undefined
    })
    const d = await c.k('describe', 'pod', 'target')
    const section = d.slice(d.indexOf('Ephemeral Containers:'), d.indexOf('Conditions:'))
    assert.match(section, new RegExp(`^  ${name}:\n    Container ID: +process://[0-9a-f]{64}\n    Image: +busybox\n`, 'm'))
    const mine = section.slice(section.indexOf(`  ${name}:`))
    assert.match(mine, /Command:\n +sleep\n +1\n/)
    assert.match(mine, /State: +Terminated\n +Reason: +Completed\n +Exit Code: +0\n/)
    assert.match(mine, /Ready: +False\n +Restart Count: +0\n/)
    const events = JSON.parse(await c.k('get', 'events', '--field-selector', 'involvedObject.name=target', '-o', 'json')).items
      .filter((e: { involvedObject: { fieldPath?: string } }) => e.involvedObject.fieldPath === `spec.ephemeralContainers{${name}}`)
      .map((e: { reason: string }) => e.reason)
    assert.deepEqual(events, ['Pulling', 'Pulled', 'Created', 'Started'])
    // Never restarted.
    await new Promise((r) => setTimeout(r, 1500))
    const st = (await pod('target')).status.ephemeralContainerStatuses.find((x: { name: string }) => x.name === name)
    assert.equal(st.restartCount, 0)
    assert.ok(st.state.terminated)
  })
})
