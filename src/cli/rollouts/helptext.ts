// Argo Rollouts' kubectl plugin's own help texts (Use, Short, Long, Example of each cobra command in
// pkg/kubectl-argo-rollouts/cmd, Apache-2.0), so `--help` and usage errors read as Argo's do.

export interface HelpText {
  use: string
  short: string
  long: string
  example: string
}

export const helpTexts: Record<string, HelpText> = {
  "": {
    "use": "kubectl-argo-rollouts COMMAND",
    "short": "Manage argo rollouts",
    "long": "This command consists of multiple subcommands which can be used to manage Argo Rollouts.",
    "example": "  # Get guestbook rollout and watch progress\n  kubectl argo rollouts get rollout guestbook -w\n\n  # Pause the guestbook rollout\n  kubectl argo rollouts pause guestbook\n\n  # Promote the guestbook rollout\n  kubectl argo rollouts promote guestbook\n\n  # Abort the guestbook rollout\n  kubectl argo rollouts abort guestbook\n\n  # Retry the guestbook rollout\n  kubectl argo rollouts retry rollout guestbook"
  },
  "get": {
    "use": "get <rollout|experiment> RESOURCE_NAME",
    "short": "Get details about rollouts and experiments",
    "long": "This command consists of multiple subcommands which can be used to get extended information about a rollout or experiment.",
    "example": "\t# Get a rollout\n\tkubectl argo rollouts get rollout guestbook\n\n\t# Watch a rollouts progress\n\tkubectl argo rollouts get rollout guestbook -w\n  \n\t# Get an experiment\n\tkubectl argo rollouts get experiment my-experiment"
  },
  "get rollout": {
    "use": "rollout ROLLOUT_NAME",
    "short": "Get details about a rollout",
    "long": "Get details about and visual representation of a rollout. It returns a bunch of metadata on a resource and a tree view of the child resources created by the parent.\n\t\nTree view icons\n\n| Icon | Kind |\n|:----:|:-----------:|\n| ⟳ | Rollout |\n| Σ | Experiment |\n| α | AnalysisRun |\n| # | Revision |\n| ⧉ | ReplicaSet |\n| □ | Pod |\n| ⊞ | Job |",
    "example": "\t# Get a rollout\n\tkubectl argo rollouts get rollout guestbook\n\n\t# Watch progress of a rollout\n  \tkubectl argo rollouts get rollout guestbook -w\n\n\t# Watch the rollout, fail if it takes more than 60 seconds\n\tkubectl argo rollouts get rollout guestbook -w --timeout-seconds 60"
  },
  "get experiment": {
    "use": "experiment EXPERIMENT_NAME",
    "short": "Get details about an Experiment",
    "long": "Get details about and visual representation of a experiment. It returns a bunch of metadata on a resource and a tree view of the child resources created by the parent.\n\t\nTree view icons\n\n| Icon | Kind |\n|:----:|:-----------:|\n| ⟳ | Rollout |\n| Σ | Experiment |\n| α | AnalysisRun |\n| # | Revision |\n| ⧉ | ReplicaSet |\n| □ | Pod |\n| ⊞ | Job |",
    "example": "\t# Get an experiment\n\tkubectl argo rollouts get experiment my-experiment\n\t\n\t# Watch experiment progress\n\tkubectl argo rollouts get experiment my-experiment -w"
  },
  "list": {
    "use": "list <rollout|experiment>",
    "short": "List rollouts or experiments",
    "long": "This command consists of multiple subcommands which can be used to lists all of the \nrollouts or experiments for a specified namespace (uses current namespace context if namespace not specified).",
    "example": "\t# List rollouts\n\tkubectl argo rollouts list rollouts\n\t\n\t# List experiments\n\tkubectl argo rollouts list experiments"
  },
  "list rollouts": {
    "use": "rollouts",
    "short": "List rollouts",
    "long": "This command lists all of the rollouts for a specified namespace (uses current namespace context if namespace not specified).",
    "example": "\t# List rollouts\n\tkubectl argo rollouts list rollouts\n\n\t# List rollouts with a specific name\n\tkubectl argo rollouts list rollouts --name my-rollout\n  \n\t# List rollouts from all namespaces\n\tkubectl argo rollouts list rollouts --all-namespaces\n  \n\t# List rollouts and watch for changes\n\tkubectl argo rollouts list rollouts --watch"
  },
  "list experiments": {
    "use": "experiments",
    "short": "List experiments",
    "long": "This command lists all of the experiments for a specified namespace (uses current namespace context if namespace not specified).",
    "example": "\t# List rollouts\n\tkubectl argo rollouts list experiments\n  \n\t# List rollouts from all namespaces\n\tkubectl argo rollouts list experiments --all-namespaces\n  \n\t# List rollouts and watch for changes\n\tkubectl argo rollouts list experiments --watch"
  },
  "promote": {
    "use": "promote ROLLOUT_NAME",
    "short": "Promote a rollout",
    "long": "Promote a rollout\n\nPromotes a rollout paused at a canary step, or a paused blue-green pre-promotion.\nTo skip analysis, pauses and steps entirely, use '--full' to fully promote the rollout",
    "example": "\t# Promote a paused rollout\n\tkubectl argo rollouts promote guestbook\n\n\t# Fully promote a rollout to desired version, skipping analysis, pauses, and steps\n\tkubectl argo rollouts promote guestbook --full"
  },
  "abort": {
    "use": "abort ROLLOUT_NAME",
    "short": "Abort a rollout",
    "long": "This command stops progressing the current rollout and reverts all steps. The previous ReplicaSet will be active.\n\nNote the 'spec.template' still represents the new rollout version. If the Rollout leaves the aborted state, it will try to go to the new version. \nUpdating the 'spec.template' back to the previous version will fully revert the rollout.",
    "example": "  # Abort a rollout\n  kubectl argo rollouts abort guestbook"
  },
  "retry": {
    "use": "retry <rollout|experiment> RESOURCE_NAME",
    "short": "Retry a rollout or experiment",
    "long": "This command consists of multiple subcommands which can be used to restart an aborted rollout or a failed experiment.",
    "example": "\t# Retry an aborted rollout\n\tkubectl argo rollouts retry rollout guestbook\n\n\t# Retry a failed experiment\n\tkubectl argo rollouts retry experiment my-experiment"
  },
  "retry rollout": {
    "use": "rollout ROLLOUT_NAME",
    "short": "Retry an aborted rollout",
    "long": "",
    "example": "\t# Retry an aborted rollout\n\tkubectl argo rollouts retry rollout guestbook"
  },
  "retry experiment": {
    "use": "experiment EXPERIMENT_NAME",
    "short": "Retry an experiment",
    "long": "Retry a failed experiment.",
    "example": "\t# Retry an experiment\n\tkubectl argo rollouts retry experiment my-experiment"
  },
  "pause": {
    "use": "pause ROLLOUT_NAME",
    "short": "Pause a rollout",
    "long": "Set the rollout paused state to 'true'",
    "example": "  # Pause a rollout\n  kubectl argo rollouts pause guestbook"
  },
  "restart": {
    "use": "restart ROLLOUT",
    "short": "Restart the pods of a rollout",
    "long": "",
    "example": "\t# Restart the pods of a rollout in now\n\tkubectl argo rollouts restart ROLLOUT_NAME\n\n\t# Restart the pods of a rollout in ten seconds\n\tkubectl argo rollouts restart ROLLOUT_NAME --in 10s"
  },
  "undo": {
    "use": "undo ROLLOUT_NAME",
    "short": "Undo a rollout",
    "long": "Rollback to the previous rollout.",
    "example": "\t# Undo a rollout\n\tkubectl argo rollouts undo guestbook\n\n\t# Undo a rollout to revision 3\n\tkubectl argo rollouts undo guestbook --to-revision=3"
  },
  "set": {
    "use": "set COMMAND",
    "short": "Update various values on resources",
    "long": "This command consists of multiple subcommands which can be used to update rollout resources.",
    "example": "  # Set rollout image\n  kubectl argo rollouts set image my-rollout demo=argoproj/rollouts-demo:yellow"
  },
  "set image": {
    "use": "image ROLLOUT_NAME CONTAINER=IMAGE",
    "short": "Update the image of a rollout",
    "long": "",
    "example": "  # Set rollout image (containers contains 'initContainer', 'container', 'ephemeralContainer')\n  kubectl argo rollouts set image my-rollout containerName=imageName\n  \n  # Set rollout image for all containers\n  kubectl argo rollouts set image my-rollout *=imageName"
  },
  "status": {
    "use": "status ROLLOUT_NAME",
    "short": "Show the status of a rollout",
    "long": "Watch rollout until it finishes or the timeout is exceeded. Returns success if\nthe rollout is healthy upon completion and an error otherwise.",
    "example": "\t# Watch the rollout until it succeeds\n\tkubectl argo rollouts status guestbook\n\n\t# Show the rollout status\n    kubectl argo rollouts status guestbook --watch=false\n\n\t# Watch the rollout until it succeeds, fail if it takes more than 60 seconds\n\tkubectl argo rollouts status --timeout 60s guestbook\n\t"
  },
  "version": {
    "use": "version",
    "short": "Print version",
    "long": "Show the version and build information of the Argo Rollouts plugin.",
    "example": "\t# Get full version info\n\tkubectl argo rollouts version\n\t\n\t# Get just plugin version number\n\tkubectl argo rollouts version --short"
  }
}

// kubelite's own shorthand (not a command of Argo's plugin).
helpTexts.watch = {
  use: 'watch ROLLOUT_NAME',
  short: 'Watch a rollout live (get rollout ROLLOUT_NAME --watch)',
  long: 'Watch a rollout live: the same as get rollout ROLLOUT_NAME --watch.',
  example: '\t# Watch a rollout\n\tkubectl argo rollouts watch guestbook',
}

helpTexts.terminate = {
  use: 'terminate <analysisrun|experiment> RESOURCE_NAME',
  short: 'Terminate an AnalysisRun or Experiment',
  long: 'This command consists of multiple subcommands which can be used to terminate an AnalysisRun or Experiment that is in progress.',
  example: '\t# Terminate an AnalysisRun\n\tkubectl argo rollouts terminate analysisrun guestbook-877894d5b-4-success-rate.1\n\n\t# Terminate a failed experiment\n\tkubectl argo rollouts terminate experiment my-experiment',
}
helpTexts['terminate analysisrun'] = {
  use: 'analysisrun ANALYSISRUN_NAME',
  short: 'Terminate an AnalysisRun',
  long: 'This command terminates an AnalysisRun.',
  example: '\t# Terminate an AnalysisRun\n\tkubectl argo rollouts terminate analysisrun guestbook-877894d5b-4-success-rate.1',
}
helpTexts['terminate experiment'] = {
  use: 'experiment EXPERIMENT_NAME',
  short: 'Terminate an experiment',
  long: 'This command terminates an Experiment.',
  example: '\t# Terminate an experiment\n\tkubectl argo rollouts terminate experiment my-experiment',
}
