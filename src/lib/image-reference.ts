// Image references parsed and normalized the way the kubelet and containerd do it
// (github.com/distribution/reference: ParseNormalizedNamed, splitDockerDomain, TagNameOnly):
//   nginx                  → docker.io/library/nginx:latest
//   jocatalin/foo:v2       → docker.io/jocatalin/foo:v2
//   gcr.io/x/y@sha256:...  → gcr.io/x/y@sha256:...
// Pure: no I/O. In lib/ because both images/ (the built-in images) and node/ (the sim runtime's
// pull rule) read references.

export interface ImageReference {
  /** Registry host (with port), e.g. `docker.io`, `gcr.io`, `localhost:5000`. */
  domain: string
  /** Repository path inside the registry, e.g. `library/nginx`, `google-samples/kubernetes-bootcamp`. */
  path: string
  /** `domain/path`: `docker.io/library/nginx`. */
  repository: string
  tag?: string
  /** `sha256:<hex>` */
  digest?: string
  /**
   * What containerd names it in messages: the repository with `:latest` when neither tag nor digest
   * is given (`docker.io/library/nginx:1.161`, `docker.io/library/nginx:latest`).
   */
  normalized: string
}

export type ParseResult = { ok: true; ref: ImageReference } | { ok: false; error: string }

const defaultDomain = 'docker.io'
const legacyDefaultDomain = 'index.docker.io'
const officialRepoPrefix = 'library/'

// The grammar of distribution/reference/regexp.go.
const alphanumeric = '[a-z0-9]+'
const separator = '(?:[._]|__|[-]+)'
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]'
const domainName = `${domainComponent}(?:\\.${domainComponent})*`
const host = `(?:${domainName}|${ipv6address})`
const domainAndPort = `${host}(?::[0-9]+)?`
const tagPattern = '[\\w][\\w.-]{0,127}'
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}'
const namePattern = `(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*`
const referenceRegexp = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`)
const anchoredIdentifier = /^[a-f0-9]{64}$/
const nameTotalLengthMax = 255

function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/')
  let domain: string
  let remainder: string
  if (i === -1 || (!/[.:]/.test(name.slice(0, i)) && name.slice(0, i) !== 'localhost' && name.slice(0, i).toLowerCase() === name.slice(0, i))) {
    domain = defaultDomain
    remainder = name
  } else {
    domain = name.slice(0, i)
    remainder = name.slice(i + 1)
  }
  if (domain === legacyDefaultDomain) domain = defaultDomain
  if (domain === defaultDomain && !remainder.includes('/')) remainder = officialRepoPrefix + remainder
  return { domain, remainder }
}

/** Parses a reference as `ParseNormalizedNamed` does; errors carry upstream's wording. */
export function parseImageReference(s: string): ParseResult {
  if (typeof s !== 'string' || s === '') return { ok: false, error: 'invalid reference format' }
  if (anchoredIdentifier.test(s)) {
    return { ok: false, error: `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings` }
  }
  // The name part ends at the first ':' or '@' after the last '/' (tag/digest follow it).
  const lastSlash = s.lastIndexOf('/')
  const tail = s.slice(lastSlash + 1)
  const cut = tail.search(/[:@]/)
  const name = cut === -1 ? s : s.slice(0, lastSlash + 1 + cut)
  const { domain, remainder } = splitDockerDomain(name)
  if (remainder.toLowerCase() !== remainder) {
    return { ok: false, error: 'invalid reference format: repository name must be lowercase' }
  }
  const full = `${domain}/${remainder}${s.slice(name.length)}`
  const m = referenceRegexp.exec(full)
  if (!m) return { ok: false, error: 'invalid reference format' }
  const repository = m[1]
  if (repository.length > nameTotalLengthMax) {
    return { ok: false, error: `repository name must not be more than ${nameTotalLengthMax} characters` }
  }
  const tag = m[2]
  const digest = m[3]
  let normalized = repository
  if (tag !== undefined) normalized += `:${tag}`
  if (digest !== undefined) normalized += `@${digest}`
  if (tag === undefined && digest === undefined) normalized += ':latest'
  return { ok: true, ref: { domain, path: remainder, repository, tag, digest, normalized } }
}
