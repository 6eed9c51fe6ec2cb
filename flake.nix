{
  description = "Backbeat — a local-first background job scheduler with a web dashboard";

  # Edition 2024 and rust-version 1.90 need a recent rustc.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      packageFor = pkgs: self.packages.${pkgs.stdenv.hostPlatform.system}.default;
    in
    {
      packages = forAllSystems (pkgs: rec {
        backbeat = pkgs.callPackage ./nix/package.nix { };
        default = backbeat;
      });

      overlays.default = final: _prev: {
        backbeat = final.callPackage ./nix/package.nix { };
      };

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages =
            with pkgs;
            [
              cargo
              rustc
              clippy
              rustfmt
              cargo-nextest
              rust-analyzer
              sqlite
              nodejs
              # api-spec/check, api-spec/schemas/check, the example executor
              (python3.withPackages (ps: [
                ps.jsonschema
                ps.pyyaml
                ps.openapi-spec-validator
              ]))
            ]
            # Browser tests of the dashboard (Chromium is Linux-only in nixpkgs).
            ++ lib.optionals stdenv.hostPlatform.isLinux [ chromium ];
          env.RUST_SRC_PATH = "${pkgs.rustPlatform.rustLibSrc}";
        };
      });

      nixosModules = {
        backbeat =
          { pkgs, ... }:
          {
            imports = [ ./nix/nixos-module.nix ];
            services.backbeat.package = lib.mkDefault (packageFor pkgs);
          };
        default = self.nixosModules.backbeat;
      };

      homeManagerModules = {
        backbeat =
          { pkgs, ... }:
          {
            imports = [ ./nix/home-manager-module.nix ];
            services.backbeat.package = lib.mkDefault (packageFor pkgs);
          };
        default = self.homeManagerModules.backbeat;
      };
    };
}
