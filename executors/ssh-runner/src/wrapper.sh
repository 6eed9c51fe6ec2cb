# The remote half of ssh-runner, run by /bin/sh on the remote host after
# the lines above set: tok, grace (seconds), cwd, shell, body, exports.
# stdin is the ssh channel: after this script the runner writes control
# lines on it (TERM, KILL); EOF means the connection is gone. Lines for
# the runner go to stderr, prefixed with $tok; everything else is the job's.
say() { printf '%s %s\n' "$tok" "$*" >&2; }
exec 3<&0
case $cwd in "~") cwd=$HOME ;; "~/"*) cwd=$HOME/${cwd#"~/"} ;; esac
if [ -n "$cwd" ] && ! cd -- "$cwd" 2>/dev/null; then say fail cwd; exit 1; fi
# The job runs in its own session, so its process group can be signalled
# as a whole without this script. Its first act reports that group's id.
job='printf "%s pgid %s\n" "$1" "$$" >&2; eval "$2"; shift 2; exec "$@"'
if command -v setsid >/dev/null 2>&1; then
    setsid /bin/sh -c "$job" job "$tok" "$exports" "$shell" -c "$body" </dev/null 3<&- &
else
    /bin/sh -c "$job" job "$tok" "$exports" "$shell" -c "$body" </dev/null 3<&- &
fi
pg=$!
sig() { kill -s "$1" -- "-$pg" 2>/dev/null || kill -s "$1" "$pg" 2>/dev/null; }
# The watcher: control lines from the runner, and EOF (the runner or the
# connection is gone): then the job is stopped, killed after the grace.
(
    trap '' HUP PIPE INT
    while IFS= read -r line; do
        case $line in TERM | KILL) sig "$line" ;; esac
    done
    sig TERM
    sleep "$grace"
    sig KILL
) <&3 &
watcher=$!
exec 3<&-
wait "$pg"
status=$?
# What the job left in its group does not outlive it.
sig KILL
kill "$watcher" 2>/dev/null
say exit "$status"
exit "$status"
