// The built-in ClusterAnalysisTemplate `kubelite-canary-judge`: the canary judge with no template
// to write. A Rollout step
//   analysis: {templates: [{templateName: kubelite-canary-judge, clusterScope: true}],
//              args: [{name: service, value: web}, {name: canary-hash, valueFrom: {podTemplateHashValue: Latest}},
//                     {name: stable-hash, valueFrom: {podTemplateHashValue: Stable}}]}
// judges the canary's pods against the stable ones over the last `window` (default 60s) of the
// Service's traffic, after waiting that long so the window holds canary traffic only.
import type { AnalysisTemplateObj } from './types.js'
import { kubelitePluginName } from './providers/index.js'

export const canaryJudgeTemplateName = 'kubelite-canary-judge'

export function canaryJudgeTemplate(): AnalysisTemplateObj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ClusterAnalysisTemplate',
    metadata: { name: canaryJudgeTemplateName, labels: { 'app.kubernetes.io/managed-by': 'kubelite' } },
    spec: {
      args: [{ name: 'service' }, { name: 'canary-hash' }, { name: 'stable-hash' }, { name: 'window', value: '60s' }, { name: 'step', value: '10s' }, { name: 'pass', value: '75' }, { name: 'marginal', value: '50' }],
      metrics: [
        {
          name: 'canary-judge',
          initialDelay: '{{args.window}}',
          provider: {
            plugin: {
              [kubelitePluginName]: {
                judge: {
                  service: '{{args.service}}',
                  canaryHash: '{{args.canary-hash}}',
                  stableHash: '{{args.stable-hash}}',
                  window: '{{args.window}}',
                  step: '{{args.step}}',
                  threshold: { pass: '{{args.pass}}', marginal: '{{args.marginal}}' },
                },
              },
            },
          },
        },
      ],
    },
  }
}
