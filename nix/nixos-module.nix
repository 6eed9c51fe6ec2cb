# NixOS module: Backbeat as a system service running as its own user.
#
#   services.backbeat = {
#     enable = true;
#     extraExecutors = [ (pkgs.writers.writePython3Bin "python-runner" { } ./python-runner) ];
#     extraPackages = [ pkgs.git pkgs.restic ];
#   };
#
# Jobs can be declared too, and are synced at every start:
#
#   services.backbeat.jobs.nightly-backup = {
#     body = "restic backup /srv/notes";
#     schedule = { kind = "cron"; expr = "0 3 * * *"; timezone = "Europe/Paris"; };
#   };
#
# The API token is created on first start in `<dataDir>/config/token`; the
# login link is printed by
#   sudo -u backbeat BACKBEAT_CONFIG_DIR=/var/lib/backbeat/config backbeat url
# (with the default user and dataDir).
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
    types
    ;

  jobsOption = import ./jobs-option.nix { inherit lib pkgs; };

  isLoopback =
    host: host == "localhost" || host == "::1" || host == "[::1]" || lib.hasPrefix "127." host;
in
{
  options.services.backbeat = {
    enable = mkEnableOption "Backbeat, a local-first background job scheduler";

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
      example = "0.0.0.0";
      description = ''
        Address to bind (`HOST`). The API always needs the token unless
        `BACKBEAT_AUTH=off`, which Backbeat refuses on a non-loopback
        address. To reach it by name from other machines, also set
        `environment.BACKBEAT_ALLOWED_HOSTS`.
      '';
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open `port` in the firewall (only useful with a non-loopback `host`).";
    };

    dataDir = mkOption {
      type = types.str;
      default = "/var/lib/backbeat";
      description = ''
        State directory: `db.sqlite` and `logs/` (`BACKBEAT_DATA_DIR`), and
        `config/` with `preferences.json`, `token` and `executors/`
        (`BACKBEAT_CONFIG_DIR`). Created, mode 0700, owned by `user`.
      '';
    };

    user = mkOption {
      type = types.str;
      default = "backbeat";
      description = ''
        User the service and all its jobs run as. The default `backbeat` is
        created as a system user whose home is `dataDir` (the working
        directory of jobs without `cwd`). Set it to your own user to run
        jobs with your files and tools.
      '';
    };

    group = mkOption {
      type = types.str;
      default = "backbeat";
      description = "Group of the service; `backbeat` is created when it is the default.";
    };

    environment = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = {
        BACKBEAT_ALLOWED_HOSTS = "backbeat.lan";
        BACKBEAT_DISABLE_SCHEDULER = "1";
      };
      description = ''
        Extra environment of the service, inherited by every job. See the
        environment variables of Backbeat (`BACKBEAT_ALLOWED_HOSTS`,
        `BACKBEAT_DISABLE_SCHEDULER`, …). Secrets put here end up in the
        Nix store; prefer `systemd.services.backbeat.serviceConfig.EnvironmentFile`.
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
        the job type `<name>`. They are put on the service's `PATH`, where
        Backbeat looks for runners (after `<dataDir>/config/executors/` and
        the directory of the `backbeat` binary).
      '';
    };

    jobs = jobsOption.option;

    extraPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = literalExpression "[ pkgs.git pkgs.restic pkgs.curl ]";
      description = ''
        Packages on the `PATH` of the service and so of every job (a systemd
        service has only a minimal `PATH`). Put the `claude` or `codex` CLI
        here for AI jobs, or set the `claudeBinary` / `codexBinary`
        preferences to absolute paths.
      '';
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = (cfg.environment.BACKBEAT_AUTH or "") != "off" || isLoopback cfg.host;
        message = "services.backbeat: BACKBEAT_AUTH=off is only allowed when host is a loopback address (Backbeat refuses to start otherwise).";
      }
    ];

    users.users = mkIf (cfg.user == "backbeat") {
      backbeat = {
        isSystemUser = true;
        inherit (cfg) group;
        home = cfg.dataDir;
        description = "Backbeat job scheduler";
      };
    };
    users.groups = mkIf (cfg.group == "backbeat") { backbeat = { }; };

    systemd.tmpfiles.rules = [
      "d '${cfg.dataDir}' 0700 ${cfg.user} ${cfg.group} - -"
      "d '${cfg.dataDir}/config' 0700 ${cfg.user} ${cfg.group} - -"
    ];

    networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall [ cfg.port ];

    systemd.services.backbeat = {
      description = "Backbeat — local-first background job scheduler";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      path = cfg.extraExecutors ++ cfg.extraPackages;

      environment = {
        PORT = toString cfg.port;
        HOST = cfg.host;
        BACKBEAT_DATA_DIR = cfg.dataDir;
        BACKBEAT_CONFIG_DIR = "${cfg.dataDir}/config";
        HOME = config.users.users.${cfg.user}.home or cfg.dataDir;
      }
      // cfg.environment;

      serviceConfig = {
        Type = "exec";
        ExecStart = "${cfg.package}/bin/backbeat serve";
        # "-": a job the API refuses is logged, and Backbeat keeps running.
        ExecStartPost = lib.mkIf (cfg.jobs != { }) "-${
          jobsOption.syncScript {
            package = cfg.package;
            inherit (cfg) jobs;
          }
        }";
        User = cfg.user;
        Group = cfg.group;
        WorkingDirectory = cfg.dataDir;

        # SIGTERM to Backbeat alone: it stops running jobs itself (cancel,
        # SIGTERM to each job's process group, SIGKILL after stopGraceMs),
        # records them and exits 0; then systemd kills any leftover.
        KillMode = "mixed";
        KillSignal = "SIGTERM";
        TimeoutStopSec = 60;

        Restart = "on-failure";
        RestartSec = 5;
        # Exit 2: a configuration Backbeat refuses; restarting cannot help.
        RestartPreventExitStatus = 2;

        # Hardening that keeps ordinary jobs working: they keep the network
        # and devices, can read the system, and can write to dataDir, their
        # home and anything `user` may write outside /usr, /boot and /etc.
        # Jobs get a private /tmp and cannot gain privileges (no sudo or
        # setuid helpers). Tighten or loosen through
        # systemd.services.backbeat.serviceConfig.
        NoNewPrivileges = true;
        ProtectSystem = "full";
        PrivateTmp = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectHostname = true;
        RestrictSUIDSGID = true;
        RestrictRealtime = true;
        LockPersonality = true;
      };
    };
  };
}
