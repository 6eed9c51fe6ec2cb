# The `services.backbeat.jobs.<name>` option shared by the NixOS and
# home-manager modules, and the systemd ExecStartPost script that syncs
# those jobs into the running Backbeat (`backbeat import --sync --prune`).
{ lib, pkgs }:

let
  inherit (lib) mkOption types literalExpression;
  json = pkgs.formats.json { };

  job = types.submodule {
    # Any other writable job field of the API (openapi.yaml) passes through.
    freeformType = json.type;
    options = {
      title = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "Shown everywhere; `null` uses the attribute name.";
      };
      type = mkOption {
        type = types.str;
        default = "script";
        description = "`script`, `ai`, or a custom executor name.";
      };
      body = mkOption {
        type = types.str;
        description = "The shell script, or the AI instruction.";
      };
      schedule = mkOption {
        type = json.type;
        example = {
          kind = "cron";
          expr = "0 3 * * *";
          timezone = "Europe/Paris";
        };
        description = ''
          `{ kind = "cron"; expr = "…"; timezone = "…"; }`,
          `{ kind = "once"; at = "2026-12-01T09:00:00Z"; }` or `{ kind = "manual"; }`.
        '';
      };
      enabled = mkOption {
        type = types.bool;
        default = true;
        description = "Disabled jobs are never fired by the scheduler.";
      };
      cwd = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "Absolute working directory; `null` = the service user's home.";
      };
      env = mkOption {
        type = types.attrsOf types.str;
        default = { };
        description = "Environment of the job's runs (ends up in the Nix store: no secrets).";
      };
      timeoutMs = mkOption {
        type = types.nullOr types.ints.positive;
        default = null;
        description = "Run time limit in ms; `null` = the `defaultTimeoutMs` preference.";
      };
      overlap = mkOption {
        type = types.enum [
          "queue"
          "skip"
          "parallel"
        ];
        default = "queue";
        description = "What happens when a run is due while one is still running.";
      };
      catchUp = mkOption {
        type = types.enum [
          "none"
          "last"
          "all"
        ];
        default = "none";
        description = "Occurrences missed while Backbeat was down: none run, the latest runs, or all run (at most 10).";
      };
      tags = mkOption {
        type = types.listOf (types.strMatching "[A-Za-z0-9._-]{1,32}");
        default = [ ];
        description = "Labels to filter jobs by (`backbeat jobs --tag`, the dashboard's chips); stored lowercased, at most 20.";
      };
    };
  };
in
{
  option = mkOption {
    type = types.attrsOf job;
    default = { };
    example = literalExpression ''
      {
        nightly-backup = {
          title = "Nightly backup";
          body = "restic backup ~/notes";
          schedule = { kind = "cron"; expr = "0 3 * * *"; timezone = "Europe/Paris"; };
          env.RESTIC_REPOSITORY = "/backups/restic";
        };
      }
    '';
    description = ''
      Jobs declared here, by name. At every service start they are applied
      with `backbeat import --sync --prune`: missing ones are created,
      changed ones updated (an edit made in the dashboard is undone), and
      jobs an earlier configuration declared but this one does not are
      deleted. Jobs created in the dashboard or by the CLI are never
      touched. A sync failure (e.g. an invalid job) is logged in the
      service's journal and does not stop Backbeat. With no jobs declared
      nothing is synced.
    '';
  };

  # syncScript { package, jobs, exports }: waits (60 s at most) for the
  # server Backbeat just started, then syncs. Exit 3 from the client means
  # "cannot reach Backbeat yet".
  syncScript =
    {
      package,
      jobs,
      exports ? "",
    }:
    let
      file = pkgs.writeText "backbeat-jobs.json" (import ./jobs-file.nix jobs);
    in
    pkgs.writeShellScript "backbeat-sync-jobs" ''
      ${exports}
      for _ in $(seq 1 120); do
        ${package}/bin/backbeat import --sync ${file} --prune && exit 0
        status=$?
        [ "$status" -eq 3 ] || exit "$status"
        sleep 0.5
      done
      echo "backbeat: the server did not answer within 60 s; jobs not synced" >&2
      exit 1
    '';
}
