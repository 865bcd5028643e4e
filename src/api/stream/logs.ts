// GET pods/NAME/log: the container's log as text/plain, streamed (upstream LogREST +
// LocationStreamer). With follow=true the response stays open and every chunk is flushed.
import type { Readable } from 'node:stream'
import { errors } from '../../apis/status.js'
import { forbidden, invalid, type FieldError } from '../../apis/validation.js'
import type { LogOptions, NodeDialer } from '../../client/node-connection.js'
import { queryBool } from '../request.js'
import type { SubresourceContext, SubresourceHandler } from '../server.js'
import { chooseContainer, nodeErrorStatus, nodeOf, podRef, type PodView } from './pods.js'

/** Go's strconv.ParseInt message, as the query-parameter decoder reports it. */
function int64Param(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: ${/^[+-]?\d+$/.test(v) ? 'value out of range' : 'invalid syntax'}`)
  }
  return Number(v)
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** PodLogOptions from the query, validated as upstream's ValidatePodLogOptions (422 PodLogOptions). */
export function parseLogOptions(q: URLSearchParams, podName: string): Omit<LogOptions, 'container' | 'signal'> {
  const opts: Omit<LogOptions, 'container' | 'signal'> = {
    follow: queryBool(q.get('follow')),
    previous: queryBool(q.get('previous')),
    timestamps: queryBool(q.get('timestamps')),
  }
  const tailLines = int64Param(q, 'tailLines')
  const limitBytes = int64Param(q, 'limitBytes')
  const sinceSeconds = int64Param(q, 'sinceSeconds')
  const sinceTime = q.get('sinceTime') || undefined
  if (sinceTime !== undefined && (!rfc3339.test(sinceTime) || Number.isNaN(Date.parse(sinceTime)))) {
    throw errors.badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as "2006"`)
  }
  const errs: FieldError[] = []
  if (tailLines !== undefined && tailLines < 0) errs.push(invalid('tailLines', tailLines, 'must be greater than or equal to 0'))
  if (limitBytes !== undefined && limitBytes < 1) errs.push(invalid('limitBytes', limitBytes, 'must be greater than 0'))
  if (sinceSeconds !== undefined && sinceTime !== undefined) errs.push(forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'))
  else if (sinceSeconds !== undefined && sinceSeconds < 1) errs.push(invalid('sinceSeconds', sinceSeconds, 'must be greater than 0'))
  if (errs.length) throw errors.invalid({ group: '', kind: 'PodLogOptions' }, podName, errs)
  if (tailLines !== undefined) opts.tailLines = tailLines
  if (limitBytes !== undefined) opts.limitBytes = limitBytes
  if (sinceSeconds !== undefined) opts.sinceSeconds = sinceSeconds
  if (sinceTime !== undefined) opts.sinceTime = new Date(sinceTime).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return opts
}

export function logHandler(dialer: NodeDialer): SubresourceHandler {
  return {
    info: { name: 'pods/log', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
    async handle(ctx: SubresourceContext): Promise<void> {
      const { req, res, url, target } = ctx
      if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed()
      const name = target.name ?? ''
      const opts = parseLogOptions(url.searchParams, name)
      const pod = (await ctx.store.get(target.namespace, name)) as PodView
      const container = chooseContainer(pod, url.searchParams.get('container'))
      const conn = nodeOf(dialer, pod)
      const headers = { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' }
      if (!conn) {
        // Upstream: no host yet → an empty location → an empty 200.
        res.writeHead(200, { ...headers, 'Content-Length': '0' })
        res.end()
        return
      }
      const ac = new AbortController()
      res.on('close', () => ac.abort())
      let stream: Readable
      try {
        stream = await conn.logs(podRef(pod), { ...opts, container, signal: ac.signal })
      } catch (err) {
        ac.abort()
        throw nodeErrorStatus(err, 'log', name)
      }
      res.writeHead(200, headers)
      if (opts.follow) res.flushHeaders()
      await pump(stream, res, ac.signal)
    },
  }
}

/** Copies the log to the response with back-pressure; ends when either side does. */
async function pump(stream: Readable, res: import('node:http').ServerResponse, signal: AbortSignal): Promise<void> {
  const onAbort = () => stream.destroy()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const chunk of stream) {
      if (res.destroyed) break
      if (!res.write(chunk)) await new Promise<void>((resolve) => {
        res.once('drain', resolve)
        res.once('close', resolve)
      })
    }
  } catch {
    // The node's stream failed mid-way (or we destroyed it): end what was sent.
  } finally {
    signal.removeEventListener('abort', onAbort)
    stream.destroy()
    if (!res.writableEnded) res.end()
  }
}
