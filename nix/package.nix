# The Backbeat package: the `backbeat` supervisor and every executor of
# the workspace (`sh-runner`, `ssh-runner`, `claude-runner`, `codex-runner`, …) in
# $out/bin, side by side — the supervisor finds runners next to its own
# binary. Also ships the systemd user unit (pointing at $out/bin), the API
# description and the example custom executor.
{
  lib,
  rustPlatform,
}:

let
  workspace = lib.importTOML ../Cargo.toml;
in
rustPlatform.buildRustPackage {
  pname = "backbeat";
  inherit (workspace.workspace.package) version;

  # Only what the build needs, so editing docs or scripts does not
  # rebuild. The dashboard is embedded into the binary at compile time.
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../Cargo.toml
      ../Cargo.lock
      ../supervisor
      ../executors
      ../dashboard
      ../api-spec
      ../backbeat.service
    ];
  };

  cargoLock.lockFile = ../Cargo.lock;

  # Every member of the workspace; cargoInstallHook copies every binary
  # of the release directory to $out/bin.
  cargoBuildFlags = [ "--workspace" ];

  # The test suite starts real servers and processes, a headless browser
  # and stand-ins for the AI CLIs; run it in the dev shell
  # (`nix develop -c cargo nextest run`), not in the build sandbox.
  doCheck = false;

  postInstall = ''
    for bin in backbeat sh-runner ssh-runner claude-runner codex-runner slurm-runner; do
      if [ ! -x "$out/bin/$bin" ]; then
        echo "expected $out/bin/$bin to be built" >&2
        exit 1
      fi
    done

    mkdir -p $out/lib/systemd/user
    substitute backbeat.service $out/lib/systemd/user/backbeat.service \
      --replace-fail '%h/.local/bin/backbeat' "$out/bin/backbeat"

    install -Dm644 api-spec/openapi.yaml $out/share/backbeat/api-spec/openapi.yaml
    install -Dm644 api-spec/executor-protocol.md $out/share/backbeat/api-spec/executor-protocol.md
    cp -r api-spec/schemas $out/share/backbeat/api-spec/schemas
    install -Dm755 executors/examples/python-runner $out/share/backbeat/examples/python-runner
    install -Dm644 executors/examples/README.md $out/share/backbeat/examples/README.md
  '';

  # The example executor is documentation: keep its `/usr/bin/env python3`.
  dontPatchShebangs = true;

  meta = {
    description = "Local-first background job scheduler: cron and one-off shell scripts and AI instructions, with a web dashboard";
    license = lib.licenses.mit;
    mainProgram = "backbeat";
    platforms = lib.platforms.unix;
  };
}
