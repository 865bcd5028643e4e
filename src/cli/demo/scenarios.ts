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
}

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
  | { kind: 'curl'; text?: Text; count: number; tally?: boolean; expect?: string[]; settle?: boolean }

export interface Scenario {
  name: string
  title: Text
  /** The examples/ folder holding its manifests (deleted on Ctrl-C and before a re-run). */
  examples: string
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

export const scenarios: Record<string, Scenario> = { 'rolling-update': rollingUpdate, canary, 'blue-green': blueGreen }
