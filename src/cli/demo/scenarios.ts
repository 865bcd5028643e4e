// The guided demos: the two seed posts (a rolling update with `rollout undo`, a canary made of two
// Deployments behind one NodePort Service) and a blue/green cut-over, as steps. Each step narrates
// (English and Korean), then runs the real kubectl, requests through the Service, or watches a
// rollout. The manifests are the files in examples/<demo>/, which the docs link to.

export type Lang = 'en' | 'ko'
export type Text = Record<Lang, string>

/** The Service the demo's clients call, from the host: at its ClusterIP (as the seed's `curl service_ip`) or its NodePort. */
export interface Target {
  service: string
  port: number
  /** Call 127.0.0.1:nodePort instead of the ClusterIP (the canary seed's `curl localhost:30880`). */
  nodePort?: number
  /** The path requested (default `/`): `/color` for argoproj/rollouts-demo, which answers `"blue"`. */
  path?: string
}

/** The phases of an Argo Rollout (`status.phase`). */
export type RolloutPhase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded'

export type Step =
  /** Narration only. */
  | { kind: 'say'; text: Text }
  /** Runs kubectl with these arguments and prints what it prints. */
  | { kind: 'kubectl'; text?: Text; args: string[] }
  /** Watches Deployments roll (ReplicaSets, pods, the traffic's answers) until they are complete. */
  | { kind: 'rollout'; text?: Text; deployments: string[] }
  /**
   * `curl` the Service `count` times and print the answers (and a tally by version). `settle`:
   * first wait (up to 15 s) until answers come only from `expect`, as a selector switch takes a
   * moment to reach the endpoints and the proxy, on kubelite as on any cluster.
   */
  | {
      kind: 'curl'
      text?: Text
      count: number
      tally?: boolean
      expect?: string[]
      settle?: boolean
      /** Another Service than the scenario's. */
      target?: Target
      /**
       * The share (percent) each version should get, for a weighted split: first wait (up to 15 s)
       * until batches of answers follow it (the new weights have reached the proxy), then check the
       * tally is within 3 points of it.
       */
      share?: Record<string, number>
    }
  /** Runs Argo Rollouts' kubectl plugin, `kubectl argo rollouts ARGS` (bin/ put on PATH), and prints what it prints. */
  | { kind: 'argo'; text?: Text; args: string[] }
  /**
   * Waits (up to 3 minutes) until the Rollout has seen its latest spec and reached `phase`, then
   * prints its phase and message. `load`: meanwhile send requests to this Service (about 40 a
   * second), as an analysis needs traffic to judge; their answers are not shown, some may fail.
   * `scaledDown`: also wait until the older ReplicaSets' pods are gone (after the Rollout's
   * scaleDownDelaySeconds), so what is shown next does not depend on how fast the run was.
   */
  | { kind: 'rolloutPhase'; text?: Text; rollout: string; phase: RolloutPhase; load?: Target; scaledDown?: boolean }

export interface Scenario {
  name: string
  title: Text
  /** The examples/ folder holding its manifests (deleted on Ctrl-C and before a re-run). */
  examples: string
  /** Other examples/ folders whose manifests it applies too (deleted likewise). */
  alsoExamples?: string[]
  /** Where the background client sends its requests. */
  target: Target
  steps: Step[]
}

const say = (en: string, ko: string): Step => ({ kind: 'say', text: { en, ko } })
const k = (args: string[], en?: string, ko?: string): Step => ({ kind: 'kubectl', args, ...(en && ko ? { text: { en, ko } } : {}) })

export const rollingUpdate: Scenario = {
  name: 'rolling-update',
  title: { en: 'Rolling update and rollout undo', ko: '롤링 업데이트와 rollout undo' },
  examples: 'rolling-update',
  target: { service: 'kubernetes-bootcamp', port: 8080 },
  steps: [
    say(
      'kubernetes-bootcamp v1 runs on 4 pods behind a Service. We replace it with v2 one pod at a time, then go back to v1 with `rollout undo`. A client sends requests to the Service the whole time: count how many fail.',
      '서비스 뒤에서 kubernetes-bootcamp v1이 파드 4개로 운영 중입니다. 이를 파드 하나씩 v2로 교체한 뒤 `rollout undo`로 v1으로 되돌립니다. 그동안 클라이언트가 계속 서비스에 요청을 보냅니다. 실패한 요청 수를 세어 보세요.',
    ),
    k(['apply', '-f', 'examples/rolling-update/'], 'Create the Deployment (4 replicas of v1) and its Service.', '디플로이먼트(v1 파드 4개)와 서비스를 만듭니다.'),
    { kind: 'rollout', deployments: ['kubernetes-bootcamp'] },
    k(['get', 'deployment', '-o', 'wide'], 'Four pods of v1 serve: READY 4/4.', 'v1 파드 4개가 서비스 중입니다: READY 4/4.'),
    { kind: 'curl', count: 4, text: { en: 'The Service answers from v1.', ko: '서비스가 v1에서 응답합니다.' }, expect: ['v=1'] },
    k(
      ['set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2'],
      'Change the image: the Deployment starts a rolling update to v2.',
      '이미지를 바꾸면 디플로이먼트가 v2로 롤링 업데이트를 시작합니다.',
    ),
    {
      kind: 'rollout',
      deployments: ['kubernetes-bootcamp'],
      text: {
        en: 'A new ReplicaSet grows one pod at a time while the old one shrinks (25% surge, 25% unavailable: at most 5 pods, at least 3 ready).',
        ko: '새 레플리카셋이 파드를 하나씩 늘리는 동안 이전 레플리카셋은 줄어듭니다(25% surge, 25% unavailable: 파드 최대 5개, 준비된 파드 최소 3개).',
      },
    },
    k(['get', 'deployment', '-o', 'wide'], 'Done: the Deployment runs v2.', '완료: 디플로이먼트가 v2를 실행합니다.'),
    { kind: 'curl', count: 4, text: { en: 'Only v2 answers now.', ko: '이제 v2만 응답합니다.' }, expect: ['v=2'] },
    k(
      ['describe', 'deployment', 'kubernetes-bootcamp'],
      'The events show the update step by step: new to 1, old to 3, new to 2, old to 2, new to 3, old to 1, new to 4, old to 0.',
      '이벤트에 업데이트 과정이 그대로 보입니다: 새 것 1, 이전 것 3, 새 것 2, 이전 것 2, 새 것 3, 이전 것 1, 새 것 4, 이전 것 0.',
    ),
    k(['rollout', 'undo', 'deployments/kubernetes-bootcamp'], 'Go back to the previous version.', '이전 버전으로 되돌립니다.'),
    { kind: 'rollout', deployments: ['kubernetes-bootcamp'] },
    { kind: 'curl', count: 4, text: { en: 'v1 again.', ko: '다시 v1입니다.' }, expect: ['v=1'] },
    k(
      ['rollout', 'undo', 'deployments/kubernetes-bootcamp'],
      'Careful: a second undo does not go further back. It returns to the version just before, v2.',
      '주의: undo를 한 번 더 하면 더 이전으로 가는 것이 아니라 바로 전 버전인 v2로 돌아갑니다.',
    ),
    { kind: 'rollout', deployments: ['kubernetes-bootcamp'] },
    { kind: 'curl', count: 4, expect: ['v=2'] },
    k(
      ['rollout', 'history', 'deployment/kubernetes-bootcamp'],
      'Each undo is a new revision: 1 and 2 became 3 and 4.',
      'undo도 새 리비전이 됩니다: 1과 2가 3과 4가 되었습니다.',
    ),
  ],
}

export const canary: Scenario = {
  name: 'canary',
  title: { en: 'A canary with labels', ko: '라벨을 이용한 카나리 배포' },
  examples: 'canary',
  target: { service: 'myapp-svc', port: 8080, nodePort: 30880 },
  steps: [
    say(
      'Two Deployments of one app: stable (v0.1, 2 pods) and canary (v0.2, 1 pod). Both carry app=myapp, and one Service selects app=myapp, so it sends the canary a share of the requests.',
      '같은 앱의 디플로이먼트 두 개: stable(v0.1, 파드 2개)과 canary(v0.2, 파드 1개). 둘 다 app=myapp 라벨을 가지고, 서비스 하나가 app=myapp을 선택하므로 canary도 요청의 일부를 받습니다.',
    ),
    k(['apply', '-f', 'examples/canary/deployment-v1.yaml'], 'The stable track.', 'stable 버전입니다.'),
    k(['apply', '-f', 'examples/canary/deployment-v2.yaml'], 'The canary track.', 'canary 버전입니다.'),
    k(['apply', '-f', 'examples/canary/myapp-svc.yaml'], 'One NodePort Service (30880) for both.', '두 버전을 묶는 NodePort 서비스(30880) 하나.'),
    { kind: 'rollout', deployments: ['k8s-testapp', 'k8s-testapp-canary'] },
    {
      kind: 'curl',
      count: 30,
      tally: true,
      text: { en: '`curl localhost:30880` 30 times: about 2 in 3 answers come from v0.1, 1 in 3 from v0.2.', ko: '`curl localhost:30880`을 30번: 약 3분의 2는 v0.1, 3분의 1은 v0.2가 응답합니다.' },
      expect: ['v0.1', 'v0.2'],
    },
    k(['get', 'pods', '-o', 'wide'], 'Three pods, two versions.', '파드 3개, 버전 2개.'),
    k(['describe', 'svc', 'myapp-svc'], 'All three pods are the Service’s endpoints.', '세 파드 모두 서비스의 엔드포인트입니다.'),
    k(['scale', 'deployment', 'k8s-testapp-canary', '--replicas=0'], 'The canary misbehaves? Scale it to 0.', 'canary에 문제가 있다면? 0으로 줄입니다.'),
    { kind: 'rollout', deployments: ['k8s-testapp-canary'] },
    { kind: 'curl', count: 10, tally: true, text: { en: 'Only v0.1 answers.', ko: 'v0.1만 응답합니다.' }, expect: ['v0.1'] },
    k(['scale', 'deployment', 'k8s-testapp-canary', '--replicas=2'], 'It looks good: give it more traffic, 2 of 4 pods.', '괜찮아 보이면 트래픽을 늘립니다: 파드 4개 중 2개.'),
    { kind: 'rollout', deployments: ['k8s-testapp-canary'] },
    { kind: 'curl', count: 40, tally: true, text: { en: 'Half and half: 2 pods each.', ko: '반반입니다: 각각 파드 2개.' }, expect: ['v0.1', 'v0.2'] },
    k(
      ['set', 'image', 'deployment/k8s-testapp', 'testapp=arisu1000/simple-container-app:v0.2'],
      'Promote: roll the stable track to v0.2 ...',
      '승격: stable 버전을 v0.2로 롤링 업데이트하고 ...',
    ),
    { kind: 'rollout', deployments: ['k8s-testapp'] },
    k(['scale', 'deployment', 'k8s-testapp-canary', '--replicas=0'], '... and retire the canary.', '... canary는 내립니다.'),
    { kind: 'rollout', deployments: ['k8s-testapp-canary'] },
    { kind: 'curl', count: 10, tally: true, text: { en: 'Everyone gets v0.2.', ko: '모두 v0.2를 받습니다.' }, expect: ['v0.2'] },
  ],
}

export const blueGreen: Scenario = {
  name: 'blue-green',
  title: { en: 'Blue/green with a preview', ko: '미리보기가 있는 블루/그린 배포' },
  examples: 'blue-green',
  target: { service: 'bootcamp', port: 8080 },
  steps: [
    say(
      'Blue (v1) serves. Green (v2) starts beside it at full size, is checked through a preview Service, then takes all traffic at once by switching the live Service’s selector. Going back is the same switch.',
      '블루(v1)가 서비스 중입니다. 그린(v2)을 같은 개수로 옆에 띄우고 미리보기 서비스로 확인한 뒤, 라이브 서비스의 셀렉터를 바꿔 모든 트래픽을 한 번에 옮깁니다. 되돌리기도 같은 방법입니다.',
    ),
    k(['apply', '-f', 'examples/blue-green/blue.yaml', '-f', 'examples/blue-green/service.yaml'], 'Blue, and the live Service selecting track=blue.', '블루, 그리고 track=blue를 선택하는 라이브 서비스.'),
    { kind: 'rollout', deployments: ['bootcamp-blue'] },
    { kind: 'curl', count: 4, text: { en: 'Blue answers.', ko: '블루가 응답합니다.' }, expect: ['v=1'] },
    k(['apply', '-f', 'examples/blue-green/green.yaml', '-f', 'examples/blue-green/preview.yaml'], 'Green at full size, with a preview Service of its own.', '그린을 같은 개수로 띄우고 전용 미리보기 서비스를 만듭니다.'),
    { kind: 'rollout', deployments: ['bootcamp-green'] },
    k(['get', 'endpoints', 'bootcamp', 'bootcamp-preview'], 'Live traffic still goes to blue; the preview reaches green.', '라이브 트래픽은 여전히 블루로, 미리보기는 그린으로 갑니다.'),
    { kind: 'curl', count: 4, text: { en: 'The live Service: still v1.', ko: '라이브 서비스: 아직 v1.' }, expect: ['v=1'] },
    k(
      ['patch', 'service', 'bootcamp', '-p', '{"spec":{"selector":{"app":"bootcamp","track":"green"}}}'],
      'Cut over: point the live Service at green.',
      '전환: 라이브 서비스가 그린을 가리키게 합니다.',
    ),
    { kind: 'curl', count: 4, text: { en: 'All traffic on v2 at once.', ko: '모든 트래픽이 한 번에 v2로.' }, expect: ['v=2'], settle: true },
    k(
      ['patch', 'service', 'bootcamp', '-p', '{"spec":{"selector":{"app":"bootcamp","track":"blue"}}}'],
      'Something is wrong? Switch back: blue is still running.',
      '문제가 있나요? 다시 전환합니다: 블루는 아직 실행 중입니다.',
    ),
    { kind: 'curl', count: 4, expect: ['v=1'], settle: true },
    k(['patch', 'service', 'bootcamp', '-p', '{"spec":{"selector":{"app":"bootcamp","track":"green"}}}'], 'Green again, for good ...', '다시 그린으로, 이번엔 확정 ...'),
    k(['scale', 'deployment', 'bootcamp-blue', '--replicas=0'], '... and blue is scaled to 0 (kept for a quick way back).', '... 블루는 0으로 줄입니다(빠른 복귀를 위해 남겨 둡니다).'),
    { kind: 'rollout', deployments: ['bootcamp-blue'] },
    { kind: 'curl', count: 4, expect: ['v=2'], settle: true },
  ],
}

const seedTraffic = (stable: number, canary: number) =>
  `{"backends":[{"name":"stable","selector":{"version":"stable"},"weight":${stable}},{"name":"canary","selector":{"version":"canary"},"weight":${canary}}]}`
const demoApp: Target = { service: 'rollouts-demo', port: 80, path: '/color' }
const argo = (args: string[], en?: string, ko?: string): Step => ({ kind: 'argo', args, ...(en && ko ? { text: { en, ko } } : {}) })

export const progressiveDelivery: Scenario = {
  name: 'progressive-delivery',
  title: { en: 'Progressive delivery: from pod counts to exact weights, analysis and rollback', ko: '점진적 배포: 파드 수에서 정확한 가중치, 분석과 자동 롤백까지' },
  examples: 'progressive-delivery',
  alsoExamples: ['canary'],
  target: { service: 'myapp-svc', port: 8080, nodePort: 30880 },
  steps: [
    say(
      'First the seed’s canary, as the canary tutorial builds it: 2 stable pods (v0.1) and 1 canary pod (v0.2) behind one Service. Its share of traffic is its share of pods.',
      '먼저 카나리 튜토리얼에서 만든 시드의 카나리입니다: 서비스 하나 뒤에 stable 파드 2개(v0.1)와 canary 파드 1개(v0.2). canary가 받는 트래픽 비율은 파드 수의 비율과 같습니다.',
    ),
    k(['apply', '-f', 'examples/canary/'], 'The two Deployments and the NodePort Service (30880) of the seed.', '시드의 디플로이먼트 두 개와 NodePort 서비스(30880).'),
    { kind: 'rollout', deployments: ['k8s-testapp', 'k8s-testapp-canary'] },
    k(['get', 'pods', '-l', 'app=myapp', '-L', 'version'], 'Three pods: two labelled version=stable, one version=canary.', '파드 3개: 2개는 version=stable, 1개는 version=canary 라벨을 가집니다.'),
    {
      kind: 'curl',
      count: 300,
      tally: true,
      text: { en: '300 requests: the canary gets a third of them, one pod in three.', ko: '요청 300개: canary가 3분의 1을 받습니다. 파드 3개 중 1개이기 때문입니다.' },
      expect: ['v0.1', 'v0.2'],
      share: { 'v0.1': 67, 'v0.2': 33 },
    },
    k(
      ['annotate', 'service', 'myapp-svc', `kubelite.io/traffic=${seedTraffic(90, 10)}`],
      'Now the same Service, the same three pods, with one annotation: 90% to the pods labelled version=stable, 10% to version=canary.',
      '이번에는 같은 서비스, 같은 파드 3개에 어노테이션 하나를 붙입니다: version=stable 파드에 90%, version=canary 파드에 10%.',
    ),
    {
      kind: 'curl',
      count: 300,
      tally: true,
      text: { en: 'The canary gets 10%, with the same pods.', ko: '파드는 그대로인데 canary는 10%를 받습니다.' },
      expect: ['v0.1', 'v0.2'],
      share: { 'v0.1': 90, 'v0.2': 10 },
    },
    k(['annotate', '--overwrite', 'service', 'myapp-svc', `kubelite.io/traffic=${seedTraffic(50, 50)}`], 'It looks good: 50%.', '괜찮아 보이면 50%로 올립니다.'),
    {
      kind: 'curl',
      count: 300,
      tally: true,
      text: { en: 'Half and half, still with 2 stable pods and 1 canary pod.', ko: '여전히 stable 파드 2개, canary 파드 1개인데 반반입니다.' },
      expect: ['v0.1', 'v0.2'],
      share: { 'v0.1': 50, 'v0.2': 50 },
    },
    say(
      'Without the annotation the Service balances over its pods, so the canary’s share can only move by adding or removing pods (10% takes 9 stable pods beside 1 canary). With it, kubelite’s proxy places every request by the weights, so the share is exactly what you write and changes with the next request, whatever the pod counts.',
      '어노테이션이 없으면 서비스는 파드들에 고르게 나누므로 canary의 비율은 파드를 늘리거나 줄여야만 바뀝니다(10%를 주려면 canary 1개 옆에 stable 파드 9개가 필요합니다). 어노테이션이 있으면 kubelite의 프록시가 요청 하나하나를 가중치대로 보내므로, 파드 수와 상관없이 적은 그대로의 비율이 바로 다음 요청부터 적용됩니다.',
    ),
    say(
      'Argo Rollouts automates this. A Rollout (argoproj.io/v1alpha1, applied unchanged) runs argoproj/rollouts-demo:blue on 2 pods, with a stable and a canary Service. Its steps: setWeight 20, pause until promoted, setWeight 50, pause 10s, then 100%.',
      'Argo Rollouts는 이 과정을 자동화합니다. Rollout(argoproj.io/v1alpha1, 그대로 적용)이 argoproj/rollouts-demo:blue를 파드 2개로 실행하고 stable 서비스와 canary 서비스를 둡니다. 단계는 setWeight 20, 승격할 때까지 일시 중지, setWeight 50, 10초 일시 중지, 그리고 100%입니다.',
    ),
    k(['apply', '-f', 'examples/progressive-delivery/rollout.yaml', '-f', 'examples/progressive-delivery/services.yaml'], 'The Rollout and its two Services.', 'Rollout과 서비스 두 개.'),
    { kind: 'rolloutPhase', rollout: 'rollouts-demo', phase: 'Healthy' },
    argo(['set', 'image', 'rollouts-demo', 'rollouts-demo=argoproj/rollouts-demo:yellow'], 'Update it to yellow.', '노란색(yellow)으로 업데이트합니다.'),
    { kind: 'rolloutPhase', rollout: 'rollouts-demo', phase: 'Paused', text: { en: 'The first step sets the canary’s weight to 20%, the second pauses.', ko: '첫 단계에서 canary 가중치가 20%가 되고, 두 번째 단계에서 일시 중지합니다.' } },
    argo(['get', 'rollout', 'rollouts-demo', '--no-color'], 'The Rollout at the pause: one yellow canary pod beside the two blue ones, weight 20.', '일시 중지 상태의 Rollout: 파란색 파드 2개 옆에 노란색 canary 파드 1개, 가중치 20.'),
    {
      kind: 'curl',
      count: 300,
      tally: true,
      target: demoApp,
      text: { en: '300 requests to the stable Service: 20% yellow, though the canary is 1 pod of 3.', ko: 'stable 서비스에 요청 300개: canary는 파드 3개 중 1개지만 노란색이 20%입니다.' },
      expect: ['blue', 'yellow'],
      share: { blue: 80, yellow: 20 },
    },
    argo(['promote', 'rollouts-demo'], 'Looks good: promote. The Rollout goes on to 50%, pauses 10 seconds, then to 100%.', '괜찮아 보이니 승격합니다. Rollout은 50%로 올리고 10초 기다린 뒤 100%로 갑니다.'),
    {
      kind: 'rolloutPhase',
      rollout: 'rollouts-demo',
      phase: 'Healthy',
      scaledDown: true,
      text: {
        en: 'Wait for it to finish, and for the blue pods to be gone: they are scaled down 10 seconds after (scaleDownDelaySeconds), and the app takes 10 more to stop.',
        ko: '끝날 때까지, 그리고 파란색 파드가 모두 사라질 때까지 기다립니다: 파란색 파드는 10초 뒤(scaleDownDelaySeconds) 축소되고, 앱이 멈추는 데 10초가 더 걸립니다.',
      },
    },
    argo(['get', 'rollout', 'rollouts-demo', '--no-color'], 'Done: yellow is the stable revision.', '완료: 노란색이 stable 리비전입니다.'),
    { kind: 'curl', count: 20, tally: true, target: demoApp, text: { en: 'Only yellow answers.', ko: '노란색만 응답합니다.' }, expect: ['yellow'], settle: true },
    say(
      'Now a bad update: argoproj/rollouts-demo:bad-red fails about 85% of its requests. This time the Rollout has an analysis step after setWeight 20: kubelite’s built-in canary judge (the ClusterAnalysisTemplate kubelite-canary-judge) compares the canary’s pods with the stable ones over the same 20-second window.',
      '이번에는 잘못된 업데이트입니다: argoproj/rollouts-demo:bad-red는 요청의 약 85%에 실패합니다. 이번 Rollout에는 setWeight 20 다음에 분석 단계가 있습니다: kubelite에 내장된 카나리 판정기(ClusterAnalysisTemplate kubelite-canary-judge)가 같은 20초 구간에서 canary 파드와 stable 파드를 비교합니다.',
    ),
    k(['apply', '-f', 'examples/progressive-delivery/rollout-analysis.yaml'], 'The same Rollout with the new image and the analysis step.', '새 이미지와 분석 단계를 넣은 같은 Rollout.'),
    {
      kind: 'rolloutPhase',
      rollout: 'rollouts-demo',
      phase: 'Degraded',
      load: demoApp,
      text: {
        en: 'Users keep calling the Service meanwhile (about 40 requests a second), so the judge has traffic to compare. The analysis fails and the Rollout aborts on its own: all traffic back to stable at once.',
        ko: '그동안 사용자들이 계속 서비스를 호출하므로(초당 약 40개) 판정기가 비교할 트래픽이 있습니다. 분석이 실패하자 Rollout이 스스로 중단하고 모든 트래픽을 즉시 stable로 되돌립니다.',
      },
    },
    argo(['get', 'rollout', 'rollouts-demo', '--no-color'], 'Degraded, with a message naming the failed metric and both sides’ values; the AnalysisRun is marked ✖.', 'Degraded 상태이며, 메시지에 실패한 메트릭과 양쪽 값이 나옵니다. AnalysisRun에는 ✖ 표시가 붙습니다.'),
    k(['get', 'analysisrun'], 'The AnalysisRun of the analysis step: Failed.', '분석 단계가 만든 AnalysisRun: Failed.'),
    { kind: 'curl', count: 300, tally: true, target: demoApp, text: { en: 'Only the stable color answers again.', ko: '다시 stable 색만 응답합니다.' }, expect: ['yellow'], settle: true },
    say(
      'No mesh, no ingress controller, no Prometheus: the weights, the measurements and the judge are all kubelite’s. `kubectl argo rollouts retry rollouts-demo` would try the update again, `kubectl argo rollouts undo rollouts-demo` goes back to the previous template.',
      '메시도, 인그레스 컨트롤러도, 프로메테우스도 필요 없습니다: 가중치, 측정, 판정 모두 kubelite가 합니다. `kubectl argo rollouts retry rollouts-demo`는 업데이트를 다시 시도하고, `kubectl argo rollouts undo rollouts-demo`는 이전 템플릿으로 되돌립니다.',
    ),
  ],
}

export const scenarios: Record<string, Scenario> = { 'rolling-update': rollingUpdate, canary, 'blue-green': blueGreen, 'progressive-delivery': progressiveDelivery }
