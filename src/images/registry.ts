// The built-in images: which references exist and how a container of each runs on the host.
// Each image is either a small Node program shipped in ./programs (run with the agent's own Node)
// or a "host" image (busybox, alpine) whose command runs as a host process.
//
// The programs are plain .mjs files (no compilation) next to this module. The build compiles only
// src/**/*.ts into dist/, so from dist/images/registry.js they are found in the package's src/
// folder instead (package.json ships "src"): see programsDir().
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { basename, join } from 'node:path'
import { parseImageReference, type ImageReference } from '../lib/image-reference.js'

export interface BuiltinImage {
  /** As containerd names it: `docker.io/library/nginx:1.14.2`. */
  reference: string
  /** `docker.io/library/nginx` */
  repository: string
  /** containerStatuses[].imageID: `<repository>@sha256:<64 hex>`. */
  imageID: string
  /** Bytes, for the `Pulled` event ("Image size: N bytes"). */
  size: number
  /** Docker ENTRYPOINT and CMD: a container's command replaces the first, its args the second. */
  entrypoint: string[]
  cmd: string[]
  /** The image's ENV (PATH aside: commands run on the host with the host's PATH). */
  env: Record<string, string>
  /**
   * Node program of the image (absolute path). A container whose argv[0] is one of `executables`
   * (compared by basename), or that gives neither command nor args, runs it with
   * `programArgs` + argv[1..]. Undefined for host images: argv runs as a host command.
   */
  program?: string
  programArgs: string[]
  executables: string[]
}

/** How to start a container: a built-in program or a host command. */
export type Launch = { kind: 'program'; program: string; args: string[] } | { kind: 'host'; argv: string[] }

interface ImageDef {
  repositories: string[]
  /** Tag → variant; undefined: no such tag. */
  tag(tag: string): ImageVariant | undefined
}

interface ImageVariant {
  size: number
  /** Known upstream digest; otherwise one is derived from the reference. */
  digest?: string
  entrypoint?: string[]
  cmd: string[]
  env?: Record<string, string>
  program?: string
  programArgs?: string[]
  executables?: string[]
}

const bootcamp: ImageDef = {
  repositories: ['gcr.io/google-samples/kubernetes-bootcamp', 'docker.io/jocatalin/kubernetes-bootcamp'],
  tag: (tag) =>
    tag === 'v1' || tag === 'v2'
      ? {
          size: tag === 'v1' ? 70_614_368 : 70_638_592,
          digest: tag === 'v1' ? 'sha256:0d6b8ee63bb57c5f5b6156f446b3bc3b3c143d233037f3a2f00e279c8fcc64af' : undefined,
          cmd: ['/bin/sh', '-c', 'node server.js'],
          env: { NPM_CONFIG_LOGLEVEL: 'info', NODE_VERSION: '6.3.1' },
          program: 'bootcamp.mjs',
          programArgs: [tag.slice(1)],
          executables: ['node', 'server.js'],
        }
      : undefined,
}

const simpleContainerApp: ImageDef = {
  repositories: ['docker.io/arisu1000/simple-container-app'],
  tag: (tag) =>
    tag === 'v0.1' || tag === 'v0.2' || tag === 'latest'
      ? {
          size: 6_215_448,
          cmd: ['./simple-container-app'],
          program: 'simple-container-app.mjs',
          programArgs: tag === 'latest' ? ['v0.2', 'latest'] : [tag],
          executables: ['simple-container-app'],
        }
      : undefined,
}

const helloApp: ImageDef = {
  repositories: ['gcr.io/google-samples/hello-app', 'us-docker.pkg.dev/google-samples/containers/gke/hello-app'],
  tag: (tag) =>
    tag === '1.0' || tag === '2.0'
      ? { size: 4_345_217, cmd: ['./hello-app'], program: 'hello-app.mjs', programArgs: [`${tag}.0`], executables: ['hello-app'] }
      : undefined,
}

// nginx tags: latest/stable/mainline and 1.MINOR[.PATCH], each optionally with a variant suffix
// (alpine, perl, bookworm...). 1.161 (the Deployment tutorial's typo) does not exist.
const nginxLatest = '1.27.3'
const nginxStable = '1.26.2'
const nginx: ImageDef = {
  repositories: ['docker.io/library/nginx'],
  tag: (tag) => {
    const m = /^(latest|stable|mainline|alpine|perl|alpine-slim|alpine-perl|bookworm|(1)\.(\d{1,2})(?:\.(\d{1,2}))?)(?:-(alpine|alpine-slim|alpine-perl|perl|bookworm|bullseye|buster|stretch|otel|alpine-otel))?$/.exec(tag)
    if (!m) return undefined
    let version = nginxLatest
    if (m[1] === 'stable') version = nginxStable
    else if (m[2]) {
      const minor = Number(m[3])
      if (minor > 27) return undefined
      version = `1.${minor}.${m[4] ?? '0'}`
    }
    const [, minor] = version.split('.').map(Number)
    return {
      size: 72_099_501,
      entrypoint: minor >= 19 ? ['/docker-entrypoint.sh'] : [],
      cmd: ['nginx', '-g', 'daemon off;'],
      env: { NGINX_VERSION: version, NJS_VERSION: '0.8.7', PKG_RELEASE: '1~bookworm' },
      program: 'nginx.mjs',
      programArgs: [version],
      executables: ['nginx', 'nginx-debug'],
    }
  },
}

// registry.k8s.io/nginx-slim (the StatefulSet tutorial's image; also its k8s.gcr.io and
// gcr.io/google_containers names): a small nginx with the same default server, without
// docker-entrypoint.sh. Tags 0.5-0.8 (the older docs) and 0.20-0.27 (web.yaml uses 0.21, the
// update steps 0.24). The Server header names an nginx of the tag's era.
const nginxSlim: ImageDef = {
  repositories: ['registry.k8s.io/nginx-slim', 'k8s.gcr.io/nginx-slim', 'gcr.io/google_containers/nginx-slim', 'gcr.io/google-containers/nginx-slim'],
  tag: (tag) => {
    const m = /^0\.(\d{1,2})$/.exec(tag)
    const n = m ? Number(m[1]) : -1
    if (!((n >= 5 && n <= 8) || (n >= 20 && n <= 27))) return undefined
    const version = n < 20 ? '1.11.1' : '1.21.6'
    return { size: n < 20 ? 11_004_224 : 18_223_431, cmd: ['nginx', '-g', 'daemon off;'], env: { NGINX_VERSION: version }, program: 'nginx.mjs', programArgs: [version, '--slim'], executables: ['nginx'] }
  },
}

const staticServer: ImageDef = {
  repositories: ['docker.io/kubelite/static'],
  tag: (tag) =>
    /^(latest|v?\d+(\.\d+){0,2})$/.test(tag)
      ? { size: 1_024, entrypoint: ['static'], cmd: [], program: 'static.mjs', executables: ['static'] }
      : undefined,
}

const pause: ImageDef = {
  repositories: ['registry.k8s.io/pause', 'k8s.gcr.io/pause'],
  tag: (tag) => (/^(latest|[1-3]\.\d{1,2})$/.test(tag) ? { size: 320_368, cmd: ['/pause'], program: 'pause.mjs', executables: ['pause'] } : undefined),
}

// Host images: the container's command runs on the host (PATH from the host). busybox's CMD is
// `sh`, which exits at once without a terminal, as in real busybox.
const busyboxTag = /^(latest|stable|musl|glibc|uclibc|unstable|1\.\d{1,2}(\.\d{1,2})?(-(musl|glibc|uclibc))?)$/
const busybox: ImageDef = {
  repositories: ['docker.io/library/busybox', 'registry.k8s.io/busybox', 'k8s.gcr.io/busybox', 'gcr.io/google-containers/busybox'],
  tag: (tag) => (busyboxTag.test(tag) ? { size: 2_166_802, cmd: ['sh'] } : undefined),
}
const alpine: ImageDef = {
  repositories: ['docker.io/library/alpine'],
  tag: (tag) => (/^(latest|edge|3(\.\d{1,2}){0,2})$/.test(tag) ? { size: 3_623_807, cmd: ['/bin/sh'] } : undefined),
}

// perl: the host's perl (programs/perl.mjs; it computes the docs' `print bpi(N)` Job itself).
// CMD as the official image's: the debugger on an empty program.
const perlTag = /^(latest|stable|slim|threaded|bookworm|bullseye|5(\.\d{1,2}){0,2}(-(slim|threaded|bookworm|bullseye|slim-bookworm|slim-bullseye|slim-threaded|threaded-bookworm))?)$/
const perl: ImageDef = {
  repositories: ['docker.io/library/perl'],
  tag: (tag) => (perlTag.test(tag) ? { size: 335_112_462, cmd: ['perl', '-de0'], program: 'perl.mjs', executables: ['perl'] } : undefined),
}

// argoproj/rollouts-demo (Argo Rollouts' demo app): one tag per color, `bad-<color>` with
// ERROR_RATE=15, `slow-<color>` with LATENCY=2, as its release.sh builds them; `latest` has no
// COLOR (a random color per request). ENV as its Dockerfile sets it (empty values included).
const rolloutsDemoColors = ['red', 'orange', 'yellow', 'green', 'blue', 'purple']
const rolloutsDemo: ImageDef = {
  repositories: ['docker.io/argoproj/rollouts-demo'],
  tag: (tag) => {
    const m = /^(?:(bad|slow)-)?([a-z]+)$/.exec(tag)
    const c = m?.[2]
    if (!m || !(rolloutsDemoColors.includes(c!) || (c === 'latest' && !m[1]))) return undefined
    return {
      size: 4_807_392,
      entrypoint: ['/rollouts-demo'],
      cmd: [],
      env: { COLOR: c === 'latest' ? '' : c!, ERROR_RATE: m[1] === 'bad' ? '15' : '', LATENCY: m[1] === 'slow' ? '2' : '' },
      program: 'rollouts-demo.mjs',
      executables: ['rollouts-demo'],
    }
  },
}

/** The HorizontalPodAutoscaler walkthrough's php-apache: each request burns CPU, then answers "OK!". */
const hpaExample: ImageDef = {
  repositories: ['registry.k8s.io/hpa-example', 'k8s.gcr.io/hpa-example'],
  tag: (tag) => (tag === 'latest' ? { size: 180_916_146, cmd: ['apache2-foreground'], env: { PHP_VERSION: '5.6.40' }, program: 'hpa-example.mjs', executables: ['apache2-foreground'] } : undefined),
}

const images: ImageDef[] = [hpaExample, bootcamp, simpleContainerApp, helloApp, nginx, nginxSlim, staticServer, pause, busybox, alpine, perl, rolloutsDemo]

function findDef(repository: string): ImageDef | undefined {
  return images.find((d) => d.repositories.includes(repository))
}

function derivedDigest(ref: ImageReference): string {
  return 'sha256:' + createHash('sha256').update(`kubelite-image:${ref.repository}:${ref.tag ?? 'latest'}`).digest('hex')
}

/** True when the repository (`docker.io/library/nginx`) is one of the built-in images'. */
export function isBuiltinRepository(repository: string): boolean {
  return findDef(repository) !== undefined
}

let programsDirCache: string | undefined

/** Where the .mjs programs are: beside this module (src/, tsx) or, from dist/, in the package's src/. */
export function programsDir(): string {
  if (programsDirCache) return programsDirCache
  const beside = fileURLToPath(new URL('./programs/', import.meta.url))
  const fromDist = fileURLToPath(new URL('../../src/images/programs/', import.meta.url))
  programsDirCache = existsSync(join(beside, 'bootcamp.mjs')) ? beside : fromDist
  return programsDirCache
}

/**
 * The built-in image a reference names, or undefined (→ not found). Accepts what the kubelet
 * accepts: with or without `docker.io/` and `library/`, a tag, a digest, or both. A digest alone
 * must be the image's own (its imageID's digest).
 */
export function resolveImage(reference: string): BuiltinImage | undefined {
  const parsed = parseImageReference(reference)
  if (!parsed.ok) return undefined
  const ref = parsed.ref
  const def = findDef(ref.repository)
  if (!def) return undefined
  let tag = ref.tag
  let variant: ImageVariant | undefined
  if (tag === undefined && ref.digest !== undefined) {
    // Digest only: find the tag whose digest it is among the common ones.
    for (const t of ['latest', 'v1', 'v2', 'v0.1', 'v0.2', '1.0', '2.0', 'stable']) {
      const v = def.tag(t)
      if (v && (v.digest ?? derivedDigest({ ...ref, tag: t })) === ref.digest) {
        tag = t
        variant = v
        break
      }
    }
    if (!variant) return undefined
  } else {
    tag ??= 'latest'
    variant = def.tag(tag)
    if (!variant) return undefined
  }
  const digest = variant.digest ?? derivedDigest({ ...ref, tag })
  if (ref.digest !== undefined && ref.digest !== digest) return undefined
  return {
    reference: ref.normalized,
    repository: ref.repository,
    imageID: `${ref.repository}@${digest}`,
    size: variant.size,
    entrypoint: variant.entrypoint ?? [],
    cmd: variant.cmd,
    env: variant.env ?? {},
    program: variant.program ? join(programsDir(), variant.program) : undefined,
    programArgs: variant.programArgs ?? [],
    executables: variant.executables ?? [],
  }
}

/**
 * The error a pull of a missing reference gets, as containerd words it through the CRI (the
 * kubelet shows it in the `Failed` event and the container's waiting message):
 *   rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.161":
 *   failed to resolve reference "docker.io/library/nginx:1.161": docker.io/library/nginx:1.161: not found
 * A repository Docker Hub does not have answers "pull access denied" instead.
 */
export function imagePullErrorMessage(reference: string): string {
  const parsed = parseImageReference(reference)
  if (!parsed.ok) return `couldn't parse image reference "${reference}": ${parsed.error}`
  const n = parsed.ref.normalized
  const head = `failed to pull and unpack image "${n}": failed to resolve reference "${n}"`
  if (parsed.ref.domain === 'docker.io' && !findDef(parsed.ref.repository)) {
    return `rpc error: code = Unknown desc = ${head}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`
  }
  return `rpc error: code = NotFound desc = ${head}: ${n}: not found`
}

/** Docker's rule: command replaces ENTRYPOINT (and drops CMD unless args are given), args replace CMD. */
export function containerArgv(image: Pick<BuiltinImage, 'entrypoint' | 'cmd'>, command?: string[], args?: string[]): string[] {
  const hasCommand = command !== undefined && command.length > 0
  const hasArgs = args !== undefined && args.length > 0
  const entry = hasCommand ? command : image.entrypoint
  const rest = hasArgs ? args : hasCommand ? [] : image.cmd
  return [...entry, ...rest]
}

/**
 * What to run for a container of this image. Neither command nor args: the image's program (or
 * its CMD on the host). Otherwise argv as Docker builds it; an argv[0] naming the image's own
 * executable runs the program, `docker-entrypoint.sh X...` runs X (as the real script's `exec "$@"`),
 * anything else is a host command.
 */
export function planLaunch(image: BuiltinImage, command?: string[], args?: string[]): Launch {
  const noOverride = !(command?.length || args?.length)
  if (noOverride && image.program) return { kind: 'program', program: image.program, args: [...image.programArgs] }
  let argv = containerArgv(image, command, args)
  if (argv.length > 0 && basename(argv[0]) === 'docker-entrypoint.sh') argv = argv.length > 1 ? argv.slice(1) : image.cmd
  if (image.program && (argv.length === 0 || image.executables.includes(basename(argv[0])))) {
    return { kind: 'program', program: image.program, args: [...image.programArgs, ...argv.slice(1)] }
  }
  return { kind: 'host', argv }
}
