#!/usr/bin/env bash
# Start evse-tui's full-screen UI in a tmux session, or re-attach to the one already running.
#
#   deploy/tmux-evse.sh                     start (or re-attach); Ctrl-b d detaches and leaves it running
#   deploy/tmux-evse.sh -d                  start detached (for `@reboot` in crontab); no-op if running
#   deploy/tmux-evse.sh -- --data-dir PATH  arguments after -- go to evse-tui (used when it starts)
#
# Environment: EVSE_TUI (the command, default: evse-tui on PATH), EVSE_TMUX_SESSION (default: evse),
# EVSE_TMUX_SOCKET (a private tmux server name, default: the user's normal server), EVSE_DATA_DIR
# (passed into the session even when the tmux server was started earlier with another environment).
# If evse-tui exits, its last screen stays in the window; running this again starts it afresh.
set -euo pipefail

session="${EVSE_TMUX_SESSION:-evse}"
program="${EVSE_TUI:-evse-tui}"
detach=0
while (($#)); do
  case "$1" in
    -d|--detach) detach=1; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) echo "tmux-evse.sh: unknown option $1 (arguments for evse-tui go after --)" >&2; exit 2 ;;
  esac
done

if ! command -v tmux >/dev/null 2>&1; then
  echo "tmux-evse.sh: tmux is not installed (Debian/Raspberry Pi OS: sudo apt-get install tmux)" >&2
  exit 1
fi
read -r -a words <<<"$program"
if ! command -v "${words[0]}" >/dev/null 2>&1; then
  echo "tmux-evse.sh: ${words[0]} not found; set EVSE_TUI to its path (e.g. /opt/evse-tui/bin/evse-tui)" >&2
  exit 1
fi

tmux_cmd=(tmux)
[[ -n "${EVSE_TMUX_SOCKET:-}" ]] && tmux_cmd=(tmux -L "$EVSE_TMUX_SOCKET")

target="=$session"  # exactly this session (no prefix matching)
pane="=$session:"   # its current window's pane
if "${tmux_cmd[@]}" has-session -t "$target" 2>/dev/null; then
  if [[ "$("${tmux_cmd[@]}" display-message -p -t "$pane" '#{pane_dead}')" == 1 ]]; then
    "${tmux_cmd[@]}" respawn-pane -t "$pane"  # it had exited: start it again with the same command
  fi
else
  env_args=()
  [[ -n "${EVSE_DATA_DIR:-}" ]] && env_args=(-e "EVSE_DATA_DIR=$EVSE_DATA_DIR")
  command_line="$(printf '%q ' "${words[@]}" "$@")"
  # An idle shell first, so "keep the last screen" is set before evse-tui can exit (a config error, say).
  "${tmux_cmd[@]}" new-session -d -s "$session" -x 132 -y 43
  "${tmux_cmd[@]}" set-option -w -t "$pane" remain-on-exit on
  "${tmux_cmd[@]}" respawn-pane -k -t "$pane" ${env_args[@]+"${env_args[@]}"} "exec $command_line"
fi

if ((detach)); then
  echo "evse-tui is running in tmux session '$session' (attach: $0)"
  exit 0
fi
if [[ -n "${TMUX:-}" && -z "${EVSE_TMUX_SOCKET:-}" ]]; then
  exec tmux switch-client -t "$target"  # already inside tmux: switch instead of nesting
fi
exec "${tmux_cmd[@]}" attach-session -t "$target"
