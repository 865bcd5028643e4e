// How `kubelite dashboard` finds the dashboard of a running cluster: `kubelite up` leaves its
// address in the data dir (dashboard.json, removed on a clean stop), and the dashboard mints a new
// log-in link for whoever shows the cluster's admin token (pki/admin.token, beside it).
import { readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'

const file = (dataDir: string) => join(dataDir, 'dashboard.json')

export async function recordDashboard(dataDir: string, url: string): Promise<void> {
  await writeFile(file(dataDir), JSON.stringify({ url, pid: process.pid }) + '\n', { mode: 0o600 })
}

export async function forgetDashboard(dataDir: string): Promise<void> {
  await rm(file(dataDir), { force: true })
}

/** A fresh log-in URL from the dashboard of the cluster whose data dir this is; throws with a message for a person. */
export async function loginUrlFor(dataDir: string): Promise<string> {
  let url: string
  try {
    url = (JSON.parse(await readFile(file(dataDir), 'utf8')) as { url: string }).url
  } catch {
    throw new Error(`no dashboard is running for the data dir ${dataDir}: start a cluster with \`kubelite up\` (without --no-dashboard)`)
  }
  const token = (await readFile(join(dataDir, 'pki', 'admin.token'), 'utf8')).trim()
  return new Promise<string>((resolve, reject) => {
    const req = request(new URL('login-links', url), { method: 'POST', headers: { authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => {
        if (res.statusCode === 201) resolve((JSON.parse(body) as { url: string }).url)
        else reject(new Error(`the dashboard at ${url} refused a new log-in link (${res.statusCode}): is it this data dir's cluster?`))
      })
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (err) => reject(new Error(`no dashboard answers at ${url} (${err.message}): is the cluster of ${dataDir} running?`)))
    req.end()
  })
}
