// Names and label values: the string checks of k8s.io/apimachinery/pkg/util/validation, with
// upstream's exact messages. Each returns the problems ([] when valid). Here in lib/ because label
// selectors (selector.ts) check keys and values too; apis/validation.ts turns them into field errors.

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?'
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const labelValueFmt = `(${qualifiedNameFmt})?`

const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`)
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`)
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`)
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`)
const labelValueRe = new RegExp(`^${labelValueFmt}$`)

function regexError(msg: string, fmt: string, examples: string[]): string {
  let s = msg + ' (e.g. '
  s += examples.map((e) => `'${e}'`).join(',  or ')
  return `${s}, regex used for validation is '${fmt}')`
}

const maxLenMsg = (n: number) => `must be no more than ${n} characters`

/** Problems with a DNS-1123 label (max 63), as upstream words them; [] when valid. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenMsg(63))
  if (!dns1123LabelRe.test(value))
    errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", dns1123LabelFmt, ['my-name', '123-abc']))
  return errs
}

/** Problems with a DNS-1123 subdomain (max 253). */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (value.length > 253) errs.push(maxLenMsg(253))
  if (!dns1123SubdomainRe.test(value))
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", dns1123SubdomainFmt, ['example.com']))
  return errs
}

/** Problems with a DNS-1035 label (Service names: must start with a letter). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenMsg(63))
  if (!dns1035LabelRe.test(value))
    errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", dns1035LabelFmt, ['my-name', 'abc-123']))
  return errs
}

/** Label keys, annotation keys, finalizers: `[prefix/]name`. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) name = parts[0]
  else if (parts.length === 2) {
    const [prefix] = parts
    name = parts[1]
    if (prefix.length === 0) errs.push('prefix part must be non-empty')
    else for (const e of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${e}`)
  } else {
    return [regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", qualifiedNameFmt, ['MyName', 'my.name', '123-abc']) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
  }
  if (name.length === 0) errs.push('name part must be non-empty')
  else if (name.length > 63) errs.push(`name part ${maxLenMsg(63)}`)
  if (!qualifiedNameRe.test(name))
    errs.push(`name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", qualifiedNameFmt, ['MyName', 'my.name', '123-abc'])}`)
  return errs
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenMsg(63))
  if (!labelValueRe.test(value))
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelValueFmt, ['MyValue', 'my_value', '12345']))
  return errs
}
