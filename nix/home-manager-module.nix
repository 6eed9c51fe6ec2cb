# home-manager module: Backbeat as a systemd *user* service, running your
# jobs as you, with your files, tools and AI CLI logins.
#
#   services.backbeat = {
#     enable = true;
#     extraExecutors = [ (pkgs.writers.writePython3Bin "python-runner" { } ./python-runner) ];
#   };
#
#   services.backbeat.jobs.nightly-backup = {        # synced at every start
#     body = "restic backup ~/notes";
#     schedule = { kind = "cron"; expr = "0 3 * * *"; timezone = "Europe/Paris"; };
#   };
#
# `backbeat url` (installed in your profile) prints the dashboard login link.
# To keep jobs running while you are logged out: `loginctl enable-linger $USER`.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.services.backbeat;
  inherit (lib)
    literalExpression
    mkEnableOption
    mkIf
    mkOption
    optionalAttrs
    types
    ;

  jobsOption = import ./jobs-option.nix { inherit lib pkgs; };

  environment = {
    PORT = toString cfg.port;
    HOST = cfg.host;
  }
  // optionalAttrs (cfg.dataDir != null) { BACKBEAT_DATA_DIR = cfg.dataDir; }
  // cfg.environment;

  # systemd cannot append to PATH, so a small wrapper does: runners and
  # packages first, then your profile, then the user manager's PATH. It
  # execs Backbeat, which stays the service's main process.
  pathPrefix = lib.concatStringsSep ":" (
    map (p: "${p}/bin") (cfg.extraExecutors ++ cfg.extraPackages)
    ++ [ "${config.home.profileDirectory}/bin" ]
  );
  exports = lib.concatStringsSep "\n" (
    lib.mapAttrsToList (name: value: "export ${name}=${lib.escapeShellArg value}") environment
  );
  start = pkgs.writeShellScript "backbeat-start" ''
    export PATH=${lib.escapeShellArg pathPrefix}''${PATH:+:$PATH}
    ${exports}
    exec ${cfg.package}/bin/backbeat serve
  '';
in
{
  options.services.backbeat = {
    enable = mkEnableOption "Backbeat, a local-first background job scheduler, as a user service";

    package = mkOption {
      type = types.package;
      defaultText = literalExpression "backbeat.packages.\${system}.default";
      description = ''
        The Backbeat package: `bin/backbeat` and the built-in executors
        (`sh-runner`, `ssh-runner`, `claude-runner`, `codex-runner`) beside it.
      '';
    };

    port = mkOption {
      type = types.port;
      default = 3786;
      description = "TCP port of the dashboard and API (`PORT`).";
    };

    host = mkOption {
      type = types.str;
      default = "127.0.0.1";
      description = ''
        Address to bind (`HOST`). Keep the loopback default unless you put
        the dashboard behind something; the API token is required either way.
      '';
    };

    dataDir = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/home/me/backbeat";
      description = ''
        Where `db.sqlite` and `logs/` go (`BACKBEAT_DATA_DIR`); `null` keeps
        Backbeat's default, `$XDG_DATA_HOME/backbeat`. Preferences, the
        token and custom executors stay in `$XDG_CONFIG_HOME/backbeat`.
      '';
    };

    environment = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = {
        BACKBEAT_ALLOWED_HOSTS = "laptop.local";
      };
      description = ''
        Extra environment of the service, inherited by every job. Values
        end up in the Nix store: do not put secrets here.
      '';
    };

    extraExecutors = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = literalExpression ''
        [ (pkgs.writers.writePython3Bin "python-runner" { } ./python-runner) ]
      '';
      description = ''
        Packages providing custom executors: each `bin/<name>-runner` adds
        the job type `<name>`. They are put first on the service's `PATH`,
        where Backbeat finds them (runners dropped into
        `~/.config/backbeat/executors/` work too, without a rebuild).
      '';
    };

    jobs = jobsOption.option;

    extraPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = literalExpression "[ pkgs.git pkgs.restic ]";
      description = ''
        Packages put on the `PATH` of the service and its jobs, before your
        profile (`home.packages` are already there).
      '';
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion =
          (cfg.environment.BACKBEAT_AUTH or "") != "off"
          || builtins.elem cfg.host [
            "127.0.0.1"
            "localhost"
            "::1"
          ];
        message = "services.backbeat: BACKBEAT_AUTH=off is only allowed with a loopback host (Backbeat refuses to start otherwise).";
      }
    ];

    home.packages = [ cfg.package ];

    systemd.user.services.backbeat = {
      Unit = {
        Description = "Backbeat — local-first background job scheduler";
        StartLimitIntervalSec = 300;
        StartLimitBurst = 5;
      };

      Service = {
        Type = "exec";
        ExecStart = "${start}";
        # "-": a job the API refuses is logged, and Backbeat keeps running.
        ExecStartPost = lib.mkIf (cfg.jobs != { }) "-${
          jobsOption.syncScript {
            package = cfg.package;
            inherit (cfg) jobs;
            inherit exports;
          }
        }";
        WorkingDirectory = "%h";
        # Backbeat stops its running jobs itself on SIGTERM, records them
        # and exits; systemd then kills any leftover (see backbeat.service).
        KillMode = "mixed";
        KillSignal = "SIGTERM";
        TimeoutStopSec = 60;
        Restart = "on-failure";
        RestartSec = 5;
        RestartPreventExitStatus = 2;
        # No sandboxing: in a user unit it implies PrivateUsers= or
        # NoNewPrivileges=, which break jobs using sudo or group access.
      };

      Install.WantedBy = [ "default.target" ];
    };
  };
}
