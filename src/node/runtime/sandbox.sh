#!/bin/sh
# The process runtime's pod sandbox (see docs/pod-sandbox.md and sandbox.ts): builds the pod's
# root filesystem view in a fresh mount namespace, then becomes the pod's PID 1.
#   sandbox.sh root   ROOTDIR PLAN HOSTNAME            (kubelite is root: run as PID 1 of new pid/uts/ipc/mount namespaces)
#   sandbox.sh userns ROOTDIR PLAN HOSTNAME UID GID MAP (unprivileged: run as root of a user namespace that owns the mount namespace)
# ROOTDIR is an empty directory of the runtime's; it becomes the pod's "/" (a tmpfs holding the
# host's top-level entries as recursive bind mounts, minus /tmp, with a private /tmp and /dev/shm).
# PLAN has one operation a line, fields separated by tabs (sources are host paths):
#   file   SRC DST      bind the file SRC at DST (/etc/hosts, /etc/resolv.conf, /etc/hostname)
#   bind   SRC DST ro|rw  bind the directory or file SRC at DST (volumes)
#   tmpfs  DST OPTS     a tmpfs at DST
#   hide   PATH         cover PATH (kubelite's data dir, its kubeconfig) with an empty read-only tmpfs, or /dev/null for a file
# A DST that does not exist is created without touching the host: if its nearest existing parent
# is a bind of a host directory, that directory is first "shadowed" (a tmpfs holding bind mounts
# of its entries), so the new mountpoint lives in the pod's own tmpfs.
# On success it prints "ready" on stdout, then runs as the pod's PID 1: ignores stop signals,
# reaps orphans, sleeps. Any failure exits non-zero with the reason on stderr. It is small on purpose:
# each step is a util-linux/coreutils command, the way a person would do it by hand.
set -eu
mode=$1
R=$2
plan=$3
host_name=$4

# Device ids of the tmpfs mounts this script made: a new mountpoint may be created in them.
ours=""
n=0
layers=""

add_ours() { ours="$ours $(stat -c %d "$1")"; }

# shadow DIR: DIR's view becomes one the pod may add entries to without writing to the host's
# directory: an overlay (DIR as its lower layer, the upper one in a hidden tmpfs), or where the
# kernel refuses that, a tmpfs holding bind mounts of DIR's entries (symlinks copied).
shadow() {
  sd=$1
  n=$((n + 1))
  if [ -z "$layers" ]; then
    layers=/.kubelite-layers
    mkdir "$layers"
    mount -t tmpfs -o mode=0700 tmpfs "$layers"
  fi
  mkdir "$layers/$n" "$layers/$n/upper" "$layers/$n/work"
  if mount -t overlay overlay -o "lowerdir=$sd,upperdir=$layers/$n/upper,workdir=$layers/$n/work" "$sd" 2>/dev/null; then
    add_ours "$sd"
    return
  fi
  ss=$layers/$n/lower
  mkdir "$ss"
  mount --rbind "$sd" "$ss"
  mount -t tmpfs -o "mode=$(stat -c %a "$ss")" tmpfs "$sd"
  chown "$(stat -c %u:%g "$ss")" "$sd" 2>/dev/null || true
  add_ours "$sd"
  for se in "$ss"/* "$ss"/.[!.]* "$ss"/..?*; do
    [ -e "$se" ] || [ -L "$se" ] || continue
    sb=${se##*/}
    # (mount(8) may have made one already: libmount keeps /run/mount/utab.)
    if [ -L "$se" ]; then
      ln -sfn "$(readlink "$se")" "$sd/$sb"
    elif [ -d "$se" ]; then
      mkdir -p "$sd/$sb"
      mount --rbind "$se" "$sd/$sb"
    else
      [ -e "$sd/$sb" ] || : >"$sd/$sb"
      mount --bind "$se" "$sd/$sb"
    fi
  done
  umount -l "$ss"
}

# ensure PATH d|f: sets t to the path resolved inside the pod's root, created (as a directory or
# an empty file) if missing. (Not in a subshell: shadow records its tmpfs in `ours`.)
ensure() {
  ep=$(realpath -m "$1")
  t=$ep
  if [ -e "$ep" ]; then
    return
  fi
  ea=$(dirname "$ep")
  while [ ! -e "$ea" ]; do ea=$(dirname "$ea"); done
  case " $ours " in
  *" $(stat -c %d "$ea") "*) ;;
  *) shadow "$ea" ;;
  esac
  if [ "$2" = d ]; then
    mkdir -p "$ep"
  else
    mkdir -p "$(dirname "$ep")"
    : >"$ep"
  fi
}

# ---- the pod's root: the host's top level, bound ----------------------------------------------
mount -t tmpfs -o mode=0755 tmpfs "$R"
# Unbindable: the recursive binds below (one of which may contain ROOTDIR) do not copy it into itself.
mount --make-unbindable "$R"
for e in /* /.[!.]* /..?*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  b=${e#/}
  case "$b" in
  tmp | proc | dev) mkdir "$R/$b" ;;
  *)
    if [ -L "$e" ]; then
      ln -s "$(readlink "$e")" "$R/$b"
    elif [ -d "$e" ]; then
      mkdir "$R/$b"
      mount --rbind "$e" "$R/$b"
    else
      : >"$R/$b"
      mount --bind "$e" "$R/$b"
    fi
    ;;
  esac
done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"
add_ours "$R/tmp"
if [ "$mode" = root ]; then
  # Real root: a fresh proc for this pid namespace, and a minimal /dev (no disks).
  mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
  mount -t tmpfs -o mode=0755,nosuid tmpfs "$R/dev"
  for d in null zero full random urandom tty; do
    : >"$R/dev/$d"
    mount --bind "/dev/$d" "$R/dev/$d"
  done
  mkdir "$R/dev/pts" "$R/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"
  ln -s pts/ptmx "$R/dev/ptmx"
  ln -s /proc/self/fd "$R/dev/fd"
  ln -s /proc/self/fd/0 "$R/dev/stdin"
  ln -s /proc/self/fd/1 "$R/dev/stdout"
  ln -s /proc/self/fd/2 "$R/dev/stderr"
else
  # In a user namespace, proc can be mounted (by the inner namespace) only where a full one is visible.
  mount --rbind /proc "$R/proc"
  mount --rbind /dev "$R/dev"
  mkdir -p "$R/dev/shm"
fi
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
add_ours "$R"
mkdir "$R/.kubelite-oldroot"
cd "$R"
pivot_root . .kubelite-oldroot
cd /
O=/.kubelite-oldroot

# ---- the plan ---------------------------------------------------------------------------------
# Two passes: every mountpoint first (making one may shadow a directory, which would cover a
# mount made earlier in it), then the mounts, in the plan's order (parents before children).
tab=$(printf '\t')
while IFS="$tab" read -r op a b c; do
  case "$op" in
  file) ensure "$b" f ;;
  bind) if [ -d "$O$a" ]; then ensure "$b" d; else ensure "$b" f; fi ;;
  tmpfs) ensure "$a" d ;;
  hide | '') ;;
  *)
    echo "sandbox.sh: unknown operation $op" >&2
    exit 2
    ;;
  esac
done <"$O$plan"
while IFS="$tab" read -r op a b c; do
  case "$op" in
  file)
    ensure "$b" f
    mount --bind "$O$a" "$t"
    ;;
  bind)
    # A volume inside another volume: its mountpoint is made in the outer one, as runc does.
    if [ -d "$O$a" ]; then ensure "$b" d; else ensure "$b" f; fi
    mount --bind "$O$a" "$t"
    if [ "$c" = ro ]; then mount -o remount,bind,ro "$t"; fi
    ;;
  tmpfs)
    ensure "$a" d
    mount -t tmpfs -o "$b" tmpfs "$t"
    ;;
  hide)
    if [ -d "$a" ]; then
      mount -t tmpfs -o ro,mode=000,size=4k tmpfs "$a"
    elif [ -e "$a" ]; then
      mount --bind /dev/null "$a"
    fi
    ;;
  esac
done <"$O$plan"
umount -l "$O"
rmdir "$O"
# The overlays keep their upper layers; the directory that held them goes from view.
if [ -n "$layers" ]; then
  umount -l "$layers"
  rmdir "$layers"
fi

pause='trap "" TERM INT HUP QUIT USR1 USR2; echo ready; exec </dev/null >/dev/null 2>&1; while :; do sleep 2147483647 & wait $! || :; done'
# KUBELITE_SANDBOX_PROBE=1: the runtime's start-up check; built, then gone.
if [ "${KUBELITE_SANDBOX_PROBE:-}" = 1 ]; then pause='echo ready'; fi
if [ "$mode" = root ]; then
  printf '%s' "$host_name" >/proc/sys/kernel/hostname
  exec /bin/sh -c "$pause"
fi
# userns: the pod's own user, UTS, IPC and PID namespaces inside this one (whose mounts it cannot
# undo), the caller's uid mapped to itself (or to 0 when a container asked for runAsUser 0).
uid=$5
gid=$6
map=$7
if [ "$map" = root ]; then maparg="--map-root-user"; else maparg="--map-user=$uid --map-group=$gid"; fi
# shellcheck disable=SC2086
# (sethostname(2) through hostname(1): in a user namespace /proc/sys stays the host's.)
exec unshare --user $maparg --keep-caps --uts --ipc --pid --fork --mount-proc /bin/sh -c "hostname \"\$0\" || exit 1; $pause" "$host_name"
