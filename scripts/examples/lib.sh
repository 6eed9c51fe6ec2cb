# Shared by the REST examples (sourced, not run): where Backbeat is, its
# token, and a curl wrapper that turns API errors into messages.
#
#   BACKBEAT_URL    default http://127.0.0.1:3786
#   BACKBEAT_TOKEN  default: the contents of
#                   ${BACKBEAT_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/backbeat}/token
#
# Needs bash, curl and jq.

set -euo pipefail

BACKBEAT_URL=${BACKBEAT_URL:-http://127.0.0.1:3786}
BACKBEAT_URL=${BACKBEAT_URL%/}
if [ -z "${BACKBEAT_TOKEN:-}" ]; then
  token_file=${BACKBEAT_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/backbeat}/token
  if [ -r "$token_file" ]; then
    BACKBEAT_TOKEN=$(tr -d '[:space:]' <"$token_file")
  else
    BACKBEAT_TOKEN=  # fine only with BACKBEAT_AUTH=off on the server
  fi
fi

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "this example needs $tool" >&2; exit 2; }
done

# curl with the token. The header is passed as a curl config on a file
# descriptor, so the token never appears in the process list.
bb_curl() {
  if [ -n "$BACKBEAT_TOKEN" ]; then
    curl -K <(printf 'header = "Authorization: Bearer %s"\n' "$BACKBEAT_TOKEN") "$@"
  else
    curl "$@"
  fi
}

# api METHOD PATH [JSON-BODY]: prints the JSON response; on an HTTP error
# prints the API's message (and the field at fault) and exits 1.
api() {
  local method=$1 path=$2 body=${3-} out status
  out=$(mktemp)
  local args=(--silent --show-error -X "$method" -o "$out" -w '%{http_code}')
  if [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$body")
  fi
  if ! status=$(bb_curl "${args[@]}" "$BACKBEAT_URL$path"); then
    rm -f "$out"
    echo "cannot reach Backbeat at $BACKBEAT_URL (is it running? see BACKBEAT_URL)" >&2
    exit 1
  fi
  if [ "$status" -ge 400 ]; then
    jq -r --arg status "$status" \
      '"HTTP \($status) \(.error.code): \(.error.message)" + (if .error.field then " [\(.error.field)]" else "" end)' \
      <"$out" >&2 2>/dev/null || { echo "HTTP $status" >&2; cat "$out" >&2; }
    rm -f "$out"
    exit 1
  fi
  cat "$out"
  rm -f "$out"
}
