// The images component's boundary: the built-in images, as cli/ hands them to a node runtime (an
// ImageSource of node/runtime/types.ts, which matches it by shape: neither imports the other).
import { imagePullErrorMessage, isBuiltinRepository, planLaunch, resolveImage } from './registry.js'

export const builtinImages = { resolveImage, imagePullErrorMessage, isBuiltinRepository, planLaunch }
