// The manifests of the seed stories (../shared/seeds), as the posts give them, shared by the e2e
// files that replay them.

/** Seed 002's myapp-svc.yaml: one NodePort Service (30880) in front of every `app: myapp` pod. */
export const seedService = `apiVersion: v1
kind: Service
metadata:
  labels:
    app: myapp
  name: myapp-svc
  namespace: default
spec:
  ports:
  - nodePort: 30880
    port: 8080
    protocol: TCP
    targetPort: 8080
  selector:
    app: myapp
  type: NodePort
`

/** Seed 000's starting point: 4 replicas of the bootcamp labelled run=kubernetes-bootcamp. */
export const bootcampDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubernetes-bootcamp
  labels:
    run: kubernetes-bootcamp
spec:
  replicas: 4
  selector:
    matchLabels:
      run: kubernetes-bootcamp
  template:
    metadata:
      labels:
        run: kubernetes-bootcamp
    spec:
      containers:
      - name: kubernetes-bootcamp
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
        ports:
        - containerPort: 8080
`

/** Seed 000's Service: a NodePort (30881, so it never meets seed 002's 30880) for `curl`. */
export const bootcampService = `apiVersion: v1
kind: Service
metadata:
  name: kubernetes-bootcamp
  labels:
    run: kubernetes-bootcamp
spec:
  type: NodePort
  selector:
    run: kubernetes-bootcamp
  ports:
  - port: 8080
    targetPort: 8080
    nodePort: 30881
`

/** One of the canary seed's two Deployments (stable v0.1 or canary v0.2 of the simple container app). */
export const deployment = (name: string, version: 'stable' | 'canary', replicas: number, tag: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: myapp
    version: ${version}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: myapp
      version: ${version}
  template:
    metadata:
      labels:
        app: myapp
        version: ${version}
    spec:
      containers:
      - name: testapp
        image: arisu1000/simple-container-app:${tag}
        ports:
        - containerPort: 8080
`
