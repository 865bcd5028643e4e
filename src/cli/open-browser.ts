// `kubelite dashboard --open`: hand a URL to the user's browser the way the platform does it
// (xdg-open on Linux and the BSDs, open on macOS, start on Windows, or $BROWSER where it is set, as
// Python's webbrowser and git's web--browse honour it). Opening is a convenience: when it cannot
// happen the caller still prints the URL, with the reason from here.
import { spawn } from 'node:child_process'

export type OpenCommand = { cmd: string; args: string[]; verbatim?: boolean } | { reason: string }

/** How this platform opens a URL, or why it cannot. Pure, so each platform is tested anywhere. */
export function openCommand(url: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): OpenCommand {
  // $BROWSER may list several commands separated by ':'; the first is tried, with %s standing for
  // the URL when it is given (as sensible-browser does), otherwise the URL is the last argument.
  const browser = env.BROWSER?.split(':').find((b) => b.trim() !== '')?.trim()
  if (browser) {
    const words = browser.split(/\s+/)
    const args = words.slice(1)
    return { cmd: words[0], args: args.some((a) => a.includes('%s')) ? args.map((a) => a.replaceAll('%s', url)) : [...args, url] }
  }
  if (platform === 'darwin') return { cmd: 'open', args: [url] }
  // cmd's start takes the first quoted word as the window title, hence the empty one; ^ escapes the
  // characters cmd would otherwise act on (a token has none, but a URL may).
  if (platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '""', url.replace(/[&^|<>]/g, '^$&')], verbatim: true }
  // Without a graphical session xdg-open falls back to text browsers, which would fight this
  // command for the terminal: do not try.
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { reason: 'there is no graphical session (DISPLAY and WAYLAND_DISPLAY are not set; set BROWSER to choose a browser)' }
  return { cmd: 'xdg-open', args: [url] }
}

export type OpenResult = { opened: true } | { opened: false; reason: string }

/**
 * Run the platform's opener. Resolves, never rejects: opened when the opener exits 0 or is still
 * running after waitMs (some openers stay in the foreground as long as the browser they started),
 * otherwise the reason (not installed, or its exit status).
 */
export function openInBrowser(url: string, opts: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; waitMs?: number } = {}): Promise<OpenResult> {
  const how = openCommand(url, opts.platform ?? process.platform, opts.env ?? process.env)
  if ('reason' in how) return Promise.resolve({ opened: false, reason: how.reason })
  return new Promise((resolve) => {
    let child
    try {
      child = spawn(how.cmd, how.args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: how.verbatim, env: opts.env ?? process.env })
    } catch (err) {
      resolve({ opened: false, reason: `${how.cmd} could not be started: ${(err as Error).message}` })
      return
    }
    const timer = setTimeout(() => {
      child.unref()
      resolve({ opened: true })
    }, opts.waitMs ?? 3000)
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve({ opened: false, reason: err.code === 'ENOENT' ? `${how.cmd} is not installed` : `${how.cmd} could not be started: ${err.message}` })
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve({ opened: true })
      else resolve({ opened: false, reason: `${how.cmd} failed (${signal ? `killed by ${signal}` : `exit status ${code}`})` })
    })
  })
}
